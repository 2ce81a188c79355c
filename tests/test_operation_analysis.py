"""The operation analysis: every way an operation can use a deprecated element, one row each."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationType, build_schema, parse

from gqlevolve.operation_analysis import AnalysisCache, DeprecationIndex, analyze_operation

SCHEMA = build_schema(
    """
    directive @cached(ttl: Int @deprecated(reason: "use maxAge"), maxAge: Int) on FIELD

    interface Node { id: ID! legacyId: ID @deprecated(reason: "use id") }

    type User implements Node {
      id: ID!
      legacyId: ID @deprecated(reason: "use id")
      name: String @deprecated(reason: "use fullName")
      fullName: String
      role: Role
    }

    type Robot implements Node {
      id: ID!
      legacyId: ID
      model: String @deprecated(reason: "use kind")
      kind: String
    }

    union Actor = User | Robot

    enum Role { ADMIN USER GUEST @deprecated(reason: "use USER") }

    input Address { street: String zip: String @deprecated(reason: "use postalCode") postalCode: String }

    input UserFilter {
      role: Role
      roles: [Role!]
      legacyGroup: String @deprecated(reason: "use role")
      address: Address
      addresses: [Address!]
      nested: UserFilter
    }

    input Plain { text: String }

    type Query {
      users(first: Int, offset: Int @deprecated(reason: "use after"), filter: UserFilter, filters: [UserFilter!]): [User!]!
      node(id: ID!): Node
      actors: [Actor!]!
      me: User @deprecated(reason: "use viewer")
      viewer: User
      search(plain: Plain, role: Role): [User!]!
    }

    type Mutation {
      uploadAttachment(name: String): Boolean @deprecated(reason: "use secureUpload")
      secureUpload(name: String): Boolean
    }

    type Subscription {
      legacyEvents: String @deprecated(reason: "use events")
      events: String
    }
    """
)
INDEX = DeprecationIndex.of(SCHEMA)

# (case, document, operation name, variables, expected coordinates)
CASES: list[tuple[str, str, str | None, dict[str, Any] | None, set[str]]] = [
    ("nothing deprecated", "{ viewer { id fullName } }", None, None, set()),
    ("object field", "{ viewer { name } }", None, None, {"User.name"}),
    ("deduplicated", "{ viewer { name } users { name fullName name } }", None, None, {"User.name"}),
    ("alias", "{ viewer { displayName: name } }", None, None, {"User.name"}),
    ("query root field", "{ me { id } }", None, None, {"Query.me"}),
    ("mutation root field", 'mutation { uploadAttachment(name: "a") }', None, None, {"Mutation.uploadAttachment"}),
    ("subscription root field", "subscription { legacyEvents }", None, None, {"Subscription.legacyEvents"}),
    ("named fragment", "{ viewer { ...U } } fragment U on User { name }", None, None, {"User.name"}),
    (
        "fragment inside a fragment",
        "{ viewer { ...A } } fragment A on User { ...B } fragment B on User { name }",
        None, None, {"User.name"},
    ),
    ("inline fragment", "{ viewer { ... on User { name } } }", None, None, {"User.name"}),
    ("interface field", '{ node(id: "1") { legacyId } }', None, None, {"Node.legacyId"}),
    ("interface, inline fragment on the object", '{ node(id: "1") { ... on User { legacyId } } }', None, None,
     {"User.legacyId"}),
    ("interface, object field not deprecated there", '{ node(id: "1") { ... on Robot { legacyId } } }', None, None,
     set()),
    (
        "union members",
        "{ actors { ... on User { name } ... on Robot { model } } }",
        None, None, {"User.name", "Robot.model"},
    ),
    ("union through a named fragment", "{ actors { ...R } } fragment R on Robot { model }", None, None,
     {"Robot.model"}),
    ("argument literal", "{ users(offset: 2) { id } }", None, None, {"Query.users(offset:)"}),
    ("argument from a variable", "query($o: Int) { users(offset: $o) { id } }", None, {"o": 1},
     {"Query.users(offset:)"}),
    ("directive argument", "{ viewer { id @cached(ttl: 5) } }", None, None, {"@cached(ttl:)"}),
    ("input field literal", '{ users(filter: {legacyGroup: "x"}) { id } }', None, None, {"UserFilter.legacyGroup"}),
    ("nested input field literal", '{ users(filter: {address: {zip: "1"}}) { id } }', None, None, {"Address.zip"}),
    (
        "input field in a list literal",
        '{ users(filters: [{role: ADMIN}, {legacyGroup: "x"}]) { id } }',
        None, None, {"UserFilter.legacyGroup"},
    ),
    (
        "input field in a nested list literal",
        '{ users(filter: {addresses: [{street: "a"}, {zip: "1"}]}) { id } }',
        None, None, {"Address.zip"},
    ),
    (
        "recursive input literal",
        '{ users(filter: {nested: {nested: {legacyGroup: "x"}}}) { id } }',
        None, None, {"UserFilter.legacyGroup"},
    ),
    ("enum value literal", "{ users(filter: {role: GUEST}) { id } }", None, None, {"Role.GUEST"}),
    ("enum value in a list literal", "{ users(filter: {roles: [ADMIN, GUEST]}) { id } }", None, None, {"Role.GUEST"}),
    ("enum value argument literal", "{ search(role: GUEST) { id } }", None, None, {"Role.GUEST"}),
    ("enum value not deprecated", "{ search(role: ADMIN) { id } }", None, None, set()),
    (
        "input field in a variable",
        "query($f: UserFilter) { users(filter: $f) { id } }",
        None, {"f": {"legacyGroup": "x"}}, {"UserFilter.legacyGroup"},
    ),
    (
        "nested input field in a list in a variable",
        "query($f: [UserFilter!]) { users(filters: $f) { id } }",
        None, {"f": [{"role": "ADMIN"}, {"addresses": [{"zip": "1"}]}]}, {"Address.zip"},
    ),
    (
        "enum value in a variable",
        "query($f: UserFilter) { users(filter: $f) { id } }",
        None, {"f": {"roles": ["USER", "GUEST"]}}, {"Role.GUEST"},
    ),
    (
        "enum value in a variable, single value for a list",
        "query($f: UserFilter) { users(filter: $f) { id } }",
        None, {"f": {"roles": "GUEST"}}, {"Role.GUEST"},
    ),
    (
        "a variable without deprecated content",
        "query($f: UserFilter) { users(filter: $f) { id } }",
        None, {"f": {"role": "ADMIN", "address": None}}, set(),
    ),
    (
        "an explicit null for a deprecated input field still counts (the client names it)",
        "query($f: UserFilter) { users(filter: $f) { id } }",
        None, {"f": {"legacyGroup": None}}, {"UserFilter.legacyGroup"},
    ),
    (
        "a variable default, not sent",
        'query($f: UserFilter = {legacyGroup: "x"}) { users(filter: $f) { id } }',
        None, {}, {"UserFilter.legacyGroup"},
    ),
    (
        "a variable default, overridden",
        'query($f: UserFilter = {legacyGroup: "x"}) { users(filter: $f) { id } }',
        None, {"f": {"role": "ADMIN"}}, set(),
    ),
    (
        "several operations: the executed one",
        "query A { viewer { name } } query B { me { id } }",
        "B", None, {"Query.me"},
    ),
    (
        "several operations: the other one",
        "query A { viewer { name } } query B { me { id } }",
        "A", None, {"User.name"},
    ),
    (
        "several operations: only the executed one's fragments",
        "query A { viewer { ...N } } query B { viewer { id } } fragment N on User { name }",
        "B", None, set(),
    ),
    ("unused fragment", "{ viewer { id } } fragment N on User { name }", None, None, set()),
    ("@skip still counts", "{ viewer { name @skip(if: true) } }", None, None, {"User.name"}),
    ("@include(if: false) still counts", "{ viewer { ... on User @include(if: false) { name } } }", None, None,
     {"User.name"}),
]


@pytest.mark.parametrize(("document", "operation", "variables", "expected"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_coordinates_used(document: str, operation: str | None, variables: dict | None, expected: set[str]) -> None:
    analysis = analyze_operation(INDEX, parse(document), operation)
    assert analysis is not None
    assert analysis.coordinates_for(variables) == expected


def test_only_variables_that_can_reach_a_deprecation_are_probed() -> None:
    analysis = analyze_operation(
        INDEX,
        parse("query($f: UserFilter, $p: Plain, $n: Int, $r: Role) { users(first: $n, filter: $f) { id } search(plain: $p, role: $r) { id } }"),
    )
    assert analysis is not None
    assert [probe.name for probe in analysis.probes] == ["f", "r"]


def test_nothing_new_from_variables_returns_the_cached_frozenset() -> None:
    analysis = analyze_operation(INDEX, parse("query($f: UserFilter) { me { name } users(filter: $f) { id } }"))
    assert analysis is not None
    assert analysis.coordinates_for({"f": {"role": "ADMIN"}}) is analysis.coordinates
    assert analysis.coordinates_for({"f": {"legacyGroup": "x"}}) == {"Query.me", "User.name", "UserFilter.legacyGroup"}


def test_unusable_variable_values_are_ignored() -> None:
    analysis = analyze_operation(INDEX, parse("query($f: UserFilter) { users(filter: $f) { id } }"))
    assert analysis is not None
    for value in ("not an object", 3, ["x"], {"unknown": 1, "roles": [7, None]}):
        assert analysis.coordinates_for({"f": value}) == set()


@pytest.mark.parametrize(
    ("document", "introspection_only"),
    [
        ("{ __schema { queryType { name } } }", True),
        ('{ __type(name: "User") { name } __typename }', True),
        ("query { ...I } fragment I on Query { __typename }", True),
        ("{ __typename viewer { id } }", False),
    ],
)
def test_introspection_only_operations_are_recognised(document: str, introspection_only: bool) -> None:
    analysis = analyze_operation(INDEX, parse(document))
    assert analysis is not None
    assert analysis.introspection_only is introspection_only


def test_operation_types() -> None:
    for document, operation_type in (
        ("{ viewer { id } }", OperationType.QUERY),
        ("mutation { secureUpload }", OperationType.MUTATION),
        ("subscription { events }", OperationType.SUBSCRIPTION),
    ):
        analysis = analyze_operation(INDEX, parse(document))
        assert analysis is not None and analysis.operation_type is operation_type


def test_an_unknown_operation_name_has_no_analysis() -> None:
    assert analyze_operation(INDEX, parse("query A { viewer { id } }"), "B") is None
    assert analyze_operation(INDEX, parse("query A { viewer { id } } query B { me { id } }"), None) is None


def test_index_knows_which_input_types_reach_a_deprecation() -> None:
    assert INDEX.reaching_types == {"Role", "Address", "UserFilter"}


class TestAnalysisCache:
    def test_a_repeated_operation_is_a_hit(self) -> None:
        cache = AnalysisCache(max_entries=10)
        query = "{ viewer { name } }"
        first = cache.analysis(SCHEMA, query, None, parse(query))
        second = cache.analysis(SCHEMA, query, None, parse(query))
        assert first is second
        assert (cache.hits, cache.misses) == (1, 1)

    def test_keyed_by_operation_name_and_schema(self) -> None:
        cache = AnalysisCache(max_entries=10)
        query = "query A { viewer { name } } query B { me { id } }"
        a = cache.analysis(SCHEMA, query, "A", parse(query))
        b = cache.analysis(SCHEMA, query, "B", parse(query))
        assert a is not None and b is not None
        assert (a.coordinates, b.coordinates) == ({"User.name"}, {"Query.me"})
        other_schema = build_schema("type Query { me: Int @deprecated(reason: 'x') viewer: Int }".replace("'", '"'))
        c = cache.analysis(other_schema, query, "B", parse(query))
        assert c is not None and c is not b
        assert cache.misses == 3

    def test_bounded_least_recently_used(self) -> None:
        cache = AnalysisCache(max_entries=2)
        queries = ["{ viewer { id } }", "{ viewer { name } }", "{ me { id } }"]
        cache.analysis(SCHEMA, queries[0], None, parse(queries[0]))
        cache.analysis(SCHEMA, queries[1], None, parse(queries[1]))
        cache.analysis(SCHEMA, queries[0], None, parse(queries[0]))  # 0 is now the most recent
        cache.analysis(SCHEMA, queries[2], None, parse(queries[2]))  # evicts 1
        assert len(cache) == 2
        cache.analysis(SCHEMA, queries[0], None, parse(queries[0]))
        assert cache.hits == 2
        cache.analysis(SCHEMA, queries[1], None, parse(queries[1]))
        assert cache.misses == 4

    def test_a_cache_without_room_is_refused(self) -> None:
        with pytest.raises(ValueError, match="at least one entry"):
            AnalysisCache(max_entries=0)
