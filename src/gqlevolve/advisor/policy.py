"""The removal rule's settings: :class:`RemovalPolicy`, and how a day without traffic counts.

Example::

    policy = RemovalPolicy(threshold=0.005, exclude_clients=("load-test",))
    policy = RemovalPolicy(zero_traffic=ZeroTrafficDays.UNDER_THRESHOLD)   # quiet weekends count as "under"
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from gqlevolve.jsonable import json_quote

__all__ = ["RemovalPolicy", "ZeroTrafficDays"]


class ZeroTrafficDays(StrEnum):
    """How a day on which the endpoint was watched but served no operation at all counts.

    ``UNCOVERED`` (the default) treats it like a day without data: silence is no evidence that clients
    moved on (the server may have been down, or traffic went elsewhere), so such a day blocks removal just
    as a missing day does. ``UNDER_THRESHOLD`` counts it as covered with a share of 0 (for an endpoint that
    is legitimately idle on some days).
    """

    UNCOVERED = "uncovered"
    UNDER_THRESHOLD = "under_threshold"


@dataclass(frozen=True, slots=True)
class RemovalPolicy:
    """When a deprecated coordinate may be removed (see ``docs/advisor.md``).

    - ``threshold``: each window day's share must be strictly under it (0.01 = 1%);
    - ``window_days``: how many complete UTC days before the day judged must all be covered and under;
    - ``min_deprecated_days``: how long the element must have been deprecated;
    - ``exclude_clients``: client names whose operations leave numerator and denominator alike;
    - ``zero_traffic``: how a watched day without any operation counts (:class:`ZeroTrafficDays`).
    """

    threshold: float = 0.01
    window_days: int = 90
    min_deprecated_days: int = 90
    exclude_clients: tuple[str, ...] = ()
    zero_traffic: ZeroTrafficDays = ZeroTrafficDays.UNCOVERED
    _threshold_fraction: Fraction = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)):
            raise ValueError(f"threshold must be a number between 0 and 1, not {json_quote(self.threshold)}")
        if not math.isfinite(self.threshold) or not 0 < self.threshold <= 1:
            raise ValueError(
                f"threshold must be a share above 0 and at most 1 (0.01 = 1%), not {json_quote(self.threshold)}"
            )
        for name in ("window_days", "min_deprecated_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number of days, 0 or more, not {json_quote(value)}")
        if self.window_days == 0:
            raise ValueError("window_days must be at least 1: the rule needs days of evidence")
        if isinstance(self.exclude_clients, str):  # a lone name would otherwise be split into letters
            object.__setattr__(self, "exclude_clients", (self.exclude_clients,))
        object.__setattr__(self, "exclude_clients", tuple(dict.fromkeys(self.exclude_clients)))
        try:
            object.__setattr__(self, "zero_traffic", ZeroTrafficDays(self.zero_traffic))
        except ValueError:
            allowed = ", ".join(member.value for member in ZeroTrafficDays)
            raise ValueError(f"zero_traffic must be one of {allowed}, not {json_quote(self.zero_traffic)}") from None
        # Shares are compared exactly: used / total < p / q  <=>  used * q < p * total.
        object.__setattr__(self, "_threshold_fraction", Fraction(str(self.threshold)))

    def is_under(self, used: int, total: int) -> bool:
        """``used / total`` strictly under the threshold, in exact integer arithmetic (``total > 0``)."""
        numerator, denominator = self.threshold_ratio
        return used * denominator < numerator * total

    @property
    def threshold_ratio(self) -> tuple[int, int]:
        """The threshold as an exact fraction ``(p, q)``: 0.01 is ``(1, 100)``."""
        return self._threshold_fraction.numerator, self._threshold_fraction.denominator

    @property
    def threshold_text(self) -> str:
        """The threshold as a percentage without trailing zeros: ``1%``, ``0.5%``."""
        return f"{self.threshold * 100:.10g}%"
