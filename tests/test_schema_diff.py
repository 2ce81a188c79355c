"""The differ (gqlevolve.schema_diff): one row per change kind, parity with graphql-core, sources, errors."""

from __future__ import annotations

import json
import re

import pytest
import strawberry
from graphql import build_schema, find_breaking_changes, get_introspection_query, graphql_sync
from graphql.utilities.find_schema_changes import BreakingChangeType
from strawberry.schema_directive import Location

from gqlevolve import diff_schemas
from gqlevolve.errors import InvalidInput
from gqlevolve.schema_diff import ChangeKind, Criticality, SchemaSourceError, load_schema
from gqlevolve.schema_diff.sources import NotASchema

BREAKING, DANGEROUS, SAFE = Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE
K = ChangeKind

# Every case: old SDL, new SDL, the change expected among the results. `type Query` is added
# to both sides when a case does not define it.
CASES: list[tuple[str, str, str, ChangeKind, Criticality, str]] = [
    # id, old, new, kind, criticality, coordinate
    ("type added", "", "type User { id: ID }", K.TYPE_ADDED, SAFE, "User"),
    ("type removed", "type User { id: ID }", "", K.TYPE_REMOVED, BREAKING, "User"),
    ("type kind changed", "type User { id: ID }", "interface User { id: ID }", K.TYPE_KIND_CHANGED, BREAKING, "User"),
    ("type description", "type User { id: ID }", '"A person" type User { id: ID }', K.TYPE_DESCRIPTION_CHANGED, SAFE, "User"),
    ("specifiedBy changed", 'scalar Url @specifiedBy(url: "a")', 'scalar Url @specifiedBy(url: "b")', K.SCALAR_SPECIFIED_BY_CHANGED, DANGEROUS, "Url"),
    ("oneOf added", "input Key { id: ID name: String }", "input Key @oneOf { id: ID name: String }", K.INPUT_ONE_OF_ADDED, BREAKING, "Key"),
    ("oneOf removed", "input Key @oneOf { id: ID name: String }", "input Key { id: ID name: String }", K.INPUT_ONE_OF_REMOVED, SAFE, "Key"),
    ("field added", "type User { id: ID }", "type User { id: ID name: String }", K.FIELD_ADDED, SAFE, "User.name"),
    ("field removed", "type User { id: ID name: String }", "type User { id: ID }", K.FIELD_REMOVED, BREAKING, "User.name"),
    ("deprecated field removed", 'type User { id: ID name: String @deprecated(reason: "x") }', "type User { id: ID }", K.FIELD_REMOVED, BREAKING, "User.name"),
    ("interface field removed", "interface Node { id: ID name: String }", "interface Node { id: ID }", K.FIELD_REMOVED, BREAKING, "Node.name"),
    ("field type made stricter", "type User { name: String }", "type User { name: String! }", K.FIELD_TYPE_CHANGED, SAFE, "User.name"),
    ("field list item made stricter", "type User { tags: [String] }", "type User { tags: [String!] }", K.FIELD_TYPE_CHANGED, SAFE, "User.tags"),
    ("field type made looser", "type User { name: String! }", "type User { name: String }", K.FIELD_TYPE_CHANGED, BREAKING, "User.name"),
    ("field type changed", "type User { name: String }", "type User { name: Int }", K.FIELD_TYPE_CHANGED, BREAKING, "User.name"),
    ("field list removed", "type User { tags: [String] }", "type User { tags: String }", K.FIELD_TYPE_CHANGED, BREAKING, "User.tags"),
    ("field description", "type User { name: String }", 'type User { "The name" name: String }', K.FIELD_DESCRIPTION_CHANGED, SAFE, "User.name"),
    ("field deprecated", "type User { name: String }", 'type User { name: String @deprecated(reason: "Use fullName") }', K.FIELD_DEPRECATION_ADDED, SAFE, "User.name"),
    ("field undeprecated", "type User { name: String @deprecated }", "type User { name: String }", K.FIELD_DEPRECATION_REMOVED, SAFE, "User.name"),
    ("field deprecation reason", 'type User { name: String @deprecated(reason: "a") }', 'type User { name: String @deprecated(reason: "b") }', K.FIELD_DEPRECATION_REASON_CHANGED, SAFE, "User.name"),
    ("optional arg added", "type Query { users: [String] }", "type Query { users(first: Int): [String] }", K.ARG_ADDED, DANGEROUS, "Query.users(first:)"),
    ("required arg added", "type Query { users: [String] }", "type Query { users(first: Int!): [String] }", K.ARG_ADDED, BREAKING, "Query.users(first:)"),
    ("required arg with default added", "type Query { users: [String] }", "type Query { users(first: Int! = 10): [String] }", K.ARG_ADDED, DANGEROUS, "Query.users(first:)"),
    ("arg removed", "type Query { users(first: Int): [String] }", "type Query { users: [String] }", K.ARG_REMOVED, BREAKING, "Query.users(first:)"),
    ("arg made required", "type Query { users(first: Int): [String] }", "type Query { users(first: Int!): [String] }", K.ARG_TYPE_CHANGED, BREAKING, "Query.users(first:)"),
    ("arg made optional", "type Query { users(first: Int!): [String] }", "type Query { users(first: Int): [String] }", K.ARG_TYPE_CHANGED, SAFE, "Query.users(first:)"),
    ("arg type changed", "type Query { users(first: Int): [String] }", "type Query { users(first: String): [String] }", K.ARG_TYPE_CHANGED, BREAKING, "Query.users(first:)"),
    ("arg list item made required", "type Query { users(ids: [ID]): [String] }", "type Query { users(ids: [ID!]): [String] }", K.ARG_TYPE_CHANGED, BREAKING, "Query.users(ids:)"),
    ("arg default changed", "type Query { users(first: Int = 10): [String] }", "type Query { users(first: Int = 20): [String] }", K.ARG_DEFAULT_VALUE_CHANGED, DANGEROUS, "Query.users(first:)"),
    ("arg default added", "type Query { users(first: Int): [String] }", "type Query { users(first: Int = 20): [String] }", K.ARG_DEFAULT_VALUE_CHANGED, DANGEROUS, "Query.users(first:)"),
    ("arg default removed", "type Query { users(first: Int = 10): [String] }", "type Query { users(first: Int): [String] }", K.ARG_DEFAULT_VALUE_CHANGED, DANGEROUS, "Query.users(first:)"),
    ("arg description", "type Query { users(first: Int): [String] }", 'type Query { users("How many" first: Int): [String] }', K.ARG_DESCRIPTION_CHANGED, SAFE, "Query.users(first:)"),
    ("arg deprecated", "type Query { users(first: Int): [String] }", "type Query { users(first: Int @deprecated): [String] }", K.ARG_DEPRECATION_ADDED, SAFE, "Query.users(first:)"),
    ("arg undeprecated", "type Query { users(first: Int @deprecated): [String] }", "type Query { users(first: Int): [String] }", K.ARG_DEPRECATION_REMOVED, SAFE, "Query.users(first:)"),
    ("arg deprecation reason", 'type Query { users(first: Int @deprecated(reason: "a")): [String] }', 'type Query { users(first: Int @deprecated(reason: "b")): [String] }', K.ARG_DEPRECATION_REASON_CHANGED, SAFE, "Query.users(first:)"),
    ("optional input field added", "input F { a: Int }", "input F { a: Int b: Int }", K.INPUT_FIELD_ADDED, SAFE, "F.b"),
    ("input field with default added", "input F { a: Int }", "input F { a: Int b: Int = 1 }", K.INPUT_FIELD_ADDED, DANGEROUS, "F.b"),
    ("required input field added", "input F { a: Int }", "input F { a: Int b: Int! }", K.INPUT_FIELD_ADDED, BREAKING, "F.b"),
    ("input field removed", "input F { a: Int b: Int }", "input F { a: Int }", K.INPUT_FIELD_REMOVED, BREAKING, "F.b"),
    ("input field made required", "input F { a: Int }", "input F { a: Int! }", K.INPUT_FIELD_TYPE_CHANGED, BREAKING, "F.a"),
    ("input field made optional", "input F { a: Int! }", "input F { a: Int }", K.INPUT_FIELD_TYPE_CHANGED, SAFE, "F.a"),
    ("input field default changed", "input F { a: Int = 1 }", "input F { a: Int = 2 }", K.INPUT_FIELD_DEFAULT_VALUE_CHANGED, DANGEROUS, "F.a"),
    ("input field description", "input F { a: Int }", 'input F { """About a""" a: Int }', K.INPUT_FIELD_DESCRIPTION_CHANGED, SAFE, "F.a"),
    ("input field deprecated", "input F { a: Int }", "input F { a: Int @deprecated }", K.INPUT_FIELD_DEPRECATION_ADDED, SAFE, "F.a"),
    ("input field undeprecated", "input F { a: Int @deprecated }", "input F { a: Int }", K.INPUT_FIELD_DEPRECATION_REMOVED, SAFE, "F.a"),
    ("input field deprecation reason", 'input F { a: Int @deprecated(reason: "a") }', 'input F { a: Int @deprecated(reason: "b") }', K.INPUT_FIELD_DEPRECATION_REASON_CHANGED, SAFE, "F.a"),
    ("enum value added", "enum Role { ADMIN }", "enum Role { ADMIN GUEST }", K.ENUM_VALUE_ADDED, DANGEROUS, "Role.GUEST"),
    ("enum value removed", "enum Role { ADMIN GUEST }", "enum Role { ADMIN }", K.ENUM_VALUE_REMOVED, BREAKING, "Role.GUEST"),
    ("enum value description", "enum Role { ADMIN }", 'enum Role { "All rights" ADMIN }', K.ENUM_VALUE_DESCRIPTION_CHANGED, SAFE, "Role.ADMIN"),
    ("enum value deprecated", "enum Role { ADMIN GUEST }", "enum Role { ADMIN GUEST @deprecated }", K.ENUM_VALUE_DEPRECATION_ADDED, SAFE, "Role.GUEST"),
    ("enum value undeprecated", "enum Role { ADMIN GUEST @deprecated }", "enum Role { ADMIN GUEST }", K.ENUM_VALUE_DEPRECATION_REMOVED, SAFE, "Role.GUEST"),
    ("enum value deprecation reason", 'enum Role { GUEST @deprecated(reason: "a") }', 'enum Role { GUEST @deprecated(reason: "b") }', K.ENUM_VALUE_DEPRECATION_REASON_CHANGED, SAFE, "Role.GUEST"),
    ("union member added", "type A { a: Int } type B { b: Int } union U = A", "type A { a: Int } type B { b: Int } union U = A | B", K.UNION_MEMBER_ADDED, DANGEROUS, "U"),
    ("union member removed", "type A { a: Int } type B { b: Int } union U = A | B", "type A { a: Int } type B { b: Int } union U = A", K.UNION_MEMBER_REMOVED, BREAKING, "U"),
    ("interface added", "interface Node { id: ID } type User { id: ID }", "interface Node { id: ID } type User implements Node { id: ID }", K.INTERFACE_IMPLEMENTATION_ADDED, DANGEROUS, "User"),
    ("interface removed", "interface Node { id: ID } type User implements Node { id: ID }", "interface Node { id: ID } type User { id: ID }", K.INTERFACE_IMPLEMENTATION_REMOVED, BREAKING, "User"),
    ("interface of interface removed", "interface Node { id: ID } interface Entity implements Node { id: ID }", "interface Node { id: ID } interface Entity { id: ID }", K.INTERFACE_IMPLEMENTATION_REMOVED, BREAKING, "Entity"),
    ("directive added", "", "directive @auth on FIELD_DEFINITION", K.DIRECTIVE_ADDED, SAFE, "@auth"),
    ("directive removed", "directive @auth on FIELD_DEFINITION", "", K.DIRECTIVE_REMOVED, BREAKING, "@auth"),
    ("directive description", "directive @auth on FIELD_DEFINITION", '"Who may" directive @auth on FIELD_DEFINITION', K.DIRECTIVE_DESCRIPTION_CHANGED, SAFE, "@auth"),
    ("directive location added", "directive @cache on FIELD", "directive @cache on FIELD | QUERY", K.DIRECTIVE_LOCATION_ADDED, SAFE, "@cache"),
    ("directive location removed", "directive @cache on FIELD | QUERY", "directive @cache on FIELD", K.DIRECTIVE_LOCATION_REMOVED, BREAKING, "@cache"),
    ("directive repeatable added", "directive @tag on FIELD", "directive @tag repeatable on FIELD", K.DIRECTIVE_REPEATABLE_ADDED, SAFE, "@tag"),
    ("directive repeatable removed", "directive @tag repeatable on FIELD", "directive @tag on FIELD", K.DIRECTIVE_REPEATABLE_REMOVED, BREAKING, "@tag"),
    ("directive optional arg added", "directive @cache on FIELD", "directive @cache(ttl: Int) on FIELD", K.DIRECTIVE_ARG_ADDED, SAFE, "@cache(ttl:)"),
    ("directive required arg added", "directive @cache on FIELD", "directive @cache(ttl: Int!) on FIELD", K.DIRECTIVE_ARG_ADDED, BREAKING, "@cache(ttl:)"),
    ("directive arg removed", "directive @cache(ttl: Int) on FIELD", "directive @cache on FIELD", K.DIRECTIVE_ARG_REMOVED, BREAKING, "@cache(ttl:)"),
    ("directive arg made required", "directive @cache(ttl: Int) on FIELD", "directive @cache(ttl: Int!) on FIELD", K.DIRECTIVE_ARG_TYPE_CHANGED, BREAKING, "@cache(ttl:)"),
    ("directive arg made optional", "directive @cache(ttl: Int!) on FIELD", "directive @cache(ttl: Int) on FIELD", K.DIRECTIVE_ARG_TYPE_CHANGED, SAFE, "@cache(ttl:)"),
    ("directive arg default", "directive @cache(ttl: Int = 1) on FIELD", "directive @cache(ttl: Int = 2) on FIELD", K.DIRECTIVE_ARG_DEFAULT_VALUE_CHANGED, DANGEROUS, "@cache(ttl:)"),
    ("directive arg description", "directive @cache(ttl: Int) on FIELD", 'directive @cache("Seconds" ttl: Int) on FIELD', K.DIRECTIVE_ARG_DESCRIPTION_CHANGED, SAFE, "@cache(ttl:)"),
    ("directive usage added", "directive @tag(name: String) on FIELD_DEFINITION type User { id: ID }", 'directive @tag(name: String) on FIELD_DEFINITION type User { id: ID @tag(name: "pii") }', K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "User.id"),
    ("directive usage removed", 'directive @tag(name: String) on OBJECT type User @tag(name: "a") { id: ID }', "directive @tag(name: String) on OBJECT type User { id: ID }", K.DIRECTIVE_USAGE_REMOVED, DANGEROUS, "User"),
    ("directive usage changed", 'directive @tag(name: String) on ENUM_VALUE enum Role { ADMIN @tag(name: "a") }', 'directive @tag(name: String) on ENUM_VALUE enum Role { ADMIN @tag(name: "b") }', K.DIRECTIVE_USAGE_CHANGED, DANGEROUS, "Role.ADMIN"),
    ("directive usage on argument", "directive @tag on ARGUMENT_DEFINITION type Query { u(a: Int): Int }", "directive @tag on ARGUMENT_DEFINITION type Query { u(a: Int @tag): Int }", K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "Query.u(a:)"),
    ("directive usage on schema", "directive @link on SCHEMA schema { query: Query }", "directive @link on SCHEMA schema @link { query: Query }", K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "schema"),
    ("query root changed", "type Query { x: Int } type Root { x: Int }", "type Query { x: Int } type Root { x: Int } schema { query: Root }", K.SCHEMA_ROOT_TYPE_CHANGED, BREAKING, "schema"),
    ("mutation root added", "", "type Mutation { x: Int }", K.SCHEMA_ROOT_TYPE_CHANGED, SAFE, "schema"),
    ("mutation root removed", "type Mutation { x: Int }", "", K.SCHEMA_ROOT_TYPE_CHANGED, BREAKING, "schema"),
    ("schema description", "schema { query: Query }", '"The API" schema { query: Query }', K.SCHEMA_DESCRIPTION_CHANGED, SAFE, "schema"),
]


