"""The ``draft`` schema: v2 plus an experimental field (draft endpoints may change in any way; see the ADR)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from example_server import v2
from example_server.data import directory

__all__ = ["Query", "build_schema", "schema"]


@strawberry.type(name="Query")
class Query(v2.Query):
    @strawberry.field(description="Experimental: people whose name or e-mail contains the text.")
    def search_users(self, text: str, first: int = 10) -> list[v2.User]:
        needle = text.casefold()
        matches = [
            person
            for person in directory.list_people()
            if needle in person.full_name.casefold() or needle in person.email.casefold()
        ]
        return [v2.User.from_person(person) for person in matches[: max(first, 0)]]


def build_schema(extensions: Sequence[Any] = ()) -> strawberry.Schema:
    """The draft schema, with Strawberry extensions (the example app adds ``deprecation_usage``)."""
    return strawberry.Schema(query=Query, mutation=v2.Mutation, extensions=list(extensions))


schema = build_schema()
