"""Load a schema from whatever the user has: SDL text or file, introspection JSON, a graphql-core
``GraphQLSchema``, a Strawberry schema, or an endpoint URL.

    >>> load_schema("type Query { ok: Boolean }").types["Query"].fields["ok"].type
    'Boolean'
    >>> load_schema("type Query { ok: Boolen }")
    Traceback (most recent call last):
    ...
    gqlevolve.schema_diff.sources.SchemaSourceError: <SDL>:1:18: Unknown type 'Boolen'. Did you mean 'Boolean'?

SDL goes through the fast reader (:mod:`.sdl_reader`) first; what it leaves (``extend``, errors)
is read by graphql-core, whose errors carry a line and column. Definitions repeated inside a type
(a field defined twice, as in GitHub's public schema) are read with a warning, the last
definition winning, as graphql-core's ``build_ast_schema`` does when told the SDL is valid.

Only a schema is accepted as one: a document that is empty (0 bytes, white space or comments
only, as a truncated snapshot is), holds an operation or a fragment, holds only extensions, or
has no query root type (a ``Query`` object type, or the one ``schema { query: X }`` names) is
refused with :class:`NotASchema`, naming the source and what is wrong; so is an introspection
result without ``__schema`` (or with an empty one, or without ``queryType``). A CI gate can then
never pass on nothing.

    >>> load_schema("query { a }")
    Traceback (most recent call last):
    ...
    gqlevolve.schema_diff.sources.NotASchema: <SDL>: not a GraphQL schema: it holds an operation (query { a }), not type definitions
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gqlevolve.errors import InvalidInput
from gqlevolve.schema_diff.model import SchemaModel, TypeKind, model_from_graphql_schema
from gqlevolve.schema_diff.sdl_reader import Unsupported, read_sdl

if TYPE_CHECKING:
    from graphql import GraphQLSchema

__all__ = [
    "NotASchema",
    "SchemaSource",
    "SchemaSourceError",
    "introspect_url",
    "load_graphql_schema",
    "load_schema",
    "read_sdl_text",
]

# A schema as the user gives it; see load_schema.
SchemaSource = Any

_SDL_SOURCE_NAME = "<SDL>"
_JSON_SOURCE_NAME = "<JSON>"
# What GraphQL ignores between tokens, besides comments: white space, line breaks (split first), commas, a BOM.
_IGNORED = " \t,\ufeff"
_LINE_BREAK = re.compile(r"\r\n|[\n\r]")
_EXCERPT_LENGTH = 40
# graphql-core rules whose errors we downgrade to warnings: repeated definitions inside a type.
_TOLERATED_RULES = (
    "UniqueFieldDefinitionNamesRule",
    "UniqueEnumValueNamesRule",
    "UniqueArgumentDefinitionNamesRule",
)


class SchemaSourceError(InvalidInput):
    """A schema that cannot be read: bad SDL (with line and column), bad JSON, an unreachable URL.

    Invalid input (:class:`~gqlevolve.errors.InvalidInput`, a ``ValueError``)."""

    def __init__(self, message: str, *, source_name: str | None = None, line: int | None = None, column: int | None = None) -> None:
        self.source_name = source_name
        self.line = line
        self.column = column
        where = ""
        if source_name is not None:
            where = source_name if line is None else f"{source_name}:{line}:{column}"
        super().__init__(f"{where}: {message}" if where else message)


class NotASchema(SchemaSourceError):
    """A document (or introspection result) given as a schema that is not one; ``reason`` says why.

    A :class:`SchemaSourceError` and an :class:`~gqlevolve.errors.InvalidInput` (so a ``ValueError``).

    The message is ``<source>: not a GraphQL schema: <reason>``, the reason one of ``it is empty``
    (``(white space only)``, ``(comments only)``), ``it holds an operation (query { a }), not type
    definitions`` (or a fragment; ``besides type definitions``, with its line, when there are some),
    ``it holds only extensions``, ``it defines no Query type``, ``its schema definition names no query
    root type``, ``its query root type Query is an interface, not an object type``, or for
    introspection JSON ``it is an empty JSON object``, ``it is not an introspection result (no
    __schema)``, ``its __schema is empty``.
    """

    def __init__(self, reason: str, *, source_name: str | None = None, line: int | None = None, column: int | None = None) -> None:
        self.reason = reason
        super().__init__(f"not a GraphQL schema: {reason}", source_name=source_name, line=line, column=column)


def load_schema(
    source: SchemaSource, *, headers: Mapping[str, str] | None = None, source_name: str | None = None
) -> SchemaModel:
    """Turn ``source`` into the model the differ compares.

    ``source`` may be a :class:`SchemaModel`; a ``GraphQLSchema``; a Strawberry schema; an
    introspection result (a mapping with ``__schema``, optionally under ``data``); a
    :class:`~pathlib.Path` or a string naming a ``.graphql``/``.gql``/``.json`` file; an
    ``http(s)://`` URL (introspected with ``headers``); or SDL text. Anything that is not a schema
    (empty, comments only, an operation, no ``Query`` type...) raises :class:`NotASchema`; other
    unreadable input :class:`SchemaSourceError`. ``source_name`` names text, an introspection result
    or a schema object in errors (a file or URL names itself).
    """
    if isinstance(source, SchemaModel):
        return source
    if isinstance(source, Path):
        return _load_file(source)
    if isinstance(source, str):
        stripped = source.strip()
        if stripped.startswith(("http://", "https://")) and "\n" not in stripped:
            return load_url(stripped, headers=headers)
        if stripped.startswith("{"):
            name = source_name or _JSON_SOURCE_NAME
            return load_introspection(_parse_json(stripped, name), source_name=name)
        if "\n" not in stripped and len(stripped) < 4096 and _looks_like_path(stripped):
            return _load_file(Path(stripped))
        return read_sdl_text(source, source_name=source_name or _SDL_SOURCE_NAME)
    if isinstance(source, Mapping):
        return load_introspection(source, source_name=source_name or "<introspection result>")
    if hasattr(source, "as_str") and hasattr(source, "_schema"):  # a Strawberry schema
        # Its printer keeps the directives applied to types and fields, which GraphQLSchema drops.
        return read_sdl_text(source.as_str(), source_name=source_name or "<Strawberry schema>")
    from graphql import GraphQLSchema

    if isinstance(source, GraphQLSchema):
        model = model_from_graphql_schema(source)
        _require_query_root(model, source_name or "<GraphQLSchema>")
        return model
    raise TypeError(
        f"cannot read a schema from {type(source).__name__}: give SDL text, a file path, an introspection "
        "result, a GraphQLSchema, a Strawberry schema or a URL"
    )


def read_sdl_text(text: str, *, source_name: str = _SDL_SOURCE_NAME) -> SchemaModel:
    """SDL text as a model; :class:`NotASchema` when it is not a schema, :class:`SchemaSourceError` when invalid.

    The fast reader accepts only schemas (with a query root type); everything else, the documents
    that are not schemas included, goes to graphql-core, which builds the schema or says what is wrong.
    """
    try:
        return read_sdl(text)
    except (Unsupported, IndexError):
        return _read_sdl_with_graphql_core(text, source_name)


def _read_sdl_with_graphql_core(text: str, source_name: str) -> SchemaModel:
    from graphql import GraphQLError, GraphQLSyntaxError, SchemaDefinitionNode, Source, build_ast_schema, parse
    from graphql.validation.specified_rules import specified_sdl_rules
    from graphql.validation.validate import validate_sdl

    _refuse_empty(text, source_name)
    try:
        document = parse(Source(text, source_name))
    except GraphQLSyntaxError as error:
        raise _source_error(error, source_name) from None
    _refuse_non_type_system(document, text, source_name)
    tolerated = [rule for rule in specified_sdl_rules if rule.__name__ in _TOLERATED_RULES]
    strict = [rule for rule in specified_sdl_rules if rule.__name__ not in _TOLERATED_RULES]
    errors = validate_sdl(document, rules=strict)
    if errors:
        raise _source_error(errors[0], source_name, more=len(errors) - 1)
    warnings = [_located(error, source_name) for error in validate_sdl(document, rules=tolerated)]
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as error:
        raise SchemaSourceError(str(error), source_name=source_name) from None
    model = model_from_graphql_schema(schema)
    if any(isinstance(definition, SchemaDefinitionNode) for definition in document.definitions):
        _require_query_root(model, source_name, missing="its schema definition names no query root type")
    else:
        _require_query_root(model, source_name)
    model.warnings.extend(warnings)
    return model


def _refuse_empty(text: str, source_name: str) -> None:
    """:class:`NotASchema` for a text without a token: 0 bytes, white space (and commas) or comments only."""
    comments = False
    for line in _LINE_BREAK.split(text):
        rest = line.lstrip(_IGNORED)
        if not rest:
            continue
        if rest[0] != "#":
            return
        comments = True
    if comments:
        reason = "it is empty (comments only)"
    else:
        reason = "it is empty (white space only)" if text else "it is empty"
    raise NotASchema(reason, source_name=source_name)


def _refuse_non_type_system(document: Any, text: str, source_name: str) -> None:
    """:class:`NotASchema` for a document with an operation or a fragment, or with only extensions."""
    from graphql import (
        ExecutableDefinitionNode,
        OperationDefinitionNode,
        SchemaExtensionNode,
        TypeExtensionNode,
        TypeSystemDefinitionNode,
    )

    definitions = document.definitions
    executable = [definition for definition in definitions if isinstance(definition, ExecutableDefinitionNode)]
    if executable:
        first = executable[0]
        what = "an operation" if isinstance(first, OperationDefinitionNode) else "a fragment"
        excerpt = _excerpt(text, first)
        if len(executable) == len(definitions):
            raise NotASchema(f"it holds {what} ({excerpt}), not type definitions", source_name=source_name)
        start = first.loc.start_token if first.loc is not None else None
        raise NotASchema(
            f"it holds {what} ({excerpt}) besides its type definitions",
            source_name=source_name,
            line=start.line if start is not None else None,
            column=start.column if start is not None else None,
        )
    extensions = (TypeExtensionNode, SchemaExtensionNode)  # graphql-core's TypeExtensionNode is a TypeSystemDefinitionNode
    if not any(
        isinstance(definition, TypeSystemDefinitionNode) and not isinstance(definition, extensions)
        for definition in definitions
    ):
        excerpt = _excerpt(text, definitions[0])
        raise NotASchema(f"it holds only extensions ({excerpt}), no type definitions to extend", source_name=source_name)


def _excerpt(text: str, node: Any) -> str:
    """The start of a definition's text, on one line."""
    if node.loc is None:
        return type(node).__name__
    excerpt = " ".join(text[node.loc.start : node.loc.end].split())
    return excerpt if len(excerpt) <= _EXCERPT_LENGTH else excerpt[: _EXCERPT_LENGTH - 3].rstrip() + "..."


