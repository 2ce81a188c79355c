"""The fast SDL reader (gqlevolve.schema_diff.sdl_reader) against graphql-core: same model, always.

On our own SDL (the differ's cases, the example server's snapshots, tricky literals) always; on
GitHub's public schema when ``benchmarks/diff.py`` has put it in ``benchmarks/.cache``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema

from gqlevolve.schema_diff.model import model_from_graphql_schema
from gqlevolve.schema_diff.sdl_reader import Unsupported, read_sdl
from gqlevolve.schema_diff.sources import NotASchema, _read_sdl_with_graphql_core, read_sdl_text
from tests.test_schema_diff import CASES, NOT_SCHEMAS, with_query

ROOT = Path(__file__).resolve().parent.parent
GITHUB_SCHEMAS = sorted((ROOT / "benchmarks" / ".cache" / "node_modules").glob("*/schema.graphql"))

TRICKY = '''
"""
  The API.

    Indented line, trailing blanks follow.

"""
schema @link(url: "https://example.com", import: ["@key"]) { query: Root mutation: Change }
directive @link(url: String!, import: [String]) repeatable on SCHEMA
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
"Escapes: \\"quoted\\" \\\\ \\u00e9 \\t tab"
scalar Json @specifiedBy(url: "https://json.org")
# a comment, with "a string" inside
type Root @key(fields: "id") @key(fields: "sku", resolvable: false) {
  """Block with \\""" escaped quotes"""
  item(
    where: Where = {and: [{id: 1}, {name: "x"}], id: -2, ratio: 1.5e3}
    order: [Order!] = [ASC, DESC]
    flag: Boolean = false, other: Json = null
  ): Item @deprecated(reason: """Use `items`""")
  items: [Item!]!
}
type Change { touch(id: ID!): Item }
interface Named { name: String }
type Item implements & Named { name: String, tags: [[String!]]! }
union Result = | Item | Root
enum Order { ASC "Down" DESC @deprecated }
input Where @oneOf { id: Int name: String and: [Where!] ratio: Float }
'''


def assert_same_as_graphql_core(sdl: str) -> None:
    fast = read_sdl(sdl)
    fast.warnings.clear()
    reference = model_from_graphql_schema(build_schema(sdl, assume_valid_sdl=True))
    assert fast == reference


@pytest.mark.parametrize("sdl", sorted({with_query(sdl) for case in CASES for sdl in case[1:3]}))
def test_differ_cases_read_like_graphql_core(sdl):
    assert_same_as_graphql_core(sdl)


def test_tricky_sdl_reads_like_graphql_core():
    assert_same_as_graphql_core(TRICKY)


@pytest.mark.parametrize("path", sorted((ROOT / "schemas").glob("*.graphql")), ids=lambda path: path.name)
def test_example_server_snapshots_read_like_graphql_core(path):
    assert_same_as_graphql_core(path.read_text())


@pytest.mark.skipif(not GITHUB_SCHEMAS, reason="run benchmarks/diff.py once to fetch GitHub's schema")
@pytest.mark.parametrize("path", GITHUB_SCHEMAS, ids=lambda path: path.parent.name)
def test_github_schema_reads_like_graphql_core(path):
    assert_same_as_graphql_core(path.read_text())


@pytest.mark.parametrize(
    "sdl",
    [
        "extend type Query { a: Int }",
        "type Query { a: Int } type Query { b: Int }",
        "type Query { a: Unknown }",
        "type Query { a: Int @unknown }",
        "type Query { a(x: Int = 1abc): Int }",
        'type Query { a: String } "unterminated',
        "type Query {}",
        "query { a }",
        "type Query { a: Int @deprecated(reason: 1) }",
        'type Query @deprecated { a: Int }',
    ],
)
def test_what_it_does_not_read_is_left_to_graphql_core(sdl):
    with pytest.raises(Unsupported):
        read_sdl(sdl)


def test_a_field_defined_twice_keeps_the_last_definition_and_warns():
    model = read_sdl("type Query { a: Int a: String }")
    assert model.types["Query"].fields["a"].type == "String"
    assert model.warnings == ["Field 'Query.a' is defined more than once; the last definition is used."]


@pytest.mark.parametrize(("document", "reason"), [case[1:] for case in NOT_SCHEMAS], ids=[case[0] for case in NOT_SCHEMAS])
def test_both_readers_refuse_what_is_not_a_schema(document, reason):
    """The fast reader accepts no document that is not a schema; graphql-core's path refuses each with the reason."""
    with pytest.raises(Unsupported):
        read_sdl(document)
    with pytest.raises(NotASchema) as by_graphql_core:
        _read_sdl_with_graphql_core(document, "v1.graphql")
    with pytest.raises(NotASchema) as by_read_sdl_text:
        read_sdl_text(document, source_name="v1.graphql")
    assert str(by_graphql_core.value) == str(by_read_sdl_text.value) == f"v1.graphql: not a GraphQL schema: {reason}"


@pytest.mark.parametrize(
    "sdl",
    ["type Query { a: Int }", "schema { query: Root } type Root { a: Int }", "# v1\ntype Query { a: Int } # end"],
)
def test_both_readers_accept_a_schema_with_a_query_root(sdl):
    assert read_sdl(sdl) == _read_sdl_with_graphql_core(sdl, "<SDL>")
