"""Schema coordinates: formatting, parsing (and refusing what is not one), checking one against a schema, and a
schema's deprecated elements."""

from __future__ import annotations

import pytest
import strawberry
from graphql import build_schema

from gqlevolve.advisor import check_coordinate
from gqlevolve.coordinates import (
    InvalidCoordinate,
    SchemaCoordinate,
    UnknownCoordinate,
    check_in_schema,
    deprecated_elements,
    format_coordinate,
    graphql_core_schema,
    is_valid_coordinate,
    parse_coordinate,
    schema_coordinates,
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


@pytest.mark.parametrize("text", ["User.name", "Query.users(offset:)", "Role.GUEST", "UserFilter.legacyGroup", "_x.y_1"])
def test_well_formed_coordinates_are_valid(text: str) -> None:
    assert is_valid_coordinate(text) and is_valid_coordinate(text, element=True)


@pytest.mark.parametrize(
    "text", ["User..name", "9x.y", "User name", " User.name", "User.name ", "User.9name", "User.name()", "", "Nope.x.y"]
)
def test_malformed_coordinates_are_not_valid(text: str) -> None:
    assert not is_valid_coordinate(text)
    assert not is_valid_coordinate(text, element=True)


@pytest.mark.parametrize(("text", "kind"), [("User", "a type"), ("@cached", "a directive")])
def test_an_element_coordinate_names_something_that_can_be_deprecated(text: str, kind: str) -> None:
    assert is_valid_coordinate(text)
    with pytest.raises(InvalidCoordinate, match=f"names {kind}, which cannot be deprecated"):
        parse_coordinate(text, element=True)
    assert parse_coordinate("@cached(ttl:)", element=True) == SchemaCoordinate("cached", argument="ttl", directive=True)


def test_the_advisors_coordinate_check_is_this_parser() -> None:
    assert check_coordinate("Query.users(offset:)") == "Query.users(offset:)"
    for text in ("User..name", "9x.y", "User name"):
        with pytest.raises(InvalidCoordinate, match="is not a schema coordinate"):
            check_coordinate(text)
    with pytest.raises(InvalidCoordinate, match="cannot be deprecated"):
        check_coordinate("User", element=True)


def test_schema_coordinates_lists_every_element_deprecated_or_not() -> None:
    known = schema_coordinates(build_schema(SDL))
    assert {"User.fullName", "User.name", "User.friends(first:)", "Role.ADMIN", "UserFilter.role", "@cached(maxAge:)"} <= known
    assert "User" not in known and "@include(if:)" not in known  # types alone; the spec's own directives
    assert schema_coordinates(SDL) == known  # SDL text is read too


@pytest.mark.parametrize(
    "coordinate", ["User.name", "User.friends(offset:)", "Role.GUEST", "UserFilter.legacyGroup", "@cached(ttl:)", "Node.id"]
)
def test_check_in_schema_accepts_what_the_schema_has(coordinate: str) -> None:
    assert str(check_in_schema(coordinate, build_schema(SDL))) == coordinate


@pytest.mark.parametrize(
    ("coordinate", "message"),
    [
        ("Nope.x", "the v1 schema has no Nope.x (no type Nope)"),
        ("User.nmae", "the v1 schema has no User.nmae (User has no field nmae); did you mean User.name"),
        ("Role.GUST", "(Role has no value GUST); did you mean Role.GUEST"),
        ("User.friends(ofset:)", "(User.friends has no argument ofset); did you mean User.friends(offset:)"),
        ("@cahced(ttl:)", "(no directive @cahced); did you mean @cached(ttl:)"),
    ],
)
def test_check_in_schema_names_the_schema_and_close_matches(coordinate: str, message: str) -> None:
    with pytest.raises(UnknownCoordinate) as raised:
        check_in_schema(coordinate, build_schema(SDL), where="the v1 schema")
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_check_in_schema_refuses_a_malformed_coordinate_before_looking() -> None:
    with pytest.raises(InvalidCoordinate, match='"User..name" is not a schema coordinate'):
        check_in_schema("User..name", build_schema(SDL))