_KIND_NAMES = {
    TypeKind.SCALAR: "a scalar",
    TypeKind.INTERFACE: "an interface",
    TypeKind.UNION: "a union",
    TypeKind.ENUM: "an enum",
    TypeKind.INPUT_OBJECT: "an input type",
}


def _require_query_root(model: SchemaModel, source_name: str | None, *, missing: str = "it defines no Query type") -> None:
    """:class:`NotASchema` unless the model has a query root type that is an object type (the spec's rule)."""
    if model.query is None:
        raise NotASchema(missing, source_name=source_name)
    root = model.types.get(model.query)
    if root is None or root.kind is not TypeKind.OBJECT:
        kind = "a scalar" if root is None else _KIND_NAMES[root.kind]
        raise NotASchema(f"its query root type {model.query} is {kind}, not an object type", source_name=source_name)


def _source_error(error: Any, source_name: str, *, more: int = 0) -> SchemaSourceError:
    line = column = None
    if error.locations:
        line, column = error.locations[0].line, error.locations[0].column
    message = error.message + (f" (and {more} more errors)" if more else "")
    return SchemaSourceError(message, source_name=source_name, line=line, column=column)


def _located(error: Any, source_name: str) -> str:
    if error.locations:
        location = error.locations[-1]
        return f"{source_name}:{location.line}:{location.column}: {error.message}"
    return f"{source_name}: {error.message}"