def with_query(sdl: str) -> str:
    return sdl if re.search(r"\btype Query\b", sdl) else f"type Query {{ x: Int }}\n{sdl}"


@pytest.mark.parametrize(("old", "new", "kind", "criticality", "coordinate"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_change_kind(old, new, kind, criticality, coordinate):
    changes = list(diff_schemas(with_query(old), with_query(new)))
    matching = [change for change in changes if change.kind is kind and change.coordinate == coordinate]
    assert matching, f"expected {kind} at {coordinate}, got {[(c.kind.value, c.coordinate) for c in changes]}"
    assert matching[0].criticality is criticality
    assert matching[0].message


def test_every_change_kind_has_a_case():
    assert {case[3] for case in CASES} == set(ChangeKind)


def test_identical_schemas_have_no_changes():
    for _, old, new, *_ in CASES:
        assert list(diff_schemas(with_query(old), with_query(old))) == []
        assert list(diff_schemas(with_query(new), with_query(new))) == []


# --- parity with graphql-core -----------------------------------------------------------------
# graphql-core's breaking changes carry only a message; the coordinate is read from it.
_COORDINATE = r"(@?[_A-Za-z]\w*(?:\.[_A-Za-z]\w*)?(?:\([_A-Za-z]\w*:\))?)"
_GRAPHQL_CORE_MESSAGES = {
    BreakingChangeType.TYPE_REMOVED: rf"^{_COORDINATE} was removed",
    BreakingChangeType.TYPE_CHANGED_KIND: rf"^{_COORDINATE} changed from",
    BreakingChangeType.TYPE_REMOVED_FROM_UNION: rf"was removed from union type {_COORDINATE}\.",
    BreakingChangeType.VALUE_REMOVED_FROM_ENUM: rf"^Enum value {_COORDINATE} was removed",
    BreakingChangeType.REQUIRED_INPUT_FIELD_ADDED: rf"^A required field {_COORDINATE} was added",
    BreakingChangeType.IMPLEMENTED_INTERFACE_REMOVED: rf"^{_COORDINATE} no longer implements",
    BreakingChangeType.FIELD_REMOVED: rf"^Field {_COORDINATE} was removed",
    BreakingChangeType.FIELD_CHANGED_KIND: rf"^Field {_COORDINATE} changed type",
    BreakingChangeType.REQUIRED_ARG_ADDED: rf"^A required argument {_COORDINATE} was added",
    BreakingChangeType.ARG_REMOVED: rf"^Argument {_COORDINATE} was removed",
    BreakingChangeType.ARG_CHANGED_KIND: rf"^Argument {_COORDINATE} has changed type",
    BreakingChangeType.DIRECTIVE_REMOVED: rf"^Directive {_COORDINATE} was removed",
    BreakingChangeType.DIRECTIVE_ARG_REMOVED: rf"^Argument {_COORDINATE} was removed",
    BreakingChangeType.REQUIRED_DIRECTIVE_ARG_ADDED: rf"^A required argument {_COORDINATE} was added",
    BreakingChangeType.DIRECTIVE_REPEATABLE_REMOVED: rf"^Repeatable flag was removed from {_COORDINATE}\.",
    BreakingChangeType.DIRECTIVE_LOCATION_REMOVED: rf"was removed from {_COORDINATE}\.",
}


def graphql_core_breaking(old_sdl: str, new_sdl: str) -> list[tuple[BreakingChangeType, str]]:
    found = []
    for change in find_breaking_changes(build_schema(old_sdl), build_schema(new_sdl)):
        if change.description.startswith("Standard scalar"):
            continue  # built-in scalars are part of every schema; we do not report them
        match = re.search(_GRAPHQL_CORE_MESSAGES[change.type], change.description)
        assert match, change.description
        found.append((change.type, match.group(1)))
    return found


@pytest.mark.parametrize(("old", "new"), [case[1:3] for case in CASES], ids=[case[0] for case in CASES])
def test_graphql_core_breaking_changes_are_ours_too(old, new):
    old, new = with_query(old), with_query(new)
    ours = {(change.coordinate, change.criticality) for change in diff_schemas(old, new)}
    for change_type, coordinate in graphql_core_breaking(old, new):
        assert (coordinate, BREAKING) in ours, f"graphql-core: {change_type} at {coordinate}; ours: {ours}"


def test_parity_covers_every_graphql_core_breaking_type():
    seen = {change_type for _, old, new, *_ in CASES for change_type, _ in graphql_core_breaking(with_query(old), with_query(new))}
    assert seen == set(BreakingChangeType)


# --- values, sources and errors -----------------------------------------------------------------


def test_equal_default_values_written_differently_are_not_a_change():
    old = 'input O { a: Int b: String } type Query { f(o: O = {b: "x", a: 1}): Int }'
    new = 'input O { a: Int b: String } type Query { f(o: O = { a: 1, b: """x""" }): Int }'
    assert list(diff_schemas(old, new)) == []


def test_change_carries_old_and_new_values():
    (change,) = diff_schemas("type Query { f(a: Int = 1): Int }", "type Query { f(a: Int = 2): Int }")
    assert (change.old, change.new) == ("1", "2")
    assert change.as_dict() == {
        "kind": "ARG_DEFAULT_VALUE_CHANGED",
        "criticality": "dangerous",
        "coordinate": "Query.f(a:)",
        "message": "Default value of 'Query.f(a:)' changed from 1 to 2.",
        "old": "1",
        "new": "2",
    }


def test_removal_of_a_deprecated_field_is_marked():
    (change,) = diff_schemas("type Query { a: Int @deprecated b: Int }", "type Query { b: Int }")
    assert change.deprecated and change.is_breaking


OLD_SDL = 'type Query { user: User } type User { name: String @deprecated(reason: "Use fullName") fullName: String }'
NEW_SDL = "type Query { user: User } type User { fullName: String }"


def introspection(sdl: str) -> dict:
    return graphql_sync(build_schema(sdl), get_introspection_query(descriptions=True)).data


@strawberry.type
class User:
    full_name: str | None


@strawberry.type
class Query:
    user: User | None


def test_sources_give_the_same_changes(tmp_path):
    sdl_file = tmp_path / "old.graphql"
    sdl_file.write_text(OLD_SDL)
    json_file = tmp_path / "old.json"
    json_file.write_text(json.dumps({"data": introspection(OLD_SDL)}))
    expected = [("FIELD_REMOVED", "User.name")]
    for old in (OLD_SDL, sdl_file, str(sdl_file), json_file, introspection(OLD_SDL), build_schema(OLD_SDL)):
        for new in (NEW_SDL, build_schema(NEW_SDL), strawberry.Schema(query=Query)):
            assert [(c.kind.value, c.coordinate) for c in diff_schemas(old, new)] == expected, (old, new)


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION])
class Sensitive:
    reason: str


