"""The removal rule's settings: :class:`RemovalPolicy`, and how a day without traffic counts.

:func:`removal_policy` builds one from request parameters as people type them (strings): the command line's
``advise --threshold --max-operations --window-days --min-deprecated-days --exclude-client --zero-traffic`` and
the admin API's ``/eligibility?threshold=&max_operations=&window_days=&min_deprecated_days=&exclude_client=&zero_traffic=``
both call it, so they accept and refuse the same values with the same message (naming the option, or the field).

Example: the defaults, one policy in code, and the same built from what people type:

    >>> RemovalPolicy()
    RemovalPolicy(threshold=0.01, window_days=90, min_deprecated_days=90, exclude_clients=(),
                  zero_traffic=<ZeroTrafficDays.UNCOVERED: 'uncovered'>, max_operations=None)
    >>> policy = removal_policy(threshold="0.5%", window_days="60", exclude_clients=["load-test"],
    ...                         zero_traffic="under_threshold")    # quiet days count as "under"
    >>> policy.threshold, policy.window_days, policy.exclude_clients, policy.threshold_text
    (0.005, 60, ('load-test',), '0.5%')
    >>> policy.is_under(4, 1000), policy.is_under(5, 1000)       # strictly under, in exact arithmetic
    (True, False)
    >>> removal_policy(max_operations="0").max_operations   # and no operation at all in the window
    0
    >>> removal_policy(window_days="7.5", names=CLI_NAMES)
    Traceback (most recent call last):
    gqlevolve.errors.InvalidInput: --window-days: expected a whole number, not "7.5"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from gqlevolve.errors import InvalidInput
from gqlevolve.inputs import MAX_DAYS, day_count, share, whole_number
from gqlevolve.jsonable import json_quote

__all__ = [
    "CLI_NAMES", "MAX_DAYS", "MAX_OPERATIONS", "RemovalPolicy", "ZeroTrafficDays", "operation_count", "removal_policy",
]

#: Why a window needs a day at least.
_WINDOW_LEAST = "the rule needs at least 1 day of evidence"


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

    - ``threshold``: each window day's share must be strictly under it (0.01 = 1%), above 0 and at most 1;
    - ``window_days``: how many complete UTC days before the day judged must all be covered and under (1 to
      :data:`MAX_DAYS`);
    - ``min_deprecated_days``: how long the element must have been deprecated (0 to :data:`MAX_DAYS`);
    - ``exclude_clients``: client names whose operations leave numerator and denominator alike;
    - ``zero_traffic``: how a watched day without any operation counts (:class:`ZeroTrafficDays`);
    - ``max_operations``: also at most this many operations in the whole window (None: no count, the share alone);
      both hold when both are set. A share protects a busy endpoint's few users poorly (1% of a million is 10,000
      operations); a count says "no more than N operations", 0 being "not seen at all".
    """

    threshold: float = 0.01
    window_days: int = 90
    min_deprecated_days: int = 90
    exclude_clients: tuple[str, ...] = ()
    zero_traffic: ZeroTrafficDays = ZeroTrafficDays.UNCOVERED
    # Last, so that positional construction written before it keeps its meaning.
    max_operations: int | None = None
    _threshold_fraction: Fraction = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)):
            raise InvalidInput(
                f"threshold must be a number between 0 and 1, not {json_quote(self.threshold)}", field="threshold"
            )
        share(self.threshold, field="threshold")
        day_count(self.window_days, field="window_days", why_least=_WINDOW_LEAST)
        day_count(self.min_deprecated_days, field="min_deprecated_days", least=0)
        if isinstance(self.exclude_clients, str):  # a lone name would otherwise be split into letters
            object.__setattr__(self, "exclude_clients", (self.exclude_clients,))
        object.__setattr__(self, "exclude_clients", tuple(dict.fromkeys(self.exclude_clients)))
        try:
            object.__setattr__(self, "zero_traffic", ZeroTrafficDays(self.zero_traffic))
        except ValueError:
            allowed = ", ".join(member.value for member in ZeroTrafficDays)
            raise InvalidInput(
                f"zero_traffic must be one of {allowed}, not {json_quote(self.zero_traffic)}", field="zero_traffic"
            ) from None
        if self.max_operations is not None:
            operation_count(self.max_operations, field="max_operations")
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

    def within_count(self, operations: int) -> bool:
        """``operations`` in the window allowed by ``max_operations`` (always, without one)."""
        return self.max_operations is None or operations <= self.max_operations