def load_introspection(result: Mapping[str, Any], *, source_name: str | None = None) -> SchemaModel:
    """An introspection result: ``{"__schema": ...}`` or a whole response ``{"data": {"__schema": ...}}``.

    Without ``__schema`` (``{}``, a response with only ``errors``), with an empty one, or without a
    ``queryType``, it is not a schema: :class:`NotASchema`, naming ``source_name``.
    """
    from graphql import GraphQLError, build_client_schema

    if not isinstance(result, Mapping):
        kind = {list: "a JSON array", str: "a JSON string", bool: "a JSON boolean", type(None): "JSON null"}.get(
            type(result), "a JSON number"
        )
        raise NotASchema(f"it is {kind}, not an introspection result (an object with __schema)", source_name=source_name)
    if not result:
        raise NotASchema("it is an empty JSON object, not an introspection result (no __schema)", source_name=source_name)
    data = result.get("data", result) if "__schema" not in result else result
    if not isinstance(data, Mapping) or "__schema" not in data:
        errors = result.get("errors")
        detail = f": {errors}" if errors else ""
        raise NotASchema(f"it is not an introspection result (no __schema){detail}", source_name=source_name)
    if not data["__schema"]:
        raise NotASchema("its __schema is empty", source_name=source_name)
    try:
        model = model_from_graphql_schema(build_client_schema(data))  # type: ignore[arg-type]
    except (GraphQLError, TypeError, KeyError, AttributeError) as error:
        raise SchemaSourceError(f"invalid introspection result: {error}", source_name=source_name) from None
    _require_query_root(model, source_name, missing="it defines no Query type (its __schema has no queryType)")
    return model


