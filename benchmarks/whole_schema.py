"""A whole-schema workload of GitHub's size, for the store benchmarks (``store.py``, ``store_fleet.py``).

The schema is GitHub's public schema when ``benchmarks/data/github-schema.graphql.gz`` is there (1,629 types,
12,715 coordinates, 140 deprecated elements; read as graphql-core accepts it). Otherwise, and at the smoke test's
size, it is *synthetic*, generated to that shape: object types with a ``Node`` interface, unions, enums, input
types, custom scalars, a ``Query`` and a ``Mutation``, ~2 % of the fields deprecated.

Operations are random walks from a root field down the type graph, choosing fields with a Zipf-like preference
(the first fields of a type are the popular ones: ``id``, ``name``...; an interface or union is entered through
one of its types, as an inline fragment), each collecting 20 to 80 coordinates the way
:mod:`gqlevolve.operation_analysis` does (the parent type, the field, the field's named type; an argument and its
type). So the schema has a hot head and a long tail that no operation touches, as real schemas do.

200 clients own ~25 operations each (one owner per operation; 20 % of operations are shared with 1 to 3 more
clients), run 1 to 3 versions at once, and use each of their operations daily, every other day or rarely
(half, 30 % and 20 % of them), with heavy-tailed daily counts. Everything is drawn from a seeded ``random.Random``:
the same arguments give the same workload in every process (``store_fleet.py`` relies on it).

    >>> work = build_workload(SMALL)
    >>> len(work.operations), len(work.clients), len(work.coordinates) > 500
    (300, 20, True)
    >>> all(20 <= len(shape.coordinates) <= 80 for shape in work.operations)
    True
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
import time
from dataclasses import dataclass, field, replace
from hashlib import blake2b
from pathlib import Path

import sqlalchemy as sa

from gqlevolve.clock import FixedClock
from gqlevolve.operation_shape import OperationShape
from gqlevolve.usage_store.buffer import ObservationBuffer
from gqlevolve.usage_store.operations import StoredOperation
from gqlevolve.usage_store.recorder import Batch, Recorder
from gqlevolve.usage_store.schema_registry import register_schema
from gqlevolve.usage_store.tables import (
    coordinate_seen,
    coordinate_usage,
    deprecation_usage,
    operation_coordinates,
    operation_signatures,
    operation_totals,
    operation_usage,
    operations,
    signature_coordinates,
)
from gqlevolve.usage_store.writer import rebuild_daily_counts, write_batch

__all__ = ["GITHUB", "SMALL", "ClientUse", "Size", "Workload", "build_workload", "day_batch", "day_uses", "fill", "write_day"]

ENDPOINT = "/api/v1/graphql"
SCALARS = ["String", "Int", "Boolean", "ID", "Float", "DateTime", "URI", "GitObjectID", "HTML", "Date", "X509Certificate",
           "GitTimestamp", "Base64String", "BigInt", "PreciseDateTime"]


@dataclass(frozen=True)
class Size:
    objects: int
    enums: int
    inputs: int
    unions: int
    query_fields: int
    mutation_fields: int
    operations: int
    clients: int
    days: int


#: GitHub's public schema's order of size (types, coordinates), and the fleet of the issue: 5,000 operations,
#: 200 clients, 90 days.
GITHUB = Size(objects=1_150, enums=180, inputs=210, unions=35, query_fields=150, mutation_fields=250,
              operations=5_000, clients=200, days=90)
#: A smoke test's (``--quick``).
SMALL = Size(objects=90, enums=12, inputs=12, unions=4, query_fields=20, mutation_fields=20,
             operations=300, clients=20, days=3)


@dataclass(frozen=True)
class ClientUse:
    """One client's use of one of its operations: how often (probability of a day), how much, under which
    versions (the newest always; older ones fade)."""

    client: str
    versions: tuple[str, ...]
    operation: int
    daily: float
    volume: int


@dataclass
class Workload:
    sdl: str
    coordinates: frozenset[str]
    deprecated: frozenset[str]
    operations: list[OperationShape]
    deprecated_of: list[frozenset[str]]
    clients: list[str]
    uses: list[ClientUse] = field(default_factory=list)
    source: str = ""
    buffer: ObservationBuffer | None = None


@dataclass
class _Field:
    name: str
    type_name: str
    args: list[tuple[str, str]]


def _schema(size: Size, rng: random.Random) -> tuple[str, dict[str, list[_Field]], dict[str, list[str]], frozenset[str]]:
    """A synthetic schema: (SDL, object and root fields by type, each union's members, deprecated coordinates)."""
    objects = [f"Obj{i}" for i in range(size.objects)]
    enums = {f"Enum{i}": [f"VALUE_{j}" for j in range(rng.randint(3, 14))] for i in range(size.enums)}
    inputs = [f"Input{i}" for i in range(size.inputs)]
    unions = {f"Union{i}": rng.sample(objects, rng.randint(2, 5)) for i in range(size.unions)}
    interfaces = {f"Iface{i}": [f"ifield{j}" for j in range(rng.randint(2, 5))] for i in range(40)}
    input_fields = {name: [(f"in{j}", rng.choice(SCALARS[:8] + list(enums))) for j in range(rng.randint(2, 10))]
                    for name in inputs}
    fields: dict[str, list[_Field]] = {}
    implements: dict[str, list[str]] = {}

    def argument_list() -> list[tuple[str, str]]:
        if rng.random() > 0.2:
            return []
        kinds = ["Int", "String", "Boolean", *rng.sample(list(enums), 1), *rng.sample(inputs, 1)]
        return [(f"arg{k}", rng.choice(kinds)) for k in range(rng.randint(1, 2))]

    def field_type() -> str:
        roll = rng.random()
        if roll < 0.55:
            return rng.choice(SCALARS)
        if roll < 0.85:
            return rng.choice(objects)
        if roll < 0.93:
            return rng.choice(list(enums))
        return rng.choice(list(unions))

    for name in objects:
        own = [_Field("id", "ID", [])] + [_Field(f"field{j}", field_type(), argument_list()) for j in range(rng.randint(3, 13))]
        chosen = rng.sample(list(interfaces), rng.choice((0, 0, 1, 1, 2)))
        for interface in chosen:
            own += [_Field(f"{interface.lower()}_{f}", "String", []) for f in interfaces[interface]]
        implements[name] = ["Node", *chosen]
        fields[name] = own
    fields["Query"] = [_Field(f"root{j}", rng.choice(objects), argument_list()) for j in range(size.query_fields)]
    fields["Mutation"] = [_Field(f"mutate{j}", rng.choice(objects), [("input", rng.choice(inputs))])
                          for j in range(size.mutation_fields)]
    deprecated = {
        # Not an interface's field on an implementation: it would have to be deprecated on the interface too.
        f"{parent}.{f.name}" for parent, own in fields.items() for f in own[1:]
        if rng.random() < 0.02 and "_ifield" not in f.name
    }
    lines = [f"scalar {s}" for s in SCALARS[5:]]
    lines.append("interface Node {\n  id: ID!\n}")
    for name, members in interfaces.items():
        lines.append(f"interface {name} {{\n" + "".join(f"  {name.lower()}_{m}: String\n" for m in members) + "}")
    for name, values in enums.items():
        lines.append(f"enum {name} {{\n" + "".join(f"  {v}\n" for v in values) + "}")
    for name, members in input_fields.items():
        lines.append(f"input {name} {{\n" + "".join(f"  {f}: {t}\n" for f, t in members) + "}")
    for name, members in unions.items():
        lines.append(f"union {name} = {' | '.join(members)}")
    for name, own in fields.items():
        header = f"type {name}" + (f" implements {' & '.join(implements[name])}" if implements.get(name) else "")
        body = []
        for f in own:
            arguments = f"({', '.join(f'{a}: {t}' for a, t in f.args)})" if f.args else ""
            flag = ' @deprecated(reason: "use another field")' if f"{name}.{f.name}" in deprecated else ""
            body.append(f"  {f.name}{arguments}: {f.type_name}{'!' if f.name == 'id' else ''}{flag}\n")
        lines.append(header + " {\n" + "".join(body) + "}")
    lines.append("schema {\n  query: Query\n  mutation: Mutation\n}")
    return "\n\n".join(lines) + "\n", fields, unions, frozenset(deprecated)


#: GitHub's public schema, when a copy is in the repository.
GITHUB_SDL = Path(__file__).resolve().parent / "data" / "github-schema.graphql.gz"

# The fields a client asks for first (GitHub's SDL lists fields alphabetically: the walk prefers the first ones).
_POPULAR = ("id", "name", "login", "url", "title", "number", "nameWithOwner", "state", "createdAt", "viewer",
            "repository", "node", "nodes", "edges", "pageInfo", "totalCount", "search", "user", "organization")


def _github(rng: random.Random) -> tuple[str, dict[str, list[_Field]], dict[str, list[str]], frozenset[str]]:
    """GitHub's public schema: (SDL printed back by graphql-core, fields by object and interface type, each
    interface's and union's possible types, deprecated coordinates)."""
    from graphql import (
        GraphQLInterfaceType,
        GraphQLObjectType,
        GraphQLUnionType,
        build_schema,
        get_named_type,
        print_schema,
        validate_schema,
    )

    from gqlevolve.coordinates import deprecated_elements

    with gzip.open(GITHUB_SDL, "rt", encoding="utf-8") as text:
        # The SDL repeats two fields of EnterpriseOwnerInfo word for word: taken once (assume_valid_sdl); an
        # implementation field deprecated where its interface's is not is made undeprecated (as extension_cold.py).
        schema = build_schema(text.read(), assume_valid_sdl=True)
    for _ in range(3):
        errors = validate_schema(schema)
        if not errors:
            break
        for error in errors:
            type_name, field_name = error.message.rsplit("implementation field ", 1)[1].split(" ")[0].split(".")
            schema.type_map[type_name].fields[field_name].deprecation_reason = None  # type: ignore[attr-defined]
        schema._validation_errors = None  # noqa: SLF001  (validated again with the change)
    fields: dict[str, list[_Field]] = {}
    abstract: dict[str, list[str]] = {}
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__"):
            continue
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            own = [_Field(field_name, get_named_type(f.type).name,
                          [(a, get_named_type(arg.type).name) for a, arg in f.args.items()])
                   for field_name, f in named.fields.items()]
            rng.shuffle(own)
            own.sort(key=lambda f: _POPULAR.index(f.name) if f.name in _POPULAR else len(_POPULAR))
            fields[name] = own
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            abstract[name] = sorted(t.name for t in schema.get_possible_types(named))
    return print_schema(schema), fields, abstract, frozenset(deprecated_elements(schema))


def _zipf_index(rng: random.Random, n: int) -> int:
    """An index in range(n), low ones far likelier (about 1/(i+1))."""
    return min(n - 1, int(n ** rng.random()) - 1)


def _operation(rng: random.Random, fields: dict[str, list[_Field]], abstract: dict[str, list[str]], mutation: bool) -> OperationShape:
    root = "Mutation" if mutation else "Query"
    target = rng.randint(20, 80)
    found: set[str] = {root}
    stack: list[tuple[str, int]] = []

    def take(parent: str, f: _Field, depth: int) -> None:
        found.update((f"{parent}.{f.name}", f.type_name))
        for argument, type_name in f.args:
            found.update((f"{parent}.{f.name}({argument}:)", type_name))
        type_name = f.type_name
        if type_name in abstract and abstract[type_name]:  # an interface or union: an inline fragment on one type
            type_name = rng.choice(abstract[type_name])
            found.add(type_name)
        if type_name in fields and depth < 5:
            stack.append((type_name, depth + 1))

    roots = fields[root]
    take(root, roots[_zipf_index(rng, len(roots))], 0)
    while len(found) < target:
        if not stack:  # a second root field
            take(root, roots[_zipf_index(rng, len(roots))], 0)
            continue
        parent, depth = stack.pop(rng.randrange(len(stack)) if rng.random() < 0.3 else -1)
        own = fields[parent]
        for _ in range(rng.randint(2, 8)):
            take(parent, own[_zipf_index(rng, len(own))], depth)
            if len(found) >= target:
                break
    chosen = frozenset(sorted(found)[:target] if len(found) > 80 else found)
    name = f"{'Mutate' if mutation else 'Get'}{rng.getrandbits(40):010x}"
    document = blake2b(repr(sorted(chosen)).encode(), digest_size=16).hexdigest()
    return OperationShape("mutation" if mutation else "query", name, document, chosen)


def build_workload(size: Size, seed: int = 13, *, synthetic: bool = False) -> Workload:
    """The schema, its operations and its clients (deterministic for a given size and seed). At :data:`GITHUB`'s
    size, GitHub's public schema when ``benchmarks/data/github-schema.graphql.gz`` is there (and not
    ``synthetic``); otherwise a synthetic one of that size."""
    from gqlevolve.coordinates import schema_coordinates

    rng = random.Random(seed)
    if size == GITHUB and GITHUB_SDL.exists() and not synthetic:
        sdl, fields, abstract, deprecated = _github(rng)
        source = "GitHub's public schema (benchmarks/data/github-schema.graphql.gz)"
    else:
        sdl, fields, abstract, deprecated = _schema(size, rng)
        source = "a synthetic schema" + (" of GitHub's size" if size == GITHUB else "")
    coordinates = frozenset(schema_coordinates(sdl, types=True))
    operations = [_operation(rng, fields, abstract, rng.random() < 0.1) for _ in range(size.operations)]
    work = Workload(sdl, coordinates, deprecated, operations, [op.coordinates & deprecated for op in operations],
                    [f"client-{i:03d}" for i in range(size.clients)], source=source)
    versions = {c: tuple(f"{rng.randint(1, 9)}.{minor}" for minor in range(rng.randint(1, 3))) for c in work.clients}
    for index in range(size.operations):
        owners = [work.clients[index % size.clients]]
        if rng.random() < 0.2:
            owners += rng.sample(work.clients, rng.randint(1, 3))
        for owner in dict.fromkeys(owners):
            daily = rng.choices((1.0, 0.5, 0.1), weights=(50, 30, 20))[0]
            volume = max(1, int(rng.paretovariate(1.1) * 20))
            work.uses.append(ClientUse(owner, versions[owner], index, daily, volume))
    return work


def day_uses(work: Workload, day: dt.date) -> list[tuple[str, str, int, int]]:
    """(client, version, operation index, count) for one day: which uses are active and under which versions."""
    rng = random.Random(day.toordinal())
    out = []
    for use in work.uses:
        if rng.random() >= use.daily:
            continue
        newest = use.versions[-1]
        out.append((use.client, newest, use.operation, max(1, int(use.volume * rng.uniform(0.5, 1.5)))))
        for older in use.versions[:-1]:  # older versions linger on part of the days, with a smaller share
            if rng.random() < 0.5:
                out.append((use.client, older, use.operation, max(1, use.volume // 5)))
    return out


def day_batch(work: Workload, day: dt.date) -> Batch:
    """One day's usage as the request path would hold it: validated, signed and capped by the store's own buffer
    (one buffer per workload, so that each operation is signed once)."""
    if work.buffer is None:
        work.buffer = ObservationBuffer(Recorder(10**9), FixedClock(day), max_clients_per_day=1_000)
    batch = Batch()
    for client, version, index, count in day_uses(work, day):
        work.buffer.count(batch.add, ENDPOINT, work.deprecated_of[index], client, version, day, count, None,
                          work.operations[index])
    return batch


def _at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def write_day(engine: sa.Engine, work: Workload, day: dt.date, known: set[str]) -> tuple[int, float]:
    """One day's usage written by the store's writer in one transaction (as one flush holding the whole day
    would); (keys, seconds). ``known``: the signatures written before (updated)."""
    batch = day_batch(work, day)
    start = time.perf_counter()
    with engine.begin() as connection:
        write_batch(connection, batch, known_signatures=known, now=_at_noon(day))
    seconds = time.perf_counter() - start
    known.update(batch.signatures)
    known.update(batch.shapes)
    return len(batch), seconds


def fill(engine: sa.Engine, work: Workload, first: dt.date, days: int) -> int:
    """``days`` days of usage from ``first`` in bulk: the rows the writer would have written (the same keys, from
    the same buffer), inserted directly (days do not overlap: no upserts), then the derived daily counts rebuilt
    (``rebuild_daily_counts``) as ``store.py``'s fill does. The schema is registered on ``first`` by the store's
    own code. Returns the rows inserted."""
    with engine.begin() as connection:
        register_schema(connection, ENDPOINT, work.sdl, today=first)
    signatures: dict[str, tuple[frozenset[str], dt.date]] = {}
    shapes: dict[str, tuple[StoredOperation, dt.date]] = {}
    seen: dict[str, tuple[dt.date, dt.date]] = {}
    rows = 0
    with engine.begin() as connection:
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            batch = day_batch(work, day)
            for signature, coordinates in batch.signatures.items():
                signatures.setdefault(signature, (coordinates, day))
            for signature, operation in batch.shapes.items():
                shapes.setdefault(signature, (operation, day))
            per_coordinate: dict[str, int] = {}
            for (_endpoint, _day, _name, _version, signature), count in batch.operation_usage.items():
                for coordinate in batch.shapes[signature].shape.coordinates:
                    per_coordinate[coordinate] = per_coordinate.get(coordinate, 0) + count
            for coordinate in per_coordinate:
                known = seen.get(coordinate)
                seen[coordinate] = (day, day) if known is None else (known[0], day)
            tables = (
                (deprecation_usage, [dict(zip(_USAGE_KEY, key, strict=True), count=n) for key, n in batch.usage.items()]),
                (operation_usage, [dict(zip(_USAGE_KEY, key, strict=True), count=n)
                                   for key, n in batch.operation_usage.items()]),
                (coordinate_usage, [{"endpoint": ENDPOINT, "coordinate": c, "day": day, "count": n}
                                    for c, n in per_coordinate.items()]),
                (operation_totals, [dict(zip(_USAGE_KEY[:4], key, strict=True), count=n) for key, n in batch.totals.items()]),
            )
            for table, values in tables:
                for start in range(0, len(values), 20_000):
                    connection.execute(table.insert(), values[start:start + 20_000])
                rows += len(values)
        static = (
            (operation_signatures, [{"signature": s, "coordinate_count": len(c), "first_seen": d}
                                    for s, (c, d) in signatures.items()]),
            (signature_coordinates, [{"signature": s, "coordinate": c} for s, (cs, _) in signatures.items() for c in cs]),
            (operations, [{"signature": s, "kind": o.shape.kind, "name": o.shape.name,
                           "document_hash": o.shape.document_hash, "coordinate_count": len(o.shape.coordinates),
                           "first_seen": d} for s, (o, d) in shapes.items()]),
            (operation_coordinates, [{"signature": s, "coordinate": c, "deprecated": c in o.deprecated}
                                     for s, (o, _) in shapes.items() for c in o.shape.coordinates]),
            (coordinate_seen, [{"endpoint": ENDPOINT, "coordinate": c, "first_day": a, "last_day": b}
                               for c, (a, b) in seen.items()]),
        )
        for table, values in static:
            for start in range(0, len(values), 20_000):
                connection.execute(table.insert(), values[start:start + 20_000])
            rows += len(values)
        rebuild_daily_counts(connection)  # the daily counts and the client and operation summaries: as the writer keeps them
    return rows


_USAGE_KEY = ("endpoint", "day", "client_name", "client_version", "signature")


def changed_schema(work: Workload, seed: int = 5) -> tuple[str, list[str]]:
    """The schema after a change of the size a pull request makes: 12 fields of object types removed (3 of the most
    used, 3 of the middle, 3 unused, 3 deprecated: those go to the removal advisor) and an optional argument made
    required on 3 fields. Fields that implement an interface's are left alone (the schema stays valid). Returns
    (new SDL, the coordinates touched)."""
    from graphql import (
        GraphQLObjectType,
        NonNullTypeNode,
        ObjectTypeDefinitionNode,
        build_schema,
        is_non_null_type,
        parse,
        print_ast,
    )
    from graphql.pyutils import Undefined

    rng = random.Random(seed)
    schema = build_schema(work.sdl)
    roots = {"Query", "Mutation", "Subscription"}
    own_fields: list[str] = []
    optional_arguments: list[str] = []
    for name, named in sorted(schema.type_map.items()):
        if not isinstance(named, GraphQLObjectType) or name.startswith("__") or name in roots:
            continue
        inherited = {f for interface in named.interfaces for f in interface.fields}
        for field_name, f in named.fields.items():
            if field_name in inherited or field_name == "id":
                continue
            own_fields.append(f"{name}.{field_name}")
            optional_arguments += [f"{name}.{field_name}({a}:)" for a, arg in f.args.items()
                                   if not is_non_null_type(arg.type) and arg.default_value is Undefined]
    popularity: dict[str, int] = {}
    for shape in work.operations:
        for coordinate in shape.coordinates:
            popularity[coordinate] = popularity.get(coordinate, 0) + 1
    ranked = sorted((c for c in own_fields if popularity.get(c)), key=lambda c: (-popularity[c], c))
    unused = sorted(c for c in own_fields if not popularity.get(c) and c not in work.deprecated)
    deprecated = sorted(c for c in own_fields if c in work.deprecated)
    removed = ranked[:3] + rng.sample(ranked[len(ranked) // 3:], 3) + rng.sample(unused, 3) + rng.sample(deprecated, 3)
    required = rng.sample(optional_arguments, 3)
    document = parse(work.sdl)
    definitions = []
    for node in document.definitions:  # AST nodes are frozen (graphql-core 3.3): changed copies
        if isinstance(node, ObjectTypeDefinitionNode):
            type_name = node.name.value
            kept = []
            for f in node.fields or ():
                if f"{type_name}.{f.name.value}" in removed:
                    continue
                arguments = tuple(
                    replace(a, type=NonNullTypeNode(type=a.type))
                    if f"{type_name}.{f.name.value}({a.name.value}:)" in required else a
                    for a in f.arguments or ()
                )
                kept.append(replace(f, arguments=arguments) if arguments != tuple(f.arguments or ()) else f)
            node = replace(node, fields=tuple(kept))
        definitions.append(node)
    document = replace(document, definitions=tuple(definitions))
    return print_ast(document), removed + required
