"""The lifecycle policy's own example record (``Mutation.upload_attachment``), which several tests judge."""

from __future__ import annotations

import datetime as dt

from gqlevolve.lifecycle import Deprecation

UPLOAD = Deprecation(
    "Mutation.upload_attachment",
    reason="Use secure_file_upload",
    deprecated_on=dt.date(2025, 9, 27),
    sunset_on=dt.date(2026, 6, 30),
    replacement="secure_file_upload",
    migration_guide="https://docs.youtility.in/migrations/resource-v2",
)
