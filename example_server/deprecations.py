"""What the lifecycle policy declares about the example API's deprecations (its "Version Sunset Schedule").

Elements deprecated in the schema but not listed here get ``deprecated_on`` = the day they are first seen.

``Mutation.upload_attachment`` shows the enforcement (docs/enforcement.md): in its sunset warning (the 30 days
before 2026-06-30) a client that had not used it before gets ``GONE`` (no new adopters), and on Tuesdays
14:00-14:15 UTC from D-30 it is browned out for everyone.
"""

from __future__ import annotations

import datetime as dt

from gqlevolve.lifecycle import Deprecation

__all__ = ["DECLARED"]

DECLARED: list[Deprecation] = [
    Deprecation(
        "Mutation.upload_attachment",
        reason="Use secure_file_upload",
        deprecated_on=dt.date(2025, 9, 27),
        sunset_on=dt.date(2026, 6, 30),
        replacement="secure_file_upload",
        migration_guide="https://docs.youtility.in/migrations/secure-file-upload",
        refuse_new_adopters=True,
        brownouts=("every tuesday 14:00-14:15 UTC from D-30",),
    ),
    Deprecation(
        "User.name",
        reason="Use fullName instead",
        replacement="fullName",
        migration_guide="https://docs.youtility.in/migrations/user-full-name",
    ),
]
