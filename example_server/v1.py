"""The ``v1`` schema: the published API, with the deprecated elements the lifecycle policy tracks.

Deprecated here: ``User.name`` (use ``fullName``), ``Query.users(offset:)`` (use ``after``),
``Role.GUEST``, ``UserFilter.legacyGroup`` and ``Mutation.upload_attachment`` (use ``secure_file_upload``;
its dates are declared in :mod:`example_server.deprecations`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Annotated, Any

import strawberry

from example_server import v2
from example_server.data import Person, directory

__all__ = ["Mutation", "Query", "Role", "User", "UserFilter", "build_schema", "schema"]


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    USER = "user"
    GUEST = strawberry.enum_value("guest", deprecation_reason="Guests are users now: use USER")


@strawberry.type
class User:
    id: strawberry.ID
    name: str = strawberry.field(deprecation_reason="Use fullName instead")
    full_name: str
    email: str
    role: Role

    @classmethod
    def from_person(cls, person: Person) -> User:
        return cls(
            id=strawberry.ID(person.id),
            name=person.full_name,
            full_name=person.full_name,
            email=person.email,
            role=Role(person.role),
        )


@strawberry.input
class UserFilter:
    role: Role | None = None
    legacy_group: str | None = strawberry.field(default=None, deprecation_reason="Groups were replaced by roles")


@strawberry.type
class Query:
    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        person = directory.person(id)
        return User.from_person(person) if person else None

    @strawberry.field
    def users(
        self,
        first: int = 10,
        offset: Annotated[
            int | None, strawberry.argument(deprecation_reason="Use after: offsets skip or repeat rows as data changes")
        ] = None,
        after: strawberry.ID | None = None,
        filter: UserFilter | None = None,
    ) -> list[User]:
        role = filter.role.value if filter and filter.role else None
        group = filter.legacy_group if filter else None
        people = directory.list_people(role=role, group=group, after=after)
        start = max(offset or 0, 0)
        return [User.from_person(person) for person in people[start : start + max(first, 0)]]


@strawberry.type
class Mutation:
    @strawberry.mutation(name="upload_attachment", deprecation_reason="Use secure_file_upload")
    def upload_attachment(self, user_id: strawberry.ID, filename: str, content: str) -> v2.Attachment:
        record = directory.add_attachment(user_id, filename, content.encode(), scanned=False)
        return v2.Attachment.from_record(record)

    @strawberry.mutation(name="secure_file_upload")
    def secure_file_upload(self, input: v2.SecureUploadInput) -> v2.Attachment:
        return v2.secure_upload(input)


def build_schema(extensions: Sequence[Any] = ()) -> strawberry.Schema:
    """The v1 schema, with Strawberry extensions (the example app adds ``deprecation_usage``)."""
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=list(extensions))


schema = build_schema()
