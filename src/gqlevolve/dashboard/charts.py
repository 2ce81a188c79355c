"""The dashboard's charts: SVG drawn on the server (no script, no CDN, no request elsewhere: it works offline).

Each function returns the SVG as :class:`markupsafe.Markup`, every text in it escaped, with ``role="img"`` and
an ``aria-label`` that says what it shows in words (the text alternative); the pages put the same numbers in a
table beside it. Shares are fractions (0.0123 = 1.23%). The colours come from the stylesheet's classes, so the
charts follow its contrast.

Example:

    >>> svg = sparkline([0.0, 0.02, None, 0.005], threshold=0.01, label="User.name, 30 days")
    >>> svg.startswith("<svg") and 'role="img"' in svg and "threshold" in svg
    True
    >>> "<script>" in sparkline([0.5], label="<script>alert(1)</script>")
    False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["StackedWeek", "percent", "share_chart", "sparkline", "stacked_weeks", "timeline"]


def percent(share: float | None, digits: int = 2) -> str:
    """``0.0123`` as ``1.23%``; None (no traffic) as ``-``."""
    return "-" if share is None else f"{share:.{digits}%}"


def _n(value: float) -> str:
    # Coordinates with one decimal keep the SVG small and its output stable.
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _scale_top(values: Sequence[float | None], threshold: float) -> float:
    """The top of a share axis: the largest value, and never below twice the threshold (the line stays visible)."""
    highest = max((value for value in values if value is not None), default=0.0)
    return max(highest, threshold * 2, 1e-9)


def sparkline(
    shares: Sequence[float | None], *, threshold: float = 0.01, label: str, width: int = 120, height: int = 28
) -> Markup:
    """A small line of daily shares (None: a day without data, a gap) against the dashed threshold line."""
    top = _scale_top(shares, threshold)
    step = width / max(len(shares) - 1, 1)

    def y(value: float) -> float:
        return height - 2 - (height - 4) * min(value, top) / top

    segments: list[list[str]] = [[]]
    for index, share in enumerate(shares):
        if share is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(f"{_n(index * step)},{_n(y(share))}")
    lines = "".join(
        f'<polyline class="chart-line" points="{" ".join(points)}"/>' if len(points) > 1
        else f'<circle class="chart-dot" cx="{points[0].split(",")[0]}" cy="{points[0].split(",")[1]}" r="1.5"/>'
        for points in segments if points
    )
    known = [share for share in shares if share is not None]
    summary = (
        f"{label}: highest {percent(max(known))}, last {percent(known[-1])}, threshold {percent(threshold)}"
        if known else f"{label}: no traffic data"
    )
    return Markup(
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(summary)}">'
        f'<line class="chart-threshold" x1="0" x2="{width}" y1="{_n(y(threshold))}" y2="{_n(y(threshold))}"/>'
        f"{lines}</svg>"
    )


def share_chart(
    days: Sequence[tuple[dt.date, float | None]], *, threshold: float = 0.01, label: str,
    width: int = 720, height: int = 220,
) -> Markup:
    """Daily shares as bars over a window (``days`` in order; None: not covered, shaded), with the threshold line."""
    left, right, top_pad, bottom = 56, 8, 10, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = _scale_top([share for _, share in days], threshold)
    step = plot_w / max(len(days), 1)

    def y(value: float) -> float:
        return top_pad + plot_h - plot_h * min(value, top) / top

    parts: list[str] = []
    over = uncovered = 0
    for index, (_day, share) in enumerate(days):
        x = left + index * step
        if share is None:
            uncovered += 1
            parts.append(f'<rect class="chart-uncovered" x="{_n(x)}" y="{top_pad}" width="{_n(step)}" height="{plot_h}"/>')
            continue
        over += share >= threshold
        css = "chart-bar over" if share >= threshold else "chart-bar"
        bar_top = y(share)
        parts.append(
            f'<rect class="{css}" x="{_n(x + step * 0.1)}" y="{_n(bar_top)}" width="{_n(step * 0.8)}" '
            f'height="{_n(top_pad + plot_h - bar_top)}"/>'
        )
    line_y = _n(y(threshold))
    axis = (
        f'<line class="chart-axis" x1="{left}" x2="{left}" y1="{top_pad}" y2="{top_pad + plot_h}"/>'
        f'<line class="chart-axis" x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" y2="{top_pad + plot_h}"/>'
        f'<text class="chart-label" x="{left - 4}" y="{top_pad + 8}" text-anchor="end">{escape(percent(top, 1))}</text>'
        f'<text class="chart-label" x="{left - 4}" y="{line_y}" text-anchor="end" dy="3">{escape(percent(threshold, 0))}</text>'
    )
    if top_pad + plot_h - float(line_y) > 12:  # the 0% label, unless the threshold's sits on it
        axis += f'<text class="chart-label" x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end">0%</text>'
    if days:
        axis += (
            f'<text class="chart-label" x="{left}" y="{height - 8}">{days[0][0].isoformat()}</text>'
            f'<text class="chart-label" x="{width - right}" y="{height - 8}" text-anchor="end">{days[-1][0].isoformat()}</text>'
        )
    summary = (
        f"{label}: {len(days)} days, {over} at or above the {percent(threshold, 0)} threshold, "
        f"{uncovered} without data (shaded)"
    )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(summary)}">'
        f"{''.join(parts)}{axis}"
        f'<line class="chart-threshold" x1="{left}" x2="{width - right}" y1="{line_y}" y2="{line_y}"/></svg>'
    )


@dataclass(frozen=True, slots=True)
class StackedWeek:
    """One week of the migration chart: clients migrated away, still using the element, gone quiet."""

    label: str
    migrated: int
    remaining: int
    inactive: int


def stacked_weeks(weeks: Sequence[StackedWeek], *, label: str, width: int = 360, height: int = 160) -> Markup:
    """Per week, a bar of migrated (bottom), remaining and inactive clients stacked."""
    left, bottom, top_pad = 28, 24, 8
    plot_w, plot_h = width - left - 4, height - bottom - top_pad
    top = max((week.migrated + week.remaining + week.inactive for week in weeks), default=0) or 1
    step = plot_w / max(len(weeks), 1)
    parts: list[str] = []
    for index, week in enumerate(weeks):
        x = left + index * step + step * 0.15
        base: float = top_pad + plot_h
        for css, count in (("chart-migrated", week.migrated), ("chart-remaining", week.remaining),
                           ("chart-inactive", week.inactive)):
            if count:
                h = plot_h * count / top
                base -= h
                parts.append(f'<rect class="{css}" x="{_n(x)}" y="{_n(base)}" width="{_n(step * 0.7)}" height="{_n(h)}"/>')
        parts.append(
            f'<text class="chart-label" x="{_n(x + step * 0.35)}" y="{height - 8}" text-anchor="middle">{escape(week.label)}</text>'
        )
    summary = f"{label}: " + "; ".join(
        f"week of {week.label}: {week.migrated} migrated, {week.remaining} remaining, {week.inactive} inactive"
        for week in weeks
    )
    return Markup(
        f'<svg class="chart chart-small" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(summary)}">'
        f'<line class="chart-axis" x1="{left}" x2="{width - 4}" y1="{top_pad + plot_h}" y2="{top_pad + plot_h}"/>'
        f'<text class="chart-label" x="{left - 4}" y="{top_pad + 8}" text-anchor="end">{top}</text>'
        f"{''.join(parts)}</svg>"
    )


def timeline(
    *, deprecated_on: dt.date | None, warning_starts: dt.date | None, sunset_on: dt.date | None, today: dt.date,
    label: str, width: int = 720, height: int = 92,
) -> Markup:
    """The lifecycle's milestones (deprecated, sunset warning, removed) on a line, with today marked."""
    milestones = [
        (name, day) for name, day in (("deprecated", deprecated_on), ("sunset warning", warning_starts),
                                      ("removed", sunset_on))
        if day is not None
    ]
    days = [day for _, day in milestones] + [today]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    left, right = 110, 110  # room for a label centred on the first and the last milestone

    def x(day: dt.date) -> float:
        return left + (width - left - right) * (day - first).days / span

    parts = [f'<line class="chart-axis" x1="{left}" x2="{width - right}" y1="30" y2="30"/>']
    for index, (name, day) in enumerate(milestones):
        parts.append(f'<circle class="chart-milestone" cx="{_n(x(day))}" cy="30" r="5"/>')
        label_y = 16 if index % 2 == 0 else 56
        parts.append(
            f'<text class="chart-label" x="{_n(x(day))}" y="{label_y}" text-anchor="middle">'
            f"{escape(name)} {day.isoformat()}</text>"
        )
    parts.append(f'<line class="chart-today" x1="{_n(x(today))}" x2="{_n(x(today))}" y1="20" y2="40"/>')
    parts.append(
        f'<text class="chart-label chart-today-label" x="{_n(x(today))}" y="86" text-anchor="middle">'
        f"today {today.isoformat()}</text>"
    )
    words = ", ".join(f"{name} on {day.isoformat()}" for name, day in milestones) or "no dates"
    summary = f"{label}: {words}; today is {today.isoformat()}"
    return Markup(
        f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(summary)}">'
        f"{''.join(parts)}</svg>"
    )