@strawberry.type
class SensitiveQuery:
    email: str = strawberry.field(directives=[Sensitive(reason="pii")])


def test_strawberry_schema_keeps_applied_directives():
    model = load_schema(strawberry.Schema(query=SensitiveQuery))
    assert model.query == "SensitiveQuery"
    assert [str(d) for d in model.types["SensitiveQuery"].fields["email"].directives] == ['@sensitive(reason: "pii")']


def test_invalid_sdl_reports_line_and_column():
    with pytest.raises(SchemaSourceError) as caught:
        diff_schemas("type Query {\n  a: Int\n  b: \n}", "type Query { a: Int }")
    assert (caught.value.line, caught.value.column) == (4, 1)
    assert "<SDL>:4:1: Syntax Error" in str(caught.value)


def test_unknown_type_reports_line_and_column(tmp_path):
    path = tmp_path / "schema.graphql"
    path.write_text("type Query {\n  user: Usr\n}\ntype User { id: ID }\n")
    with pytest.raises(SchemaSourceError, match=r"schema\.graphql:2:9: Unknown type 'Usr'"):
        load_schema(path)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing-file.graphql", "cannot read missing-file.graphql"),
        ('{"data": {"user": null}}', "not an introspection result"),
        ("{not json", "invalid JSON"),
        (42, "cannot read a schema from int"),
    ],
)
def test_unreadable_sources_have_clear_errors(source, message):
    with pytest.raises((SchemaSourceError, TypeError), match=message):
        load_schema(source)


