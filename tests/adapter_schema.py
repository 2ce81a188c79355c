"""What the Ariadne and Graphene adapters' tests share (no Strawberry: the Graphene tests run on graphql-core 3.2).

The schema is the Strawberry tests' one (tests/extension_schema.py) in SDL: one deprecated element of each kind.
Today is :data:`TODAY` (2026-11-21): ``Mutation.upload_attachment`` is removed (sunset 2026-06-30), ``User.name`` is
in its sunset warning (sunset 2026-12-15), the rest is deprecated without dates. The records are put in the store
before the adapter starts (:func:`declare`): the store wins over what the schema alone says, so the docs' snippets
run as written (without ``declared=``).
"""

from __future__ import annotations

import datetime as dt

from gqlevolve.lifecycle import Deprecation
from gqlevolve.usage_store import UsageStore

TODAY = dt.date(2026, 11, 21)
ENDPOINT = "/api/v1/graphql"

SDL = """
enum Role { ADMIN USER GUEST @deprecated(reason: "Guests are users now") }

input UserFilter {
  role: Role
  legacyGroup: String @deprecated(reason: "Groups were replaced by roles")
}

type User {
  id: ID!
  name: String! @deprecated(reason: "Use fullName instead")
  fullName: String!
}

type Query {
  viewer: User!
  users(offset: Int @deprecated(reason: "Use after"), filter: UserFilter): [User!]!
}

type Mutation {
  upload_attachment(filename: String!): Boolean! @deprecated(reason: "Use secure_file_upload")
  secure_file_upload(filename: String!): Boolean!
}
"""

DECLARED = [
    Deprecation(
        "Mutation.upload_attachment",
        reason="Use secure_file_upload",
        deprecated_on=dt.date(2025, 9, 27),
        sunset_on=dt.date(2026, 6, 30),
        replacement="secure_file_upload",
        migration_guide="https://docs.example.org/migrations/secure-file-upload",
    ),
    Deprecation(
        "User.name",
        reason="Use fullName instead",
        deprecated_on=dt.date(2026, 1, 15),
        sunset_on=dt.date(2026, 12, 15),
        replacement="fullName",
        migration_guide="https://docs.example.org/migrations/full-name",
    ),
]

ADA = {"id": "1", "name": "Ada Lovelace", "fullName": "Ada Lovelace"}

#: Fragments, aliases, a variable's input field, an enum literal, a deprecated argument: what each finds.
EVERY_KIND = """
query Everything($filter: UserFilter) {
  me: viewer { ...Names }
  users(offset: 1, filter: $filter) { id }
  guests: users(filter: {role: GUEST}) { id }
}
fragment Names on User { ... on User { name } }
"""
EVERY_KIND_FOUND = ["Query.users(offset:)", "Role.GUEST", "User.name", "UserFilter.legacyGroup"]


def declare(store: UsageStore, endpoint: str = ENDPOINT) -> None:
    """The dates, replacements and guides of :data:`DECLARED`, in the store for ``endpoint``."""
    store.register_deprecations(endpoint, DECLARED, today=TODAY)


def counted(store: UsageStore, coordinate: str, endpoint: str = ENDPOINT) -> tuple[int, int]:
    """(operations that used ``coordinate``, all operations) on TODAY at ``endpoint``, after a flush."""
    store.flush()
    days = store.daily_usage(endpoint, coordinate, since=TODAY, until=TODAY)
    return (days[0].operations, days[0].total) if days else (0, 0)
