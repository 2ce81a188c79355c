"""The differ reads every extension (`extend schema`, `extend type|interface|union|enum|input|scalar`),
`@oneOf` outside input objects is an applied directive, the folding rules, and the peers' reported false
positives and misses (graphql-inspector #2119, #2880, #2644) as regression tests."""

from __future__ import annotations

import pytest

from gqlevolve.schema_diff import ChangeKind as K
from gqlevolve.schema_diff import Criticality, diff_schemas

BREAKING, DANGEROUS, SAFE = Criticality.BREAKING, Criticality.DANGEROUS, Criticality.SAFE

DIRECTIVE = (
    "directive @tag(name: String) repeatable on SCHEMA | OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR"
    " | FIELD_DEFINITION\n"
)
BASE = DIRECTIVE + """
type Query { a: Int node: Node u: U e: E s: S f(i: In): Int }
interface Node { id: ID }
interface Named { name: String }
type A implements Node { id: ID name: String }
type B { id: ID }
union U = A
enum E { X }
input In { x: Int }
scalar S
"""


def _changes(old: str, new: str) -> list[tuple[str, str, str]]:
    return [(c.kind.value, c.criticality.value, c.coordinate) for c in diff_schemas(old, new)]


# (name, extension appended to BASE, expected changes when it is added)
EXTENSIONS = [
    ("extend schema @dir", 'extend schema @tag(name: "sub")', [(K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "schema")]),
    ("extend schema root", "type M { m: Int }\nextend schema { mutation: M }", [
        (K.SCHEMA_ROOT_TYPE_CHANGED, SAFE, "schema"), (K.TYPE_ADDED, SAFE, "M")]),
    ("extend type @dir", 'extend type Query @tag(name: "q")', [(K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "Query")]),
    ("extend type field", "extend type A { age: Int }", [(K.FIELD_ADDED, SAFE, "A.age")]),
    ("extend type implements", "extend type A implements Named", [(K.INTERFACE_IMPLEMENTATION_ADDED, DANGEROUS, "A")]),
    ("extend interface @dir", "extend interface Node @tag", [(K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "Node")]),
    ("extend interface field", "extend interface Node { name: String }\nextend type A @tag", [
        (K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "A"), (K.FIELD_ADDED, SAFE, "Node.name")]),
    ("extend union member", "extend union U = B", [(K.UNION_MEMBER_ADDED, DANGEROUS, "U")]),
    ("extend union @dir", "extend union U @tag", [(K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "U")]),
    ("extend enum value", "extend enum E { Y }", [(K.ENUM_VALUE_ADDED, DANGEROUS, "E.Y")]),
    ("extend enum @dir", "extend enum E @tag", [(K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "E")]),
    ("extend input field", "extend input In { y: Int! }", [(K.INPUT_FIELD_ADDED, BREAKING, "In.y")]),
    ("extend input @dir", "extend input In @tag", [(K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "In")]),
    ("extend input @oneOf", "extend input In @oneOf", [(K.INPUT_ONE_OF_ADDED, BREAKING, "In")]),
    ("extend scalar @dir", 'extend scalar S @tag(name: "s")', [(K.DIRECTIVE_USAGE_ADDED, DANGEROUS, "S")]),
    ("extend scalar @specifiedBy", 'extend scalar S @specifiedBy(url: "https://example.com/s")', [
        (K.SCALAR_SPECIFIED_BY_CHANGED, DANGEROUS, "S")]),
]


@pytest.mark.parametrize(("extension", "expected"), [pytest.param(e, x, id=n) for n, e, x in EXTENSIONS])
def test_an_extension_added_and_removed_is_reported(extension: str, expected: list[tuple[K, Criticality, str]]) -> None:
    extended = BASE + extension + "\n"
    want = sorted((kind.value, criticality.value, coordinate) for kind, criticality, coordinate in expected)
    assert sorted(_changes(BASE, extended)) == want
    removed = sorted(_changes(extended, BASE))
    assert len(removed) == len(want)
    assert {coordinate for *_, coordinate in removed} == {coordinate for *_, coordinate in want}


def test_removing_what_an_extension_added_is_breaking() -> None:
    extended = BASE + "extend type A { age: Int }\nextend union U = B\nextend enum E { Y }\n"
    assert sorted(_changes(extended, BASE)) == [
        ("ENUM_VALUE_REMOVED", "breaking", "E.Y"),
        ("FIELD_REMOVED", "breaking", "A.age"),
        ("UNION_MEMBER_REMOVED", "breaking", "U"),
    ]


def test_an_extension_equals_the_same_definition_written_whole() -> None:
    whole = DIRECTIVE + 'schema @tag(name: "s") { query: Query }\ntype Query @tag { a: Int b: Int }\nenum E { X Y }'
    split = DIRECTIVE + (
        'type Query { a: Int }\nenum E { X }\nextend schema @tag(name: "s")\nextend type Query @tag { b: Int }\n'
        "extend enum E { Y }"
    )
    assert _changes(whole, split) == []
    assert _changes(split, whole) == []


def test_a_directive_on_an_extension_changes_its_arguments() -> None:
    old = BASE + 'extend schema @tag(name: "a")'
    new = BASE + 'extend schema @tag(name: "b")'
    [change] = diff_schemas(old, new)
    assert (change.kind, change.coordinate, change.old, change.new) == (
        K.DIRECTIVE_USAGE_CHANGED, "schema", '@tag(name: "a")', '@tag(name: "b")')