# --- what is not a schema ------------------------------------------------------------------------

# id, document, the reason NotASchema gives (after "<source>: not a GraphQL schema: ").
NOT_SCHEMAS: list[tuple[str, str, str]] = [
    ("0 bytes", "", "it is empty"),
    ("white space", "  \n\t\n ,\r\n", "it is empty (white space only)"),
    ("comments", "# schema for v1\n  # (truncated)\n", "it is empty (comments only)"),
    ("operation", "query { a }", "it holds an operation (query { a }), not type definitions"),
    ("anonymous operation", "{ a }", "it holds an operation ({ a }), not type definitions"),
    ("fragment", "fragment F on T { a }", "it holds a fragment (fragment F on T { a }), not type definitions"),
    ("no Query", "type User { id: ID }", "it defines no Query type"),
    ("directives only", "directive @key on OBJECT", "it defines no Query type"),
    ("schema without query", "schema { mutation: M } type M { a: Int }", "its schema definition names no query root type"),
    ("Query not an object", "interface Query { a: Int }", "its query root type Query is an interface, not an object type"),
    ("input as query root", "schema { query: Q } input Q { a: Int }", "its query root type Q is an input type, not an object type"),
    ("extensions only", "extend schema @key", "it holds only extensions (extend schema @key), no type definitions to extend"),
]


