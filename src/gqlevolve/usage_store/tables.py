"""The usage store's tables (SQLAlchemy Core), the contract the advisor aggregates over in SQL.

Growth is bounded by design: a request adds to a counter, so ``deprecation_usage`` grows with
days x operation signatures x clients and ``operation_totals`` with days x clients, never with requests.

- ``deprecations``: the policy's ``APIDeprecation``, one row per (endpoint, coordinate);
- ``deprecation_audit``: every change to a deprecation record, field by field (never pruned);
- ``operation_signatures`` / ``signature_coordinates``: an operation signature is the set of deprecated
  coordinates an operation referenced; its rows say which coordinates those are;
- ``deprecation_usage``: the policy's ``APIDeprecationUsage``, a count per endpoint, UTC day, client name,
  client version and signature (only operations that referenced something deprecated);
- ``operation_totals``: every operation per endpoint, UTC day, client name and version (the denominator of
  every share). A watched endpoint gets a row with count 0 for each day it served nothing;
- ``enforcement_counts``: operations refused (``no_new_adopters``, ``brownout``) or asking for the preview
  (``preview``), per endpoint, UTC day, client name and version, coordinate and kind: kept apart from
  ``deprecation_usage``, so that they are seen but never count as use (:mod:`gqlevolve.lifecycle.brownouts`);
- ``version_enforcement``: a whole version's brownout windows and no-new-adopters setting, set through the store;
- ``coordinate_days`` / ``deprecated_days`` (0004): ``deprecation_usage`` summed per endpoint, coordinate and day
  (all clients), and per endpoint and day (operations that used anything deprecated, each once), written by the
  same upserts in the same transaction (:mod:`~gqlevolve.usage_store.writer`): the per-day reads (shares, the
  advisor's window, sparklines) sum a row per coordinate and day instead of one per signature, client and day;
- whole-schema usage (0005), every operation whatever it uses (:mod:`~gqlevolve.usage_store.operation_writer`):
  ``operations`` (an operation signature's kind, name and document hash: :mod:`gqlevolve.operation_shape`),
  ``operation_coordinates`` (every coordinate it uses, the deprecated ones flagged), ``operation_usage`` (a count
  per endpoint, UTC day, client name and version and operation signature), ``coordinate_usage`` (summed per
  endpoint, coordinate and day) and ``coordinate_seen`` (each coordinate's first and last day, kept when the days
  are pruned); ``schema_coordinates`` (every coordinate of each endpoint's served schema, since when, and when it
  left it) and ``schema_registrations`` (the hash of the schema each endpoint last registered);
- ``flush_ledger``: the last batch each writer committed, so a flush whose commit was in doubt is never
  counted twice;
- ``consumers`` / ``notice_deliveries``: a client's contacts, and the log of every notice sent to them (its
  idempotency key unique: :mod:`gqlevolve.notices`; never pruned with usage).

An unknown client name or version is stored as ``''`` (:data:`UNKNOWN_CLIENT`), not NULL, so that it takes part
in the primary keys that the upserts conflict on.

Example: the operations per day that used ``User.name``. Usage is counted per signature, and
``signature_coordinates`` says which signatures reference the coordinate (``clock``: a
:class:`~gqlevolve.clock.FixedClock` pinned to 2026-11-21):

    >>> from datetime import date
    >>> import sqlalchemy as sa
    >>> from gqlevolve.usage_store import UsageStore
    >>> from gqlevolve.usage_store.tables import deprecation_usage, signature_coordinates
    >>> store = UsageStore(store_url, clock=clock)      # store_url: e.g. "sqlite:///gqlevolve.db"
    >>> store.record_operation("/api/v1/graphql", {"User.name"}, when=date(2026, 11, 14), count=2)
    >>> store.record_operation("/api/v1/graphql", {"User.name", "Role.GUEST"}, count=3)
    >>> store.record_operation("/api/v1/graphql", {"Role.GUEST"}, count=4)
    >>> used = (
    ...     sa.select(deprecation_usage.c.day, sa.func.sum(deprecation_usage.c.count))
    ...     .where(deprecation_usage.c.endpoint == "/api/v1/graphql")
    ...     .where(deprecation_usage.c.signature.in_(
    ...         sa.select(signature_coordinates.c.signature).where(signature_coordinates.c.coordinate == "User.name")
    ...     ))
    ...     .group_by(deprecation_usage.c.day)
    ...     .order_by(deprecation_usage.c.day)
    ... )
    >>> with store.reading() as connection:
    ...     connection.execute(used).all()
    [(datetime.date(2026, 11, 14), 2), (datetime.date(2026, 11, 21), 3)]
    >>> store.close()

Outside this package, read through :mod:`~gqlevolve.usage_store.reads` (``daily_usage`` is this query, with the
day's totals).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gqlevolve.coordinates import COORDINATE_LENGTH as _COORDINATE_LENGTH
from gqlevolve.endpoints import ENDPOINT_LENGTH as _ENDPOINT_LENGTH
from gqlevolve.operation_shape import OPERATION_NAME_LENGTH as _OPERATION_NAME_LENGTH

__all__ = [
    "CLIENT_NAME_LENGTH",
    "CLIENT_VERSION_LENGTH",
    "COORDINATE_LENGTH",
    "ENDPOINT_LENGTH",
    "UNKNOWN_CLIENT",
    "CLIENT_SUMMARY_DAYS",
    "client_from_column",
    "client_summaries",
    "consumers",
    "coordinate_days",
    "coordinate_seen",
    "coordinate_usage",
    "day_from_column",
    "deprecation_audit",
    "deprecated_days",
    "deprecation_usage",
    "deprecations",
    "enforcement_counts",
    "flush_ledger",
    "metadata",
    "notice_deliveries",
    "operation_coordinates",
    "operation_signatures",
    "operation_summaries",
    "operation_totals",
    "operation_usage",
    "operations",
    "schema_coordinates",
    "schema_registrations",
    "shaped_totals",
    "signature_coordinates",
    "version_enforcement",
]

# The widths the names are checked against where they are parsed (gqlevolve.endpoints, gqlevolve.coordinates).
ENDPOINT_LENGTH = _ENDPOINT_LENGTH
COORDINATE_LENGTH = _COORDINATE_LENGTH
CLIENT_NAME_LENGTH = 64
CLIENT_VERSION_LENGTH = 32
SIGNATURE_LENGTH = 32
OPERATION_NAME_LENGTH = _OPERATION_NAME_LENGTH

#: How a missing client name or version is stored.
UNKNOWN_CLIENT = ""


def client_from_column(value: str) -> str | None:
    """A client name or version as read from a table: ``None`` for :data:`UNKNOWN_CLIENT`."""
    return None if value == UNKNOWN_CLIENT else value


def day_from_column(value: dt.date | str) -> dt.date:
    """A day as read from a query: SQLite returns an aggregate (``max``, ``sum`` grouping) of a DATE column as text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value

