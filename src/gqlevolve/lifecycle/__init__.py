"""The lifecycle policy, as code (``api-lifecycle-policy.md`` and ``adr-endpoint-versioning.md``).

Modules, one concept each:

- :mod:`~gqlevolve.lifecycle.records`: a :class:`Deprecation` record and its :class:`Status` on a day, a whole
  version's :class:`VersionLifecycle`, the one rule for a migration guide (:func:`check_migration_guide`) and for
  a typed date (:func:`parse_iso_date`), the range of a record's dates (:func:`check_day`:
  :data:`FIRST_TYPED_DAY` to :data:`LAST_TYPED_DAY`) and date arithmetic that never overflows (:func:`add_days`);
- :mod:`~gqlevolve.lifecycle.headers`: what a response says about the records it touched:
  :func:`response_headers` (``Deprecation``, ``Sunset``, ``Link``, ``X-Deprecated-Replacement``,
  ``Warning: 299``) and the 410 body, :func:`gone_body`;
- :mod:`~gqlevolve.lifecycle.versions`: the ADR's version names (:func:`validate_version`: ``draft`` or ``vN``);
- :mod:`~gqlevolve.lifecycle.days`: the range of dates people type and date arithmetic that never overflows;
- :mod:`~gqlevolve.lifecycle.brownouts`: scheduled brownout windows (:func:`parse_window`, :func:`active_window`);
- :mod:`~gqlevolve.lifecycle.adoption`: no new adopters in the sunset warning (:func:`refuses_new_adopters`).

Every public name is importable from here: ``from gqlevolve.lifecycle import Deprecation, response_headers``.

Example: a record and its status on a day are in :mod:`~gqlevolve.lifecycle.records`, the headers it gives a
response in :mod:`~gqlevolve.lifecycle.headers`; here, the names from one place:

    >>> from gqlevolve.lifecycle import Deprecation, Status, response_headers, validate_version
    >>> record = Deprecation("User.name", reason="Use fullName", deprecated_on=clock.today())
    >>> record.status_on(clock.today()) is Status.DEPRECATED, validate_version("v1")
    (True, 'v1')
    >>> response_headers([record], clock.today())
    [('Deprecation', '@1795219200'), ('Warning', '299 - "Deprecated API: User.name"')]
"""

from gqlevolve.lifecycle.adoption import adoption_cutoff, client_key, new_adopter_message, refuses_new_adopters
from gqlevolve.lifecycle.brownouts import (
    BrownoutWindow,
    Occurrence,
    active_window,
    brownout_message,
    parse_window,
    parse_windows,
)
from gqlevolve.lifecycle.headers import (
    deprecation_header,
    gone_body,
    response_headers,
    sunset_header,
    warning_header,
)
from gqlevolve.lifecycle.records import (
    FIRST_TYPED_DAY,
    LAST_TYPED_DAY,
    MIGRATION_GUIDE_RULE,
    SUNSET_WARNING_DAYS,
    Deprecation,
    InvalidMigrationGuide,
    Status,
    VersionLifecycle,
    add_days,
    check_day,
    check_migration_guide,
    parse_iso_date,
)
from gqlevolve.lifecycle.versions import (
    VERSION_RULE,
    InvalidVersionName,
    is_draft,
    validate_version,
)

__all__ = [
    "BrownoutWindow",
    "Occurrence",
    "active_window",
    "adoption_cutoff",
    "brownout_message",
    "client_key",
    "new_adopter_message",
    "parse_window",
    "parse_windows",
    "refuses_new_adopters",
    "FIRST_TYPED_DAY",
    "LAST_TYPED_DAY",
    "MIGRATION_GUIDE_RULE",
    "SUNSET_WARNING_DAYS",
    "VERSION_RULE",
    "Deprecation",
    "InvalidMigrationGuide",
    "InvalidVersionName",
    "Status",
    "VersionLifecycle",
    "add_days",
    "check_day",
    "check_migration_guide",
    "deprecation_header",
    "gone_body",
    "is_draft",
    "parse_iso_date",
    "response_headers",
    "sunset_header",
    "validate_version",
    "warning_header",
]