@pytest.mark.parametrize(("document", "reason"), [case[1:] for case in NOT_SCHEMAS], ids=[case[0] for case in NOT_SCHEMAS])
def test_a_document_that_is_not_a_schema_is_refused_naming_the_file(tmp_path, document, reason):
    path = tmp_path / "v1.graphql"
    path.write_text(document)
    with pytest.raises(NotASchema) as caught:
        load_schema(path)
    assert str(caught.value) == f"{path}: not a GraphQL schema: {reason}"
    assert caught.value.reason == reason and caught.value.source_name == str(path)
    assert isinstance(caught.value, SchemaSourceError) and isinstance(caught.value, InvalidInput)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(NotASchema, match=re.escape(f"{path}: not a GraphQL schema: {reason}")):
        diff_schemas(path, "type Query { a: Int }")
    with pytest.raises(NotASchema, match=re.escape(f"{path}: not a GraphQL schema: {reason}")):
        diff_schemas("type Query { a: Int }", str(path))  # a path given as a string


# Text starting with "{" is read as introspection JSON, so "{ a }" as text is invalid JSON (a file is read by its suffix).
NOT_SCHEMA_TEXTS = [case for case in NOT_SCHEMAS if not case[1].startswith("{")]


@pytest.mark.parametrize(("document", "reason"), [case[1:] for case in NOT_SCHEMA_TEXTS], ids=[case[0] for case in NOT_SCHEMA_TEXTS])
def test_sdl_text_that_is_not_a_schema_is_refused(document, reason):
    with pytest.raises(NotASchema) as caught:
        load_schema(document)
    assert str(caught.value) == f"<SDL>: not a GraphQL schema: {reason}"
    with pytest.raises(NotASchema, match=re.escape(f"<SDL>: not a GraphQL schema: {reason}")):
        diff_schemas("type Query { a: Int }", document)
    with pytest.raises(NotASchema, match=re.escape(f"v9: not a GraphQL schema: {reason}")):
        load_schema(document, source_name="v9")


