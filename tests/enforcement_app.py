"""The app of the two-process enforcement test: ``uvicorn tests.enforcement_app:app`` on the store ``$GQLEVOLVE_DB``.

``User.name`` is deprecated with no sunset (so it is ``deprecated`` on any day the suite runs) and v1 is a
deprecated version with no sunset; both refresh what the store says every 0.2 s, so a window set by another
process reaches this one within that interval.
"""

from __future__ import annotations

import datetime as dt
import os

from gqlevolve import UsageStore, VersionLifecycle, deprecation_usage, versioned_app
from gqlevolve.lifecycle import Deprecation
from tests.extension_schema import build_schema

REFRESH_SECONDS = 0.2
DECLARED = [Deprecation("User.name", deprecated_on=dt.date(2020, 1, 1), replacement="fullName")]

store = UsageStore(os.environ["GQLEVOLVE_DB"], flush_interval=0.2)
usage = deprecation_usage(store=store, declared=DECLARED, refresh_interval=REFRESH_SECONDS)
app = versioned_app(
    {"v1": build_schema(usage), "v2": build_schema(usage)},
    store=store,
    lifecycles={"v1": VersionLifecycle(deprecated_on=dt.date(2020, 1, 1), successor="v2")},
    enforcement_refresh=REFRESH_SECONDS,
)
