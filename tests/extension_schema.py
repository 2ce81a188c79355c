"""A small schema with one deprecated element of each kind, for the extension's tests and its benchmark's smoke test.

Today is pinned to :data:`TODAY` (2026-11-21): ``Mutation.upload_attachment`` is removed (sunset 2026-06-30),
``User.name`` is in its sunset warning (sunset 2026-12-15), the rest is deprecated without dates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated, Any

import strawberry

from gqlevolve.lifecycle import Deprecation

TODAY = dt.date(2026, 11, 21)

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
        deprecated_on=dt.date(2026, 1, 15),
        sunset_on=dt.date(2026, 12, 15),
        replacement="fullName",
        migration_guide="https://docs.example.org/migrations/full-name",
    ),
]


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    USER = "user"
    GUEST = strawberry.enum_value("guest", deprecation_reason="Guests are users now")


@strawberry.input
class UserFilter:
    role: Role | None = None
    legacy_group: str | None = strawberry.field(default=None, deprecation_reason="Groups were replaced by roles")


@strawberry.type
class User:
    id: strawberry.ID
    name: str = strawberry.field(deprecation_reason="Use fullName instead")
    full_name: str


ADA = User(id=strawberry.ID("1"), name="Ada Lovelace", full_name="Ada Lovelace")


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self) -> User:
        return ADA

    @strawberry.field
    def users(
        self,
        offset: Annotated[int | None, strawberry.argument(deprecation_reason="Use after")] = None,
        filter: UserFilter | None = None,
    ) -> list[User]:
        return [ADA]


@strawberry.type
class Mutation:
    @strawberry.mutation(name="upload_attachment", deprecation_reason="Use secure_file_upload")
    def upload_attachment(self, filename: str) -> bool:
        return True

    @strawberry.mutation(name="secure_file_upload")
    def secure_file_upload(self, filename: str) -> bool:
        return True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, count: int = 2) -> AsyncGenerator[int, None]:
        for tick in range(count):
            yield tick
            await asyncio.sleep(0)

    @strawberry.subscription(deprecation_reason="Use ticks")
    async def legacy_ticks(self, count: int = 2) -> AsyncGenerator[int, None]:
        for tick in range(count):
            yield tick
            await asyncio.sleep(0)


def build_schema(*extensions: Any) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=list(extensions))