def test_an_operation_among_type_definitions_is_refused_with_its_line():
    with pytest.raises(NotASchema) as caught:
        load_schema("type Query { a: Int }\n\nquery Get { a }\n")
    assert str(caught.value) == "<SDL>:3:1: not a GraphQL schema: it holds an operation (query Get { a }) besides its type definitions"
    assert (caught.value.line, caught.value.column) == (3, 1)


def test_a_long_operation_is_shown_shortened_on_one_line():
    operation = "mutation Rename($id: ID!, $name: String!) {\n  rename(id: $id, name: $name) { id name }\n}"
    with pytest.raises(NotASchema, match=re.escape("it holds an operation (mutation Rename($id: ID!, $name: Stri...), not")):
        load_schema(operation)


def test_a_schema_with_a_query_root_by_name_or_by_schema_definition_is_accepted():
    assert load_schema("type Query { a: Int }").query == "Query"
    assert load_schema("schema { query: Root } type Root { a: Int }").query == "Root"
    assert load_schema("# the API\ntype Query { a: Int } # end\n").query == "Query"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "it is empty"),
        ("\n", "it is empty (white space only)"),
        ("{}", "it is an empty JSON object, not an introspection result (no __schema)"),
        ("[]", "it is a JSON array, not an introspection result (an object with __schema)"),
        ("null", "it is JSON null, not an introspection result (an object with __schema)"),
        ('{"__schema": null}', "its __schema is empty"),
        ('{"__schema": {}}', "its __schema is empty"),
        ('{"data": {"__schema": {}}}', "its __schema is empty"),
        ('{"data": {"user": null}}', "it is not an introspection result (no __schema)"),
        ('{"data": null, "errors": [{"message": "denied"}]}', "it is not an introspection result (no __schema): [{'message': 'denied'}]"),
        ('{"__schema": {"types": [], "directives": []}}', "it defines no Query type (its __schema has no queryType)"),
    ],
)
def test_introspection_json_without_a_schema_is_refused_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "v1.json"
    path.write_text(content)
    with pytest.raises(NotASchema) as caught:
        load_schema(path)
    assert str(caught.value) == f"{path}: not a GraphQL schema: {reason}"
    with pytest.raises(NotASchema, match=re.escape(reason)):
        diff_schemas(str(path), "type Query { a: Int }")