# Constraint names are spelled out so that migrations can refer to them on every backend.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Timestamp = sa.DateTime(timezone=True)

deprecations = sa.Table(
    "deprecations",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("deprecated_on", sa.Date, nullable=True),
    sa.Column("sunset_on", sa.Date, nullable=True),
    sa.Column("replacement", sa.String(COORDINATE_LENGTH), nullable=True),
    sa.Column("migration_guide", sa.Text, nullable=True),
    # One of lifecycle.Status's values, pinning the status regardless of dates.
    sa.Column("status_override", sa.String(20), nullable=True),
    # Enforcement (0003): refuse clients new to the element in its sunset warning; brownout windows, one a line.
    sa.Column("refuse_new_adopters", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("brownouts", sa.Text, nullable=True),
    sa.Column("created_at", _Timestamp, nullable=False),
    sa.Column("updated_at", _Timestamp, nullable=False),
    sa.UniqueConstraint("endpoint", "coordinate"),
)

deprecation_audit = sa.Table(
    "deprecation_audit",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    # A column of ``deprecations`` (reason, deprecated_on, sunset_on, ...).
    sa.Column("field", sa.String(40), nullable=False),
    # Values as text: ISO dates, status names, strings; NULL for "not set".
    sa.Column("old_value", sa.Text, nullable=True),
    sa.Column("new_value", sa.Text, nullable=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("at", _Timestamp, nullable=False),
    sa.Column("why", sa.Text, nullable=True),
    sa.Index(None, "endpoint", "coordinate", "at"),
)

operation_signatures = sa.Table(
    "operation_signatures",
    metadata,
    sa.Column("signature", sa.String(SIGNATURE_LENGTH), primary_key=True),
    sa.Column("coordinate_count", sa.Integer, nullable=False),
    sa.Column("first_seen", sa.Date, nullable=False),
)

signature_coordinates = sa.Table(
    "signature_coordinates",
    metadata,
    sa.Column("signature", sa.String(SIGNATURE_LENGTH), primary_key=True),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), primary_key=True),
    # From a coordinate to the signatures that reference it (every read by coordinate starts here).
    sa.Index(None, "coordinate", "signature"),
)

