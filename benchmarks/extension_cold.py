"""The cold path of the DeprecationUsage monitor, and its memory under many distinct documents (issue 13, point 6).

1. **A new document** (a cache miss): what the monitor costs on the first request of a document it has not seen
   (the analysis: every coordinate the operation uses, its shape and hash; the plan; the count), against what
   Strawberry itself spends on the same request before executing it: ``parse`` and ``validate`` (graphql-core's
   rules and Strawberry's two). Measured interleaved, document by document, each made new by a comment (the
   analysis cache is keyed by the text), medians of the thread's CPU time.
2. **20,000 distinct documents**: a server that sees that many different operations (different names and
   selections, so different shapes in the store too) keeps its memory bounded: the process' RSS is reported
   every 5,000 documents and then after 20,000 more, with what the analysis cache holds (it is bounded in
   entries and bytes; the store's inbox is drained and flushed as the flusher does).

On GitHub's public schema (1,600 types, 150 deprecated elements) when ``benchmarks/data/github-schema.graphql.gz``
is there (``octokit/graphql-schema``, MIT; graphql-core 3.3 refuses 12 deprecations of implementation fields
whose interface field is not deprecated: those 12 are lifted), else on a synthetic schema of the same size
(``--synthetic``).

    python benchmarks/extension_cold.py                 # both measurements (a couple of minutes)
    python benchmarks/extension_cold.py --quick         # a few documents (smoke test)
"""

from __future__ import annotations

import argparse
import gc
import gzip
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, build_schema, parse, specified_rules, validate_schema
from strawberry.schema.schema import validate_document

from gqlevolve import UsageStore
from gqlevolve.monitor import DeprecationMonitor

HERE = Path(__file__).resolve().parent
GITHUB_SCHEMA = HERE / "data" / "github-schema.graphql.gz"
ENDPOINT = "/api/v1/graphql"
RULES = tuple(specified_rules)  # Strawberry's default validation rules (validate_document adds its own two)

# Operations a GitHub client sends: a small one, a list with a fragment and variables, a large dashboard, and one
# that uses deprecated fields (Repository.projects, PullRequest.databaseId).
GITHUB_DOCUMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "small": ("query Viewer { viewer { login name avatarUrl(size: 64) } }", {}),
    "issues": (
        """query RepoIssues($owner: String!, $name: String!, $first: Int = 20, $states: [IssueState!]) {
          repository(owner: $owner, name: $name) {
            id nameWithOwner description stargazerCount forkCount isPrivate
            issues(first: $first, states: $states, orderBy: {field: CREATED_AT, direction: DESC}) {
              totalCount
              pageInfo { hasNextPage endCursor }
              nodes { ...IssueFields }
            }
          }
        }
        fragment IssueFields on Issue {
          id number title createdAt state
          author { login ... on User { name } }
          labels(first: 10) { nodes { name color } }
          comments { totalCount }
        }""",
        {"owner": "octokit", "name": "graphql-schema", "states": ["OPEN"]},
    ),
    "dashboard": (
        """query PullRequests($owner: String!, $name: String!) {
          repository(owner: $owner, name: $name) {
            pullRequests(first: 50, states: [OPEN]) {
              nodes {
                id number title isDraft mergeable additions deletions changedFiles createdAt
                author { login avatarUrl }
                headRef { name target { oid ... on Commit { messageHeadline statusCheckRollup { state } } } }
                reviews(first: 20) { nodes { state submittedAt author { login } } }
                reviewRequests(first: 10) {
                  nodes { requestedReviewer { ... on User { login } ... on Team { name slug } } }
                }
                commits(last: 1) { nodes { commit { oid committedDate } } }
                labels(first: 10) { nodes { name color } }
                timelineItems(first: 20, itemTypes: [ISSUE_COMMENT, LABELED_EVENT]) {
                  nodes {
                    __typename
                    ... on IssueComment { body createdAt author { login } }
                    ... on LabeledEvent { createdAt label { name } }
                  }
                }
              }
            }
          }
        }""",
        {"owner": "octokit", "name": "graphql-schema"},
    ),
    "deprecated": (
        """query Legacy($owner: String!, $name: String!) {
          repository(owner: $owner, name: $name) {
            projects(first: 5) { nodes { name } }
            pullRequests(first: 5) { nodes { databaseId title } }
          }
        }""",
        {"owner": "octokit", "name": "graphql-schema"},
    ),
}