def test_introspection_results_and_schema_objects_without_a_query_are_refused():
    from graphql import GraphQLSchema

    with pytest.raises(NotASchema, match=re.escape("<JSON>: not a GraphQL schema: it is an empty JSON object")):
        load_schema("{}")
    with pytest.raises(NotASchema, match=re.escape("<introspection result>: not a GraphQL schema: its __schema is empty")):
        load_schema({"__schema": {}})
    with pytest.raises(NotASchema, match=re.escape("<GraphQLSchema>: not a GraphQL schema: it defines no Query type")):
        load_schema(GraphQLSchema())


def test_a_field_defined_twice_is_diffed_with_a_warning():
    old = "type Query { a: Int a: String b: Int }"
    new = "type Query { a: String }"
    result = diff_schemas(old, new)
    assert [(c.kind.value, c.coordinate) for c in result] == [("FIELD_REMOVED", "Query.b")]
    assert result.warnings == ["old schema: Field 'Query.a' is defined more than once; the last definition is used."]


def test_a_field_defined_twice_is_tolerated_by_the_graphql_core_reader_too():
    # `extend type` sends the text to graphql-core; its duplicate-field error becomes a warning.
    result = diff_schemas("type Query { a: Int } extend type Query { a: Int }", "type Query { a: Int }")
    assert list(result) == []
    assert len(result.warnings) == 1 and "Field 'Query.a' can only be defined once." in result.warnings[0]
    assert re.match(r"old schema: <SDL>:1:\d+: ", result.warnings[0])