#: The largest ``max_operations`` accepted (a BIGINT sum of counts never reaches it).
MAX_OPERATIONS = 10**15


def operation_count(value: object, *, field: str, name: str | None = None) -> int:
    """A ``max_operations``: a whole number from 0 to :data:`MAX_OPERATIONS` (digits, or an ``int``)."""
    number = whole_number(value, field=field, name=name)
    if not 0 <= number <= MAX_OPERATIONS:
        raise InvalidInput(f"{name or field} must be a whole number from 0 to {MAX_OPERATIONS}, not {number}", field=field)
    return number


#: How the command line names the policy's parameters (``removal_policy(..., names=CLI_NAMES)``).
CLI_NAMES: Mapping[str, str] = {
    "threshold": "--threshold",
    "window_days": "--window-days",
    "min_deprecated_days": "--min-deprecated-days",
    "exclude_clients": "--exclude-client",
    "zero_traffic": "--zero-traffic",
    "max_operations": "--max-operations",
}


def removal_policy(
    *,
    threshold: str | None = None,
    window_days: str | None = None,
    min_deprecated_days: str | None = None,
    exclude_clients: Iterable[str] = (),
    zero_traffic: str | None = None,
    max_operations: str | None = None,
    names: Mapping[str, str] | None = None,
) -> RemovalPolicy:
    """A :class:`RemovalPolicy` from request parameters as typed (strings; None or ``""``: the default).

    ``threshold`` is a share (``0.01``) or a percentage (``1%``), above 0 and at most 1; ``window_days`` a whole
    number from 1 to :data:`MAX_DAYS`, ``min_deprecated_days`` from 0 to :data:`MAX_DAYS` (digits only);
    ``zero_traffic`` one of :class:`ZeroTrafficDays`; ``max_operations`` a whole number from 0. Anything else is an
    :class:`~gqlevolve.errors.InvalidInput` whose ``field`` is the parameter (``window_days``) and whose message
    names it as ``names`` says (:data:`CLI_NAMES` on the command line; the parameter's own name by default).
    """
    names = names or {}
    settings: dict[str, object] = {"exclude_clients": tuple(exclude_clients)}
    if threshold:
        settings["threshold"] = share(threshold, field="threshold", name=names.get("threshold"))
    if window_days:
        name = names.get("window_days")
        settings["window_days"] = day_count(
            whole_number(window_days, field="window_days", name=name), field="window_days", name=name,
            why_least=_WINDOW_LEAST,
        )
    if min_deprecated_days:
        name = names.get("min_deprecated_days")
        settings["min_deprecated_days"] = day_count(
            whole_number(min_deprecated_days, field="min_deprecated_days", name=name), field="min_deprecated_days",
            name=name, least=0,
        )
    if zero_traffic:
        try:
            settings["zero_traffic"] = ZeroTrafficDays(zero_traffic)
        except ValueError:
            allowed = ", ".join(member.value for member in ZeroTrafficDays)
            raise InvalidInput(
                f"{names.get('zero_traffic', 'zero_traffic')} must be one of {allowed}, not {json_quote(zero_traffic)}",
                field="zero_traffic",
            ) from None
    if max_operations is not None and max_operations != "":
        settings["max_operations"] = operation_count(
            max_operations, field="max_operations", name=names.get("max_operations")
        )
    return RemovalPolicy(**settings)  # type: ignore[arg-type]