def github_schema() -> GraphQLSchema:
    """GitHub's public schema, as graphql-core 3.3 accepts it."""
    with gzip.open(GITHUB_SCHEMA, "rt", encoding="utf-8") as sdl:
        # The SDL repeats two fields of EnterpriseOwnerInfo word for word: taken once (assume_valid_sdl).
        schema = build_schema(sdl.read(), assume_valid_sdl=True)
    for _ in range(2):
        errors = validate_schema(schema)
        if not errors:
            return schema
        for error in errors:  # "... so implementation field Project.id must not be deprecated."
            type_name, field_name = error.message.rsplit("implementation field ", 1)[1].split(" ")[0].split(".")
            schema.type_map[type_name].fields[field_name].deprecation_reason = None  # type: ignore[attr-defined]
        schema._validation_errors = None  # validated again with the change
    raise SystemExit(f"GitHub's schema does not validate: {validate_schema(schema)[:3]}")


def synthetic_schema(types: int = 1_600) -> tuple[GraphQLSchema, dict[str, tuple[str, dict[str, Any]]]]:
    """A schema of GitHub's size (object types of 20 fields, connections with arguments, one field in 10
    deprecated) and documents of the same three sizes on it."""
    rng = random.Random(13)
    lines = ["enum Order { ASC DESC }", "input Page { first: Int after: String order: Order }"]
    for number in range(types):
        fields = ["id: ID!", f"name{number}: String"]
        for field in range(18):
            target = rng.randrange(types)
            deprecated = ' @deprecated(reason: "old")' if field % 10 == 9 else ""
            if field % 3 == 0:
                fields.append(f"f{field}(page: Page, filter: String): [T{target}!]{deprecated}")
            else:
                fields.append(f"f{field}: T{target}{deprecated}")
        lines.append(f"type T{number} {{ {' '.join(fields)} }}")
    lines.append("type Query { root(id: ID!): T0 node(id: ID!): T1 }")
    schema = build_schema("\n".join(lines))

    def selection(type_number: int, depth: int, width: int) -> str:
        object_type = schema.type_map[f"T{type_number}"]
        parts = ["id"]
        for name, field in list(object_type.fields.items())[2 : 2 + width]:  # type: ignore[attr-defined]
            target = int(str(field.type).strip("[]!")[1:])
            args = "(page: {first: 10, order: ASC})" if field.args else ""
            parts.append(f"{name}{args} {{ {selection(target, depth - 1, width)} }}" if depth else f"{name}{args} {{ id }}")
        return " ".join(parts)

    documents = {
        "small": ("query Small { root(id: 1) { id name0 } }", {}),
        "issues": ("query Medium($id: ID!) { root(id: $id) { " + selection(0, 2, 6) + " } }", {"id": "1"}),
        "dashboard": ("query Large($id: ID!) { root(id: $id) { " + selection(0, 3, 7) + " } }", {"id": "1"}),
    }
    return schema, documents


