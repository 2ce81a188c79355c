"""The operation analysis: every way an operation can use a deprecated element, one row each."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from graphql import OperationType, build_schema, parse
from graphql.execution.values import get_variable_values

from gqlevolve.operation_analysis import TEXT_KEY_LENGTH, AnalysisCache, DeprecationIndex, analyze_operation

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
    assert analysis.usage_for(variables)[0] == expected


def test_variables_of_input_object_and_enum_types_are_probed_not_scalars() -> None:
    analysis = analyze_operation(
        INDEX,
        parse("query($f: UserFilter, $p: Plain, $n: Int, $r: Role) { users(first: $n, filter: $f) { id } search(plain: $p, role: $r) { id } }"),
    )
    assert analysis is not None
    assert [probe.name for probe in analysis.probes] == ["f", "p", "r"]


def test_nothing_new_from_variables_returns_the_cached_frozenset() -> None:
    analysis = analyze_operation(INDEX, parse("query($f: UserFilter) { me { name } users(filter: $f) { id } }"))
    assert analysis is not None
    deprecated, shape = analysis.usage_for({"f": {"role": "ADMIN"}})
    assert deprecated is analysis.coordinates
    assert shape is not analysis.shape and {"UserFilter.role", "Role.ADMIN"} <= shape.coordinates
    assert analysis.usage_for({"f": {"legacyGroup": "x"}})[0] == {"Query.me", "User.name", "UserFilter.legacyGroup"}
    assert analysis.usage_for({"f": None}) == (analysis.coordinates, analysis.shape)   # nothing new: the cached ones


def test_unusable_variable_values_are_ignored() -> None:
    analysis = analyze_operation(INDEX, parse("query($f: UserFilter) { users(filter: $f) { id } }"))
    assert analysis is not None
    for value in ("not an object", 3, ["x"], {"unknown": 1, "roles": [7, None]}):
        assert analysis.usage_for({"f": value})[0] == set()


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


def test_every_coordinate_is_in_the_shape_through_fragments_aliases_interfaces_and_literals() -> None:
    document = """
        query Q($id: ID!) { renamed: me { ...F } users(filter: {role: GUEST}) { id } }
        fragment F on User { name ... on User { fullName } }
    """
    analysis = analyze_operation(INDEX, parse(document))
    assert analysis is not None and analysis.shape is not None
    used = analysis.shape.coordinates
    assert {"Query.me", "User.name", "User.fullName", "Query.users(filter:)", "UserFilter.role", "Role.GUEST"} <= used
    assert {"Query", "User", "UserFilter", "Role", "ID"} <= used
    assert not any(coordinate.startswith("__") or ".__" in coordinate for coordinate in used)
    assert analysis.shape.kind == "query" and analysis.shape.name == "Q"


def test_the_document_hash_ignores_layout_and_other_operations() -> None:
    def shape_of(document: str, name: str | None = None) -> Any:
        analysis = analyze_operation(INDEX, parse(document), name)
        assert analysis is not None
        return analysis.shape

    plain = shape_of("query A { me { ...F } } fragment F on User { name }")
    spaced = shape_of("# a comment\nfragment F on User {\n  name\n}\nquery A {\n  me { ...F }\n}")
    with_other = shape_of("query A { me { ...F } } query B { viewer { id } } fragment F on User { name }", "A")
    assert plain.document_hash == spaced.document_hash == with_other.document_hash
    assert shape_of("query A { me { id } }").document_hash != plain.document_hash


def test_a_long_operation_name_is_cut() -> None:
    analysis = analyze_operation(INDEX, parse("query " + "N" * 5_000 + " { viewer { id } }"))
    assert analysis is not None and analysis.shape is not None
    assert analysis.shape.name == "N" * 100


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
        with pytest.raises(ValueError, match="at least 6400 bytes"):
            AnalysisCache(max_bytes=100)


def fresh(text: str) -> str:
    """An equal string that is another object, as every request's text is."""
    return text.encode().decode()


def with_variables(count: int, name: str = "Q") -> str:
    """An operation with ``count`` variables of a type that reaches a deprecation."""
    definitions = " ".join(f"$f{i}: UserFilter" for i in range(count))
    fields = " ".join(f"u{i}: users(filter: $f{i}) {{ id }}" for i in range(count))
    return f"query {name}({definitions}) {{ {fields} }}"