deprecation_usage = sa.Table(
    "deprecation_usage",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("signature", sa.String(SIGNATURE_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("client_name", sa.String(CLIENT_NAME_LENGTH), nullable=False),
    sa.Column("client_version", sa.String(CLIENT_VERSION_LENGTH), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    # Ordered for the reads: one coordinate's signatures on one endpoint over a range of days.
    sa.PrimaryKeyConstraint("endpoint", "signature", "day", "client_name", "client_version"),
    sa.Index(None, "day"),
)

operation_totals = sa.Table(
    "operation_totals",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("client_name", sa.String(CLIENT_NAME_LENGTH), nullable=False),
    sa.Column("client_version", sa.String(CLIENT_VERSION_LENGTH), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("endpoint", "day", "client_name", "client_version"),
    sa.Index(None, "day"),
)

# deprecation_usage summed over clients and signatures (0004). Kept in step by the writer, in the transaction that
# adds the usage; rows written into deprecation_usage any other way need writer.rebuild_daily_counts.
coordinate_days = sa.Table(
    "coordinate_days",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    # Ordered for the reads: some coordinates of one endpoint over a range of days.
    sa.PrimaryKeyConstraint("endpoint", "coordinate", "day"),
    sa.Index(None, "day"),
)

deprecated_days = sa.Table(
    "deprecated_days",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("endpoint", "day"),
    sa.Index(None, "day"),
)

# Whole-schema usage (0005): every operation, keyed by its signature (gqlevolve.operation_shape), whatever it uses.
operations = sa.Table(
    "operations",
    metadata,
    sa.Column("signature", sa.String(SIGNATURE_LENGTH), primary_key=True),
    # query, mutation, subscription; '' for the row that stands for the operations past the cap.
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("name", sa.String(OPERATION_NAME_LENGTH), nullable=True),
    sa.Column("document_hash", sa.String(32), nullable=False),
    sa.Column("coordinate_count", sa.Integer, nullable=False),
    sa.Column("first_seen", sa.Date, nullable=False),
)

operation_coordinates = sa.Table(
    "operation_coordinates",
    metadata,
    sa.Column("signature", sa.String(SIGNATURE_LENGTH), primary_key=True),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), primary_key=True),
    # Deprecated where the operation ran (part of its signature: the flags never change once written).
    sa.Column("deprecated", sa.Boolean, nullable=False),
    # From a coordinate to the operations that use it (`gqlevolve usage`, `check --db`).
    sa.Index(None, "coordinate", "signature"),
)

operation_usage = sa.Table(
    "operation_usage",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("signature", sa.String(SIGNATURE_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("client_name", sa.String(CLIENT_NAME_LENGTH), nullable=False),
    sa.Column("client_version", sa.String(CLIENT_VERSION_LENGTH), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("endpoint", "signature", "day", "client_name", "client_version"),
    sa.Index(None, "day"),
)

coordinate_usage = sa.Table(
    "coordinate_usage",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("endpoint", "coordinate", "day"),
    sa.Index(None, "day"),
)

coordinate_seen = sa.Table(
    "coordinate_seen",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    sa.Column("first_day", sa.Date, nullable=False),
    sa.Column("last_day", sa.Date, nullable=False),
    sa.PrimaryKeyConstraint("endpoint", "coordinate"),
)

schema_coordinates = sa.Table(
    "schema_coordinates",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    # The first day a registered schema of the endpoint had it (a coordinate younger than a window is not unused).
    sa.Column("since", sa.Date, nullable=False),
    # The day a registered schema no longer had it (NULL: in the current schema).
    sa.Column("removed_on", sa.Date, nullable=True),
    sa.PrimaryKeyConstraint("endpoint", "coordinate"),
)

schema_registrations = sa.Table(
    "schema_registrations",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), primary_key=True),
    # SHA-256 of the schema's printed SDL: a process that starts with the schema already registered writes nothing.
    sa.Column("schema_hash", sa.String(64), nullable=False),
    sa.Column("registered_on", sa.Date, nullable=False),
)

flush_ledger = sa.Table(
    "flush_ledger",
    metadata,
    # One row per recorder (a random id per UsageStore instance).
    sa.Column("writer_id", sa.String(32), primary_key=True),
    sa.Column("last_batch", sa.BigInteger, nullable=False),
    sa.Column("updated_at", _Timestamp, nullable=False),
    sa.Index(None, "updated_at"),
)

consumers = sa.Table(
    "consumers",
    metadata,
    sa.Column("client_name", sa.String(CLIENT_NAME_LENGTH), primary_key=True),
    # The addresses, one a line (a client has few; no second table to join for so little).
    sa.Column("emails", sa.Text, nullable=False),
    sa.Column("slack_url", sa.Text, nullable=True),
    sa.Column("webhook_url", sa.Text, nullable=True),
    sa.Column("webhook_secret", sa.Text, nullable=True),
    sa.Column("created_at", _Timestamp, nullable=False),
    sa.Column("updated_at", _Timestamp, nullable=False),
)

notice_deliveries = sa.Table(
    "notice_deliveries",
    metadata,
    sa.Column("id", _Id, primary_key=True, autoincrement=True),
    # sha256 of (event, endpoint, coordinate, recipient, period, channel, target): unique, so a notice is claimed once.
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    # A consumer's client name, or the platform team.
    sa.Column("recipient", sa.String(CLIENT_NAME_LENGTH), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    # An email address or a URL (a webhook URL's query string is not kept: it may hold a token).
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    # sending (claimed), sent, failed (retried next run), abandoned.
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("reply", sa.Text, nullable=True),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("created_at", _Timestamp, nullable=False),
    sa.Column("updated_at", _Timestamp, nullable=False),
    sa.Column("sent_at", _Timestamp, nullable=True),
    sa.UniqueConstraint("key"),
    sa.Index(None, "status", "updated_at"),
)

enforcement_counts = sa.Table(
    "enforcement_counts",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("client_name", sa.String(CLIENT_NAME_LENGTH), nullable=False),
    sa.Column("client_version", sa.String(CLIENT_VERSION_LENGTH), nullable=False),
    # A schema coordinate, or the endpoint's path for a whole version.
    sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False),
    # no_new_adopters, brownout or preview (gqlevolve.monitor.enforcement).
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("endpoint", "day", "client_name", "client_version", "coordinate", "kind"),
    sa.Index(None, "day"),
)

version_enforcement = sa.Table(
    "version_enforcement",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), primary_key=True),
    sa.Column("refuse_new_adopters", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("brownouts", sa.Text, nullable=True),
    sa.Column("updated_at", _Timestamp, nullable=False),
)

# --- client_summaries (0006; gqlevolve.usage_store.client_summaries keeps it) -------------------------------------

#: The days of one ``client_summaries`` row: a block of consecutive days, numbered from ``date.toordinal()``.
CLIENT_SUMMARY_DAYS = 64


def _block_summary(name: str, summed: sa.Column[str]) -> sa.Table:
    """A summary table of the shape :mod:`gqlevolve.usage_store.day_blocks` reads and writes: per endpoint, grid,
    block, ``summed`` (what it sums per: a coordinate, an operation's signature) and client version, one column
    per day of the block (c00..c63) holding the operations from the block's first day to that day."""
    key = ("endpoint", "grid", "block", summed.name, "client_name", "client_version")
    return sa.Table(
        name,
        metadata,
        sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
        # 0 or 1: the day numbers of grid g are date.toordinal() + 32 * g; a block is its day numbers // 64.
        sa.Column("grid", sa.SmallInteger, nullable=False),
        sa.Column("block", sa.Integer, nullable=False),
        summed,
        sa.Column("client_name", sa.String(CLIENT_NAME_LENGTH), nullable=False),
        sa.Column("client_version", sa.String(CLIENT_VERSION_LENGTH), nullable=False),
        *[
            sa.Column(f"c{offset:02d}", sa.BigInteger, nullable=False, server_default="0")
            for offset in range(CLIENT_SUMMARY_DAYS)
        ],
        # Ordered for the reads: one endpoint's block (of one grid) holding a window, every key in it.
        sa.PrimaryKeyConstraint(*key),
        # SQLite: the rows stored in key order (no rowid table beside the key's index): a window's block is read
        # from one stretch of pages instead of one look-up per row.
        sqlite_with_rowid=False,
    )


# deprecation_usage summed per (endpoint, coordinate, client name, client version) and block of 64 days, one column
# per day of the block holding the operations from the block's first day to that day (c00..c63: running sums, so
# that any days of a block sum to one subtraction), on two grids of blocks 32 days apart: any window of up to 33
# days lies inside one block of one grid (one row per client and coordinate to read), a longer one spans a few.
# Kept by the writer in the usage's transaction (gqlevolve.usage_store.client_summaries).
client_summaries = _block_summary("client_summaries", sa.Column("coordinate", sa.String(COORDINATE_LENGTH), nullable=False))


# --- operation_summaries and shaped_totals (0007; gqlevolve.usage_store.operation_summaries keeps them) -------------

# operation_usage summed per (endpoint, signature, client name, client version) and block of 64 days, the same
# running-sum columns as client_summaries, on grid 0 alone: "which operations and clients used Query in the
# last 90 days" reads some 3 rows per operation and client instead of one per day (556,000 rows on the benchmark's
# GitHub-sized store). Kept by the writer in the usage's transaction.
operation_summaries = _block_summary(
    "operation_summaries", sa.Column("signature", sa.String(SIGNATURE_LENGTH), nullable=False)
)

# operation_usage summed per (endpoint, day, client name, client version): the operations whose shape was recorded,
# beside operation_totals (all operations). "Which days of the window have whole-schema evidence" reads one row per
# client and day instead of one per operation (6,900 a day on the benchmark's store). Kept by the writer.
shaped_totals = sa.Table(
    "shaped_totals",
    metadata,
    sa.Column("endpoint", sa.String(ENDPOINT_LENGTH), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("client_name", sa.String(CLIENT_NAME_LENGTH), nullable=False),
    sa.Column("client_version", sa.String(CLIENT_VERSION_LENGTH), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("endpoint", "day", "client_name", "client_version"),
    sa.Index(None, "day"),
)