def rss_bytes() -> int:
    """The process' resident set size now (Linux: /proc/self/statm), in bytes."""
    import os

    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cold_path(
    schema: GraphQLSchema, documents: dict[str, tuple[str, dict[str, Any]]], monitor: DeprecationMonitor, count: int
) -> None:
    print(f"A new document (analysis on a cache miss) against Strawberry's parse + validate, {count} documents each "
          "(medians, interleaved)")
    for title, (query, variables) in documents.items():
        strawberry_ns: list[int] = []
        monitor_ns: list[int] = []
        # The thread's CPU time: on a shared machine a request of tens of milliseconds is preempted, and its wall
        # time counts the others' work (measured here: 32 ms of wall time for 4 ms of CPU under a load of 8).
        clock = time.thread_time_ns
        for number in range(count + 5):
            text = f"{query}\n# {number}"  # a new text: a new key for the analysis cache
            start = clock()
            document = parse(text)
            errors = validate_document(schema, document, RULES)
            middle = clock()
            monitor.observe(schema, text, document, None, variables, endpoint=ENDPOINT, client_name="bench")
            end = clock()
            assert not errors, errors
            if number >= 5:  # the first few warm the schema's index and the endpoint's records
                strawberry_ns.append(middle - start)
                monitor_ns.append(end - middle)
        parse_validate, analysis = statistics.median(strawberry_ns) / 1e3, statistics.median(monitor_ns) / 1e3
        print(f"    {title:<10} Strawberry parse + validate {parse_validate:8.0f} µs   monitor, first request "
              f"{analysis:8.0f} µs   ({analysis / parse_validate:.2f} of it; the request costs "
              f"{(parse_validate + analysis) / parse_validate:.2f}x its parse + validate)")
        hit = []
        text = f"{query}\n# 0"
        document = parse(text)
        for _ in range(200):
            start = clock()
            monitor.observe(schema, text, document, None, variables, endpoint=ENDPOINT, client_name="bench")
            hit.append(clock() - start)
        print(f"    {'':<10} the same document again (a hit): {statistics.median(hit) / 1e3:.1f} µs")


def distinct_documents(documents: dict[str, tuple[str, dict[str, Any]]], number: int) -> tuple[str, str, dict[str, Any]]:
    """The ``number``-th distinct operation: one of the documents under a name of its own (its own shape, hash and
    store signature)."""
    query, variables = list(documents.values())[number % len(documents)]
    name = f"Op{number}"
    return name, re.sub(r"^query \w+", f"query {name}", query), variables


def memory(
    schema: GraphQLSchema, documents: dict[str, tuple[str, dict[str, Any]]], monitor: DeprecationMonitor,
    store: UsageStore, total: int,
) -> None:
    print(f"Memory: {total:,} distinct documents (each its own operation name and shape), then {total:,} more; "
          "RSS of the process")
    gc.collect()
    before = rss_bytes()
    print(f"    before             RSS {before / 2**20:7.1f} MiB")
    step = max(total // 4, 1)
    started = time.perf_counter()
    for number in range(2 * total):
        name, text, variables = distinct_documents(documents, number)
        document = parse(text)  # the cold path's documents, renamed: valid (Strawberry's validation is not ours)
        monitor.observe(schema, text, document, name, variables, endpoint=ENDPOINT, client_name=f"client-{number % 50}")
        if (number + 1) % 1_000 == 0:
            store.flush()  # what the flusher thread does every few seconds
        if (number + 1) % step == 0:
            gc.collect()
            cache = monitor.analyses
            print(f"    after {number + 1:>6,} docs  RSS {rss_bytes() / 2**20:7.1f} MiB  (+{(rss_bytes() - before) / 2**20:5.1f})"
                  f"   analysis cache: {len(cache):,} entries, {cache.bytes / 2**20:.1f} MiB"
                  f"   {(time.perf_counter() - started) / (number + 1) * 1e3:.2f} ms a document")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few documents (smoke test)")
    parser.add_argument("--synthetic", action="store_true", help="a synthetic schema even if GitHub's is there")
    parser.add_argument("--documents", type=int, default=20_000, help="distinct documents for the memory figure")
    parser.add_argument("--only", choices=("cold", "memory"), help="one of the two measurements")
    options = parser.parse_args(argv)
    if GITHUB_SCHEMA.exists() and not options.synthetic:
        schema, documents, source = github_schema(), GITHUB_DOCUMENTS, "GitHub's public schema"
    else:
        schema, documents = synthetic_schema()
        source = "a synthetic schema of GitHub's size (no benchmarks/data/github-schema.graphql.gz)"
    print(f"{source}: {len(schema.type_map):,} types")
    count, total = (20, 200) if options.quick else (300, options.documents)
    with tempfile.TemporaryDirectory() as folder:
        store = UsageStore(f"sqlite:///{folder}/cold.db", flush_interval=3600)
        monitor = DeprecationMonitor(store)
        monitor.start(schema, ENDPOINT)
        try:
            if options.only != "memory":
                cold_path(schema, documents, monitor, count)
            if options.only != "cold":
                memory(schema, documents, monitor, store, total)
        finally:
            monitor.close()
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