def load_url(url: str, *, headers: Mapping[str, str] | None = None) -> SchemaModel:
    """Introspect a GraphQL endpoint over HTTP (POST, JSON)."""
    return load_introspection(introspect_url(url, headers=headers), source_name=url)


def introspect_url(url: str, *, headers: Mapping[str, str] | None = None) -> Any:
    """The introspection result of a GraphQL endpoint (POST, JSON), parsed; :class:`SchemaSourceError` if none."""
    import httpx
    from graphql import get_introspection_query

    query = get_introspection_query(
        descriptions=True, specified_by_url=True, directive_is_repeatable=True, input_value_deprecation=True
    )
    try:
        response = httpx.post(url, json={"query": query}, headers=dict(headers or {}), timeout=30.0, follow_redirects=True)
    except httpx.HTTPError as error:
        raise SchemaSourceError(f"cannot introspect {url}: {error}") from None
    if response.status_code != 200:
        raise SchemaSourceError(f"cannot introspect {url}: HTTP {response.status_code} {response.text[:200]}")
    return _parse_json(response.text, url)


def load_graphql_schema(
    source: SchemaSource, *, headers: Mapping[str, str] | None = None, source_name: str | None = None
) -> GraphQLSchema:
    """``source`` (as for :func:`load_schema`, a :class:`SchemaModel` excepted) as a graphql-core schema, to
    validate operations against. It is checked by :func:`load_schema` first, so what is not a schema is refused
    with the same reasons (:class:`NotASchema`, :class:`SchemaSourceError`)."""
    from graphql import GraphQLSchema, build_client_schema, build_schema

    if isinstance(source, GraphQLSchema):
        return source
    if hasattr(source, "as_str") and hasattr(source, "_schema"):  # a Strawberry schema
        return source._schema  # type: ignore[no-any-return]
    if isinstance(source, str) and source.strip().startswith(("http://", "https://")) and "\n" not in source.strip():
        url = source.strip()
        source, source_name = introspect_url(url, headers=headers), url
    elif isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source.strip() and len(source) < 4096 and _looks_like_path(source.strip())
    ):
        path = Path(source.strip()) if isinstance(source, str) else source
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise SchemaSourceError(f"cannot read {path}: {error.strerror or error}") from None
        source_name = str(path)
        source = _parse_json(text, source_name) if path.suffix.lower() == ".json" and text.strip() else text
    if isinstance(source, str) and source.strip().startswith("{"):
        source = _parse_json(source.strip(), source_name or _JSON_SOURCE_NAME)
    load_schema(source, source_name=source_name)  # refuses what is not a schema, with the reason
    if isinstance(source, Mapping):
        data = source.get("data", source) if "__schema" not in source else source
        return build_client_schema(data)  # type: ignore[arg-type]
    return build_schema(source, assume_valid_sdl=True)


def parse_headers(values: Sequence[str]) -> dict[str, str]:
    """``--header "Name: value"`` options as a mapping."""
    headers = {}
    for value in values:
        name, separator, content = value.partition(":")
        if not separator or not name.strip():
            raise SchemaSourceError(f"--header {value!r}: expected 'Name: value'")
        headers[name.strip()] = content.strip()
    return headers


def _load_file(path: Path) -> SchemaModel:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SchemaSourceError(f"cannot read {path}: {error.strerror or error}") from None
    if path.suffix.lower() == ".json":
        if not text.strip():
            raise NotASchema("it is empty" if not text else "it is empty (white space only)", source_name=str(path))
        return load_introspection(_parse_json(text, str(path)), source_name=str(path))
    return read_sdl_text(text, source_name=str(path))


def _parse_json(text: str, source_name: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise SchemaSourceError(f"invalid JSON: {error}", source_name=source_name) from None


def _looks_like_path(text: str) -> bool:
    """A one-line string that names a file (or clearly tries to) rather than holding SDL."""
    if text.endswith((".graphql", ".graphqls", ".gql", ".sdl", ".json")):
        return True
    return "{" not in text and Path(text).is_file()