def test_federation_subgraph_link_added_and_removed() -> None:
    # Federation subgraphs start with `extend schema @link(...)`: a change of it is reported.
    link = 'directive @link(url: String!, import: [String]) repeatable on SCHEMA\ntype Query { me: String }\n'
    v1 = link + 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])'
    v2 = link + 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])'
    assert _changes(v1, v2) == [("DIRECTIVE_USAGE_CHANGED", "dangerous", "schema")]
    assert _changes(v1, link) == [("DIRECTIVE_USAGE_REMOVED", "dangerous", "schema")]


ONE_OF = "directive @oneOf on INPUT_OBJECT | FIELD_DEFINITION | UNION\ntype Query { a: Int b: U }\nunion U = Query\n"


def test_one_of_on_a_field_or_union_is_an_applied_directive() -> None:
    new = ONE_OF.replace("a: Int", "a: Int @oneOf").replace("union U =", "union U @oneOf =")
    assert sorted(_changes(ONE_OF, new)) == [
        ("DIRECTIVE_USAGE_ADDED", "dangerous", "Query.a"),
        ("DIRECTIVE_USAGE_ADDED", "dangerous", "U"),
    ]
    assert sorted(_changes(new, ONE_OF)) == [
        ("DIRECTIVE_USAGE_REMOVED", "dangerous", "Query.a"),
        ("DIRECTIVE_USAGE_REMOVED", "dangerous", "U"),
    ]
    # On an input object it stays the input-object kind.
    with_input = ONE_OF + "input K { a: Int b: Int }"
    assert _changes(with_input, with_input.replace("input K", "input K @oneOf")) == [
        ("INPUT_ONE_OF_ADDED", "breaking", "K")]


# --- folding rules (docs/schema-diff.md) ---------------------------------------------------------


def test_a_directive_on_a_new_element_is_folded_into_its_addition() -> None:
    old = DIRECTIVE + "type Query { a: Int }"
    new = DIRECTIVE + 'type Query { a: Int b: Int @tag(name: "x") }\ntype T @tag { x: Int }'
    assert sorted(_changes(old, new)) == [("FIELD_ADDED", "safe", "Query.b"), ("TYPE_ADDED", "safe", "T")]


def test_a_new_directive_definition_folds_its_locations_and_arguments() -> None:
    old = "type Query { a: Int }"
    new = "directive @cache(ttl: Int!, scope: String) repeatable on FIELD_DEFINITION | OBJECT\n" + old
    assert _changes(old, new) == [("DIRECTIVE_ADDED", "safe", "@cache")]
    assert _changes(new, old) == [("DIRECTIVE_REMOVED", "breaking", "@cache")]


# --- the peers' reported false positives and misses ----------------------------------------------


def test_inspector_2119_non_null_argument_with_a_default_added_is_not_breaking() -> None:
    old = 'type Query { "A field" field1: String! }'
    new = 'type Query { "A field" field1("An argument" arg1: String! = "foo"): String! }'
    assert _changes(old, new) == [("ARG_ADDED", "dangerous", "Query.field1(arg1:)")]
    # Without the default it is required: breaking.
    assert _changes(old, new.replace(' = "foo"', "")) == [("ARG_ADDED", "breaking", "Query.field1(arg1:)")]


def test_inspector_2880_non_null_input_field_with_a_default_added_is_not_breaking() -> None:
    old = "type Query { q(foo: Foo): Int }\ninput Foo { a: String! b: String! }"
    new = old.replace("b: String! }", 'b: String! c: String! = "Eee" }')
    assert _changes(old, new) == [("INPUT_FIELD_ADDED", "dangerous", "Foo.c")]
    [change] = diff_schemas(old, new)
    assert "(optional)" in change.message


@pytest.mark.parametrize(
    ("old_default", "new_default", "kind", "coordinate"),
    [
        ('"a"', '"b"', K.ARG_DEFAULT_VALUE_CHANGED, "Query.f(x:)"),
        ("{a: 1}", "{a: 2}", K.ARG_DEFAULT_VALUE_CHANGED, "Query.g(w:)"),
        ("[1, 2]", "[2, 1]", K.INPUT_FIELD_DEFAULT_VALUE_CHANGED, "W.l"),
        ("RED", "BLUE", K.INPUT_FIELD_DEFAULT_VALUE_CHANGED, "W.c"),
        ("1", "2", K.DIRECTIVE_ARG_DEFAULT_VALUE_CHANGED, "@d(n:)"),
    ],
)
def test_inspector_2644_changed_default_values_are_detected(
    old_default: str, new_default: str, kind: K, coordinate: str
) -> None:
    template = (
        "directive @d(n: Int = {d}) on FIELD_DEFINITION\nenum C {{ RED BLUE }}\n"
        "input W {{ a: Int l: [Int] = {l} c: C = {c} }}\n"
        "type Query {{ f(x: String = {x}): Int g(w: W = {w}): Int }}"
    )
    values = {"d": "1", "l": "[1, 2]", "c": "RED", "x": '"a"', "w": "{a: 1}"}
    key = {"Query.f(x:)": "x", "Query.g(w:)": "w", "W.l": "l", "W.c": "c", "@d(n:)": "d"}[coordinate]
    old = template.format(**values)
    new = template.format(**{**values, key: new_default})
    [change] = diff_schemas(old, new)
    assert (change.kind, change.criticality, change.coordinate) == (kind, DANGEROUS, coordinate)
    assert (change.old, change.new) == (old_default, new_default)
