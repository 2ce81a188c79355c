"""The lifecycle policy, as code (``api-lifecycle-policy.md`` and ``adr-endpoint-versioning.md``).

Modules, one concept each:

- :mod:`~gqlevolve.lifecycle.records`: a :class:`Deprecation` record and its :class:`Status` on a day, a whole
  version's :class:`VersionLifecycle`, the one rule for a migration guide (:func:`check_migration_guide`) and for
  a typed date (:func:`parse_iso_date`), the range of a record's dates (:func:`check_day`:
  :data:`FIRST_TYPED_DAY` to :data:`LAST_TYPED_DAY`) and date arithmetic that never overflows (:func:`add_days`);
- :mod:`~gqlevolve.lifecycle.headers`: what a response says about the records it touched:
  :func:`response_headers` (``Deprecation``, ``Sunset``, ``Link``, ``X-Deprecated-Replacement``,
  ``Warning: 299``) and the 410 body, :func:`gone_body`;
- :mod:`~gqlevolve.lifecycle.versions`: the ADR's version names (:func:`validate_version`: ``draft`` or ``vN``).

Every public name is importable from here: ``from gqlevolve.lifecycle import Deprecation, response_headers``.

Example::

    record = Deprecation(
        "Mutation.upload_attachment",
        reason="Use secure_file_upload",
        deprecated_on=date(2025, 9, 27),
        sunset_on=date(2026, 6, 30),
        replacement="secure_file_upload",
    )
    record.status_on(date(2026, 6, 1))      # Status.SUNSET_WARNING
    response_headers([record], date(2026, 6, 1))
"""

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
