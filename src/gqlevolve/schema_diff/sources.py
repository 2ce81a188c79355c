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
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gqlevolve.schema_diff.model import SchemaModel, model_from_graphql_schema
from gqlevolve.schema_diff.sdl_reader import Unsupported, read_sdl

__all__ = ["SchemaSource", "SchemaSourceError", "load_schema", "read_sdl_text"]

# A schema as the user gives it; see load_schema.
SchemaSource = Any

_SDL_SOURCE_NAME = "<SDL>"
# graphql-core rules whose errors we downgrade to warnings: repeated definitions inside a type.
_TOLERATED_RULES = (
    "UniqueFieldDefinitionNamesRule",
    "UniqueEnumValueNamesRule",
    "UniqueArgumentDefinitionNamesRule",
)


class SchemaSourceError(ValueError):
    """A schema that cannot be read: bad SDL (with line and column), bad JSON, an unreachable URL."""

    def __init__(self, message: str, *, source_name: str | None = None, line: int | None = None, column: int | None = None) -> None:
        self.source_name = source_name
        self.line = line
        self.column = column
        where = ""
        if source_name is not None:
            where = source_name if line is None else f"{source_name}:{line}:{column}"
        super().__init__(f"{where}: {message}" if where else message)


def load_schema(source: SchemaSource, *, headers: Mapping[str, str] | None = None) -> SchemaModel:
    """Turn ``source`` into the model the differ compares.

    ``source`` may be a :class:`SchemaModel`; a ``GraphQLSchema``; a Strawberry schema; an
    introspection result (a mapping with ``__schema``, optionally under ``data``); a
    :class:`~pathlib.Path` or a string naming a ``.graphql``/``.gql``/``.json`` file; an
    ``http(s)://`` URL (introspected with ``headers``); or SDL text.
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
            return load_introspection(_parse_json(stripped, _SDL_SOURCE_NAME))
        if "\n" not in stripped and len(stripped) < 4096 and _looks_like_path(stripped):
            return _load_file(Path(stripped))
        return read_sdl_text(source)
    if isinstance(source, Mapping):
        return load_introspection(source)
    if hasattr(source, "as_str") and hasattr(source, "_schema"):  # a Strawberry schema
        # Its printer keeps the directives applied to types and fields, which GraphQLSchema drops.
        return read_sdl_text(source.as_str(), source_name="<Strawberry schema>")
    from graphql import GraphQLSchema

    if isinstance(source, GraphQLSchema):
        return model_from_graphql_schema(source)
    raise TypeError(
        f"cannot read a schema from {type(source).__name__}: give SDL text, a file path, an introspection "
        "result, a GraphQLSchema, a Strawberry schema or a URL"
    )


def read_sdl_text(text: str, *, source_name: str = _SDL_SOURCE_NAME) -> SchemaModel:
    try:
        return read_sdl(text)
    except (Unsupported, IndexError):
        return _read_sdl_with_graphql_core(text, source_name)


def _read_sdl_with_graphql_core(text: str, source_name: str) -> SchemaModel:
    from graphql import GraphQLError, GraphQLSyntaxError, Source, build_ast_schema, parse
    from graphql.validation.specified_rules import specified_sdl_rules
    from graphql.validation.validate import validate_sdl

    try:
        document = parse(Source(text, source_name))
    except GraphQLSyntaxError as error:
        raise _source_error(error, source_name) from None
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
    model.warnings.extend(warnings)
    return model


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


def load_introspection(result: Mapping[str, Any]) -> SchemaModel:
    """An introspection result: ``{"__schema": ...}`` or a whole response ``{"data": {"__schema": ...}}``."""
    from graphql import GraphQLError, build_client_schema

    data = result.get("data", result) if "__schema" not in result else result
    if not isinstance(data, Mapping) or "__schema" not in data:
        errors = result.get("errors")
        detail = f": {errors}" if errors else ""
        raise SchemaSourceError(f"not an introspection result (no __schema){detail}")
    try:
        return model_from_graphql_schema(build_client_schema(data))  # type: ignore[arg-type]
    except (GraphQLError, TypeError, KeyError) as error:
        raise SchemaSourceError(f"invalid introspection result: {error}") from None


def load_url(url: str, *, headers: Mapping[str, str] | None = None) -> SchemaModel:
    """Introspect a GraphQL endpoint over HTTP (POST, JSON)."""
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
    return load_introspection(_parse_json(response.text, url))


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
        return load_introspection(_parse_json(text, str(path)))
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