def test_url_source_is_introspected_with_headers(live_graphql_server):
    url, seen_headers = live_graphql_server
    result = diff_schemas(url, "type Query { hello: String! }", headers={"Authorization": "Bearer t"})
    assert [(c.kind.value, c.coordinate) for c in result] == [("FIELD_REMOVED", "Query.goodbye")]
    assert seen_headers[-1].get("authorization") == "Bearer t"


def test_unreachable_url_is_a_clear_error():
    with pytest.raises(SchemaSourceError, match="cannot introspect http://127.0.0.1:9/graphql"):
        load_schema("http://127.0.0.1:9/graphql")


@pytest.fixture
def live_graphql_server():
    """A real uvicorn server with a Strawberry endpoint that remembers the request headers."""
    import socket
    import threading
    import time

    import strawberry
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from strawberry.asgi import GraphQL

    @strawberry.type
    class Query:
        hello: str = "hi"
        goodbye: str = "bye"

    seen_headers: list[dict[str, str]] = []
    graphql_app = GraphQL(strawberry.Schema(query=Query))

    async def remembering(scope, receive, send):
        if scope["type"] == "http":
            seen_headers.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await graphql_app(scope, receive, send)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Mount("/graphql", remembering)]), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/graphql", seen_headers
    finally:
        server.should_exit = True
        thread.join(timeout=10)
