"""Schema coordinates: formatting, parsing (and refusing what is not one), and a schema's deprecated elements."""

from __future__ import annotations

import pytest
import strawberry
from graphql import build_schema

from gqlevolve.coordinates import (
    InvalidCoordinate,
    SchemaCoordinate,
    deprecated_elements,
    format_coordinate,
    graphql_core_schema,
    parse_coordinate,
)

SDL = """
directive @cached(ttl: Int @deprecated(reason: "use maxAge"), maxAge: Int) on FIELD

interface Node { id: ID! legacyId: ID @deprecated(reason: "use id") }

type User implements Node {
  id: ID!
  legacyId: ID @deprecated(reason: "use id")
  name: String @deprecated
  fullName: String
  friends(first: Int, offset: Int @deprecated(reason: "use after")): [User!]!
}

enum Role { ADMIN GUEST @deprecated(reason: "use USER") USER }

input UserFilter { role: Role legacyGroup: String @deprecated(reason: "use role") }

type Query { users(filter: UserFilter): [User!]! me: User @deprecated(reason: "use viewer") viewer: User }
"""


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        (("User",), "User"),
        (("User", "name"), "User.name"),
        (("Query", "users", "offset"), "Query.users(offset:)"),
        (("Role", "GUEST"), "Role.GUEST"),
    ],
)
def test_format_and_parse_round_trip(parts: tuple[str, ...], text: str) -> None:
    assert format_coordinate(*parts) == text
    parsed = parse_coordinate(text)
    assert str(parsed) == text
    assert parsed == SchemaCoordinate(*parts)


def test_directive_coordinates() -> None:
    assert parse_coordinate("@cached") == SchemaCoordinate("cached", directive=True)
    assert parse_coordinate("@cached(ttl:)") == SchemaCoordinate("cached", argument="ttl", directive=True)
    assert str(parse_coordinate("@cached(ttl:)")) == "@cached(ttl:)"


@pytest.mark.parametrize(
    "text",
    ["", "User.", ".name", "User.name.first", "Query.users(offset)", "Query.users(offset:", "1User", "User name", "@"],
)
def test_malformed_coordinates_are_refused_with_the_expected_syntax(text: str) -> None:
    with pytest.raises(InvalidCoordinate, match="is not a schema coordinate: expected Type, Type.field"):
        parse_coordinate(text)


def test_a_non_string_is_refused() -> None:
    with pytest.raises(InvalidCoordinate, match="a schema coordinate is a string, not int"):
        parse_coordinate(42)  # type: ignore[arg-type]


def test_an_argument_without_a_field_is_refused() -> None:
    with pytest.raises(InvalidCoordinate, match="needs a field"):
        format_coordinate("Query", None, "offset")


def test_deprecated_elements_lists_every_kind_with_its_reason() -> None:
    assert deprecated_elements(build_schema(SDL)) == {
        "@cached(ttl:)": "use maxAge",
        "Node.legacyId": "use id",
        "User.legacyId": "use id",
        "User.name": "No longer supported",
        "User.friends(offset:)": "use after",
        "Role.GUEST": "use USER",
        "UserFilter.legacyGroup": "use role",
        "Query.me": "use viewer",
    }


def test_deprecated_elements_of_a_strawberry_schema_use_graphql_names() -> None:
    @strawberry.type
    class Query:
        full_name: str = "Ada"
        old_name: str = strawberry.field(default="Ada", deprecation_reason="use fullName")

    assert deprecated_elements(strawberry.Schema(Query)) == {"Query.oldName": "use fullName"}


def test_something_that_is_not_a_schema_is_refused() -> None:
    with pytest.raises(TypeError, match="expected a Strawberry or graphql-core schema, not str"):
        graphql_core_schema("type Query { a: Int }")