class TestAnalysisCacheIsBoundedInBytes:
    def test_a_long_document_is_kept_by_its_digest_not_its_text(self) -> None:
        cache = AnalysisCache()
        padding = " " * 1_000_000
        first = "{ viewer { name } }" + padding + "# 1"
        second = "{ viewer { name } }" + padding + "# 2"  # the same but for its last character
        a = cache.analysis(SCHEMA, first, None, parse(first))
        assert cache.bytes < 2_000  # not the megabyte of text
        assert cache.analysis(SCHEMA, fresh(first), None, parse(first)) is a
        b = cache.analysis(SCHEMA, second, None, parse(second))
        assert b is not a and b is not None and b.coordinates == {"User.name"}
        assert (cache.hits, cache.misses, len(cache)) == (1, 2, 2)

    def test_a_long_operation_name_is_part_of_the_digest(self) -> None:
        cache = AnalysisCache()
        a_name, b_name = "A" * TEXT_KEY_LENGTH, "B" * TEXT_KEY_LENGTH
        query = f"query {a_name} {{ viewer {{ name }} }} query {b_name} {{ me {{ id }} }}"
        a = cache.analysis(SCHEMA, query, a_name, parse(query))
        b = cache.analysis(SCHEMA, query, b_name, parse(query))
        assert a is not None and b is not None
        assert (a.coordinates, b.coordinates) == ({"User.name"}, {"Query.me"})
        assert cache.analysis(SCHEMA, fresh(query), fresh(a_name), parse(query)) is a
        assert cache.bytes < 5_000  # not the 16 KB of the two names

    def test_a_short_text_is_its_own_key_and_counted_in_the_weight(self) -> None:
        cache = AnalysisCache()
        query = "{ viewer { name } }" + " " * (TEXT_KEY_LENGTH - 30)
        cache.analysis(SCHEMA, query, None, parse(query))
        assert TEXT_KEY_LENGTH < cache.bytes < TEXT_KEY_LENGTH + 2_000

    def test_the_total_weight_stays_within_the_budget(self) -> None:
        cache = AnalysisCache(max_entries=1_000, max_bytes=160_000)
        for number in range(100):
            query = with_variables(3, name=f"Q{number}")
            analysis = cache.analysis(SCHEMA, query, None, parse(query))
            assert analysis is not None and len(analysis.declared_variables) == 3
            assert cache.bytes <= cache.max_bytes
        assert 10 < len(cache) < 100  # dropped for bytes, long before 1,000 entries
        # The most recent ones are kept.
        last = with_variables(3, name="Q99")
        hits = cache.hits
        cache.analysis(SCHEMA, fresh(last), None, parse(last))
        assert cache.hits == hits + 1

    def test_an_analysis_heavier_than_its_share_is_not_kept(self) -> None:
        cache = AnalysisCache(max_bytes=320_000)  # an entry may weigh 10,000 bytes
        heavy, light = with_variables(50), "{ viewer { name } }"
        cache.analysis(SCHEMA, light, None, parse(light))
        for _ in range(2):
            analysis = cache.analysis(SCHEMA, heavy, None, parse(heavy))
            assert analysis is not None and len(analysis.probes) == 50
        assert (len(cache), cache.too_heavy, cache.misses) == (1, 2, 3)  # analysed each time; the light one stays
        assert cache.analysis(SCHEMA, light, None, parse(light)) is not None and cache.hits == 1

    def test_an_analysis_keeps_what_coercion_needs_not_the_document(self) -> None:
        query = 'query($f: UserFilter = {role: GUEST}, $n: Int!, $m: Int! = 1, $l: [Role!], $x: Nope) { users(first: $n) { id } }'
        analysis = analyze_operation(INDEX, parse(query))
        assert analysis is not None
        assert [(variable.name, str(variable.type), variable.required) for variable in analysis.declared_variables] == [
            ("f", "UserFilter", False),
            ("n", "Int!", True),
            ("m", "Int!", False),  # it has a default
            ("l", "[Role!]", False),
            ("x", "None", False),  # no such type: refused whatever is sent
        ]
        assert analysis.accepts({"n": 1}) is False


class TestOnlyCoercibleVariablesPass:
    """``accepts`` says what graphql-core's own coercion says, stopping at the first error."""

    QUERY = "query($f: UserFilter, $r: Role! = ADMIN, $n: Int!, $l: [Role!]) { users(filter: $f, first: $n) { id } search(role: $r) { id } }"

    @pytest.mark.parametrize(
        "variables",
        [
            {"n": 1},
            {"n": 1, "f": {"role": "GUEST", "legacyGroup": None}, "l": "ADMIN"},
            {"n": 1, "f": None, "l": ["USER", "GUEST"], "unused": {"anything": 1}},
            {"n": 1, "f": {"nested": {"nested": {"address": {"zip": "1"}}}}},
            {},
            None,
            {"n": None},
            {"n": "1"},
            {"n": 1, "f": {"nope": 1}},
            {"n": 1, "f": {"legacyGroup": 3}},
            {"n": 1, "f": "not an object"},
            {"n": 1, "r": "NOT_A_ROLE"},
            {"n": 1, "l": ["USER", None]},
            {"n": 1, "f": {"addresses": [{"zip": "1"}, {"zip": {"x": 1}}]}},
        ],
    )
    def test_the_same_answer_as_graphql_core(self, variables: dict[str, Any] | None) -> None:
        analysis = analyze_operation(INDEX, parse(self.QUERY))
        assert analysis is not None
        refused = isinstance(get_variable_values(SCHEMA, parse(self.QUERY).definitions[0].variable_definitions, variables or {}), list)
        assert analysis.accepts(variables) is not refused

    def test_values_nested_too_deeply_are_refused_as_graphql_core_does(self) -> None:
        query = "query($f: UserFilter) { users(filter: $f) { id } }"
        analysis = analyze_operation(INDEX, parse(query))
        assert analysis is not None
        value: dict[str, Any] = {"role": "USER"}
        for _ in range(300):
            value = {"nested": value}
        refused = isinstance(get_variable_values(SCHEMA, parse(query).definitions[0].variable_definitions, {"f": value}), list)
        assert refused and analysis.accepts({"f": value}) is False

    def test_anything_but_an_object_of_variables_is_refused(self) -> None:
        analysis = analyze_operation(INDEX, parse("query($n: Int) { users(first: $n) { id } }"))
        assert analysis is not None
        assert analysis.accepts(["n", 1]) is False  # type: ignore[arg-type]
        assert analysis.accepts(MappingProxyType({"n": 1})) is True

    def test_without_variables_there_is_nothing_to_coerce(self) -> None:
        analysis = analyze_operation(INDEX, parse("{ viewer { name } }"))
        assert analysis is not None and analysis.declared_variables == ()
        assert analysis.accepts({"whatever": object()}) is True

    def test_unknown_keys_are_refused_at_the_first(self) -> None:
        analysis = analyze_operation(INDEX, parse("query($f: UserFilter) { users(filter: $f) { id } }"))
        assert analysis is not None
        assert analysis.accepts({"f": {f"k{number}": number for number in range(300_000)}}) is False
