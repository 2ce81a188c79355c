"""A fast reader for schema SDL: text straight to a :class:`SchemaModel`, without graphql-core.

graphql-core's ``parse`` builds a full AST (a node, a location and a token per element) and takes
about 0.5 s for GitHub's 1.2 MB schema; ``build_ast_schema`` adds 0.2 s and importing graphql-core
0.2 s more. This reader splits the text into tokens with one regular expression and reads the
type system definitions with a small recursive-descent parser into the model the differ
compares, several times faster.

It handles what schema files hold (type, interface, union, enum, input, scalar, directive and
schema definitions, descriptions, applied directives). Anything else (``extend``, an executable
definition, a syntax error, an unknown type, an escape it does not know, ``@oneOf`` outside an
input object) raises
:class:`Unsupported`, and :mod:`.sources` reads the text again with graphql-core, which either
builds the schema or reports the error with its line and column. So this reader never has to be
complete, only right for what it accepts: ``tests/test_schema_diff_sdl_reader.py`` checks that its
model equals graphql-core's on our SDL and on the GitHub corpus.

It accepts only schemas: a document with no definition (empty, white space or comments only) or
without a query root type (no ``Query`` type and no ``schema { query: ... }``) raises
:class:`Unsupported` too, and :mod:`.sources` refuses it with the reason (``NotASchema``), as it
refuses operations and fragments, so both readers refuse the same inputs.

    >>> model = read_sdl('type Query { "Who" me: User } type User { name: String @deprecated }')
    >>> model.types["User"].fields["name"].deprecation
    'No longer supported'
"""

from __future__ import annotations

import json
import re

from gqlevolve.schema_diff.model import (
    BUILT_IN_SCALARS,
    DEFAULT_DEPRECATION_REASON,
    SPECIFIED_DIRECTIVES,
    AppliedDirective,
    DirectiveDefinition,
    EnumValue,
    Field,
    InputValue,
    NamedType,
    SchemaModel,
    TypeKind,
)
from gqlevolve.schema_diff.values import print_string, sorted_object_fields

__all__ = ["Unsupported", "read_sdl"]


class Unsupported(Exception):
    """The text holds something this reader does not read; graphql-core will."""


# One token per match. The last alternative takes any other character, so nothing but white
# space and commas (insignificant in GraphQL) is ever skipped silently; such a token is then
# unexpected wherever it appears.
_TOKEN = re.compile(
    r'"""(?:[^"\\]+|\\"""|\\|"(?!""))*"""'  # block string
    r'|"(?:[^"\\\n\r]+|\\.)*"'  # string
    r"|[_A-Za-z][_0-9A-Za-z]*"  # name
    r"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![_A-Za-z0-9.])"  # number
    r"|-?[0-9][_0-9A-Za-z.]*"  # not a number: the value check below refuses it
    r"|#[^\n\r]*"  # comment
    r"|[^\s,]"  # punctuator, or a character that is not allowed here
)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LINE_BREAK = re.compile(r"\r\n|[\n\r]")
_TYPE_KEYWORDS = {
    "type": TypeKind.OBJECT,
    "interface": TypeKind.INTERFACE,
    "union": TypeKind.UNION,
    "enum": TypeKind.ENUM,
    "input": TypeKind.INPUT_OBJECT,
    "scalar": TypeKind.SCALAR,
}
_END = ""  # the token after the last one
_NO_TYPE = NamedType(name="", kind=TypeKind.SCALAR)  # what a root type that is not defined counts as


def read_sdl(text: str) -> SchemaModel:
    """Read SDL text; raise :class:`Unsupported` for anything to leave to graphql-core."""
    tokens = _TOKEN.findall(text)
    if "#" in text:
        tokens = [token for token in tokens if token[0] != "#"]
    tokens.append(_END)
    return _Reader(tokens).read()


def _cook_string(token: str) -> str:
    """The value of a string token (with its quotes)."""
    if len(token) < 2 or token[-1] != '"':
        raise Unsupported("unterminated string")
    if token[1] == '"' and len(token) >= 6 and token[2] == '"':
        return _cook_block_string(token[3:-3])
    if "\\" not in token:
        return token[1:-1]
    if "\\u{" in token:
        raise Unsupported("variable-width unicode escape")
    try:
        return str(json.loads(token, strict=False))
    except ValueError as error:
        raise Unsupported(f"string escape: {error}") from None


def _cook_block_string(raw: str) -> str:
    """The GraphQL spec's BlockStringValue(): common indentation and blank edge lines removed."""
    if '\\"""' in raw:
        raw = raw.replace('\\"""', '"""')
    if "\n" not in raw and "\r" not in raw:
        return raw if raw.strip(" \t") else ""
    lines = _LINE_BREAK.split(raw)
    common_indent = None
    first = None
    last = -1
    for index, line in enumerate(lines):
        stripped = line.lstrip(" \t")
        if not stripped:
            continue
        if first is None:
            first = index
        last = index
        if index:
            indent = len(line) - len(stripped)
            if common_indent is None or indent < common_indent:
                common_indent = indent
    if first is None:
        return ""
    if common_indent:
        lines = [lines[0]] + [line[common_indent:] for line in lines[1:]]
    return "\n".join(lines[first : last + 1])


class _Reader:
    """Recursive descent over the token list; ``self.pos`` is the index of the next token."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.types: dict[str, NamedType] = {}
        self.directives: dict[str, DirectiveDefinition] = {}
        self.roots: dict[str, str] | None = None
        self.schema_description: str | None = None
        self.schema_directives: tuple[AppliedDirective, ...] = ()
        self.warnings: list[str] = []
        self.referenced: set[str] = set()  # named types used by fields, arguments, members...
        self.used_directives: set[str] = set()

    # --- tokens ---------------------------------------------------------------------------------

    def expect(self, token: str) -> None:
        if self.tokens[self.pos] != token:
            raise Unsupported(f"expected {token!r}, found {self.tokens[self.pos]!r}")
        self.pos += 1

    def name(self) -> str:
        token = self.tokens[self.pos]
        if not (token.isidentifier() and token.isascii()):
            raise Unsupported(f"expected a name, found {token!r}")
        self.pos += 1
        return token

    def description(self) -> str | None:
        token = self.tokens[self.pos]
        if token[:1] == '"':
            self.pos += 1
            return _cook_string(token)
        return None

    # --- definitions ----------------------------------------------------------------------------

    def read(self) -> SchemaModel:
        tokens = self.tokens
        while tokens[self.pos] != _END:
            description = self.description()
            keyword = tokens[self.pos]
            self.pos += 1
            kind = _TYPE_KEYWORDS.get(keyword)
            if kind is not None:
                self.named_type(kind, description)
            elif keyword == "directive":
                self.directive_definition(description)
            elif keyword == "schema":
                self.schema_definition(description)
            else:  # extend, query, a fragment, or a syntax error
                raise Unsupported(f"unexpected {keyword!r} at the top level")
        if self.pos == 0:
            raise Unsupported("no definitions: not a schema")  # .sources says why (empty, comments only)
        return self.model()

    def named_type(self, kind: TypeKind, description: str | None) -> None:
        name = self.name()
        if name in self.types:
            raise Unsupported(f"type {name} defined twice")  # graphql-core refuses it
        named = NamedType(name=name, kind=kind, description=description)
        tokens = self.tokens
        if kind is TypeKind.OBJECT or kind is TypeKind.INTERFACE:
            if tokens[self.pos] == "implements":
                named.interfaces = self.implements()
            named.directives = self.element_directives(named)
            if tokens[self.pos] == "{":
                named.fields = self.fields_definition(name)
        elif kind is TypeKind.INPUT_OBJECT:
            named.directives = self.element_directives(named)
            if tokens[self.pos] == "{":
                named.input_fields = self.input_values("{", "}", name, "Input field")
        elif kind is TypeKind.ENUM:
            named.directives = self.element_directives(named)
            if tokens[self.pos] == "{":
                named.values = self.enum_values(name)
        elif kind is TypeKind.UNION:
            named.directives = self.element_directives(named)
            if tokens[self.pos] == "=":
                named.members = self.union_members()
        else:
            named.directives = self.element_directives(named)
        if name not in BUILT_IN_SCALARS:
            self.types[name] = named

    def implements(self) -> tuple[str, ...]:
        self.pos += 1
        if self.tokens[self.pos] == "&":
            self.pos += 1
        interfaces = [self.name()]
        while self.tokens[self.pos] == "&":
            self.pos += 1
            interfaces.append(self.name())
        self.referenced.update(interfaces)
        return tuple(interfaces)

    def union_members(self) -> tuple[str, ...]:
        self.pos += 1
        if self.tokens[self.pos] == "|":
            self.pos += 1
        members = [self.name()]
        while self.tokens[self.pos] == "|":
            self.pos += 1
            members.append(self.name())
        self.referenced.update(members)
        return tuple(members)

    def fields_definition(self, type_name: str) -> dict[str, Field]:
        self.pos += 1  # {
        tokens = self.tokens
        fields: dict[str, Field] = {}
        while True:
            description = self.description()
            name = self.name()
            args = self.input_values("(", ")", f"{type_name}.{name}", "Argument") if tokens[self.pos] == "(" else {}
            self.expect(":")
            field = Field(name=name, type=self.type_reference(), args=args, description=description)
            field.directives = self.element_directives(field)
            if name in fields:
                self.warnings.append(f"Field '{type_name}.{name}' is defined more than once; the last definition is used.")
            fields[name] = field
            if tokens[self.pos] == "}":
                self.pos += 1
                return fields

    def input_values(self, opening: str, closing: str, owner: str, label: str) -> dict[str, InputValue]:
        """Arguments ``(a: T = default ...)`` or input fields ``{a: T ...}``."""
        self.expect(opening)
        tokens = self.tokens
        values: dict[str, InputValue] = {}
        while True:
            description = self.description()
            name = self.name()
            self.expect(":")
            value = InputValue(name=name, type=self.type_reference(), description=description)
            if tokens[self.pos] == "=":
                self.pos += 1
                value.default = self.value(sort_objects=True)
            value.directives = self.element_directives(value)
            if name in values:
                coordinate = f"{owner}.{name}" if opening == "{" else f"{owner}({name}:)"
                self.warnings.append(f"{label} '{coordinate}' is defined more than once; the last definition is used.")
            values[name] = value
            if tokens[self.pos] == closing:
                self.pos += 1
                return values

    def enum_values(self, type_name: str) -> dict[str, EnumValue]:
        self.pos += 1  # {
        values: dict[str, EnumValue] = {}
        while True:
            description = self.description()
            name = self.name()
            if name in ("true", "false", "null"):
                raise Unsupported(f"enum value {name}")
            value = EnumValue(name=name, description=description)
            value.directives = self.element_directives(value)
            if name in values:
                self.warnings.append(
                    f"Enum value '{type_name}.{name}' is defined more than once; the last definition is used."
                )
            values[name] = value
            if self.tokens[self.pos] == "}":
                self.pos += 1
                return values

    def directive_definition(self, description: str | None) -> None:
        self.expect("@")
        name = self.name()
        args = self.input_values("(", ")", f"@{name}", "Argument") if self.tokens[self.pos] == "(" else {}
        repeatable = self.tokens[self.pos] == "repeatable"
        if repeatable:
            self.pos += 1
        self.expect("on")
        if self.tokens[self.pos] == "|":
            self.pos += 1
        locations = [self.name()]
        while self.tokens[self.pos] == "|":
            self.pos += 1
            locations.append(self.name())
        if name in self.directives:
            raise Unsupported(f"directive @{name} defined twice")
        if name not in SPECIFIED_DIRECTIVES:
            self.directives[name] = DirectiveDefinition(name, tuple(locations), repeatable, args, description)

    def schema_definition(self, description: str | None) -> None:
        if self.roots is not None:
            raise Unsupported("two schema definitions")
        self.schema_description = description
        self.schema_directives = self.element_directives(None)
        self.expect("{")
        roots: dict[str, str] = {}
        while self.tokens[self.pos] != "}":
            operation = self.name()
            if operation not in ("query", "mutation", "subscription") or operation in roots:
                raise Unsupported(f"root operation {operation}")
            self.expect(":")
            roots[operation] = self.name()
        self.pos += 1
        if not roots:
            raise Unsupported("empty schema definition")
        self.roots = roots
        self.referenced.update(roots.values())

    # --- types, directives, values ------------------------------------------------------------

    def type_reference(self) -> str:
        tokens = self.tokens
        token = tokens[self.pos]
        if token == "[":
            self.pos += 1
            inner = self.type_reference()
            self.expect("]")
            printed = f"[{inner}]"
        else:
            printed = self.name()
            self.referenced.add(printed)
        if tokens[self.pos] == "!":
            self.pos += 1
            return printed + "!"
        return printed

    def element_directives(self, element: object) -> tuple[AppliedDirective, ...]:
        """Applied directives; ``@deprecated``, ``@specifiedBy`` and ``@oneOf`` set properties of ``element``."""
        tokens = self.tokens
        if tokens[self.pos] != "@":
            return ()
        applied: list[AppliedDirective] = []
        while tokens[self.pos] == "@":
            self.pos += 1
            name = self.name()
            args: list[tuple[str, str]] = []
            raw_args: dict[str, str] = {}
            if tokens[self.pos] == "(":
                self.pos += 1
                while True:
                    arg_name = self.name()
                    self.expect(":")
                    start = self.pos
                    args.append((arg_name, self.value(sort_objects=True)))
                    raw_args[arg_name] = tokens[start]
                    if tokens[self.pos] == ")":
                        self.pos += 1
                        break
            if name == "deprecated":
                if not isinstance(element, (Field, InputValue, EnumValue)):
                    raise Unsupported("@deprecated in a place graphql-core refuses")
                reason = raw_args.get("reason")
                if set(raw_args) - {"reason"} or (reason is not None and reason[:1] != '"'):
                    raise Unsupported("@deprecated with an argument other than a reason string")
                element.deprecation = DEFAULT_DEPRECATION_REASON if reason is None else _cook_string(reason)
            elif name == "specifiedBy":
                if not (isinstance(element, NamedType) and element.kind is TypeKind.SCALAR):
                    raise Unsupported("@specifiedBy in a place graphql-core refuses")
                url = raw_args.get("url")
                if url is None or url[:1] != '"' or len(raw_args) != 1:
                    raise Unsupported("@specifiedBy without a url string")
                element.specified_by = _cook_string(url)
            elif name == "oneOf":
                if not (isinstance(element, NamedType) and element.kind is TypeKind.INPUT_OBJECT) or raw_args:
                    raise Unsupported("@oneOf with arguments")
                element.one_of = True
            else:
                self.used_directives.add(name)
                applied.append(AppliedDirective(name, tuple(args)))
        return tuple(applied)

    def value(self, *, sort_objects: bool) -> str:
        """A constant value, printed in the canonical form of :mod:`.values`."""
        tokens = self.tokens
        token = tokens[self.pos]
        self.pos += 1
        first = token[:1]
        if first == '"':
            return print_string(_cook_string(token))
        if first == "[":
            items = []
            while tokens[self.pos] != "]":
                items.append(self.value(sort_objects=sort_objects))
            self.pos += 1
            return "[" + ", ".join(items) + "]"
        if first == "{":
            fields: list[tuple[str, str]] = []
            seen: set[str] = set()
            while tokens[self.pos] != "}":
                name = self.name()
                if name in seen:
                    raise Unsupported("an input object value names a field twice")
                seen.add(name)
                self.expect(":")
                fields.append((name, self.value(sort_objects=sort_objects)))
            self.pos += 1
            return sorted_object_fields(fields)
        if token.isidentifier() and token.isascii():
            return token  # true, false, null or an enum value
        if _NUMBER.fullmatch(token):
            return token
        raise Unsupported(f"expected a value, found {token!r}")

    # --- the result -----------------------------------------------------------------------------

    def model(self) -> SchemaModel:
        types = self.types
        unknown = {name for name in self.referenced if name not in types and name not in BUILT_IN_SCALARS}
        if unknown:
            raise Unsupported(f"unknown types {sorted(unknown)}")
        unknown_directives = self.used_directives - self.directives.keys() - SPECIFIED_DIRECTIVES
        if unknown_directives:
            raise Unsupported(f"unknown directives {sorted(unknown_directives)}")
        if self.roots is None:
            roots = {operation: operation.capitalize() for operation in ("query", "mutation", "subscription")}
            roots = {operation: name for operation, name in roots.items() if name in types}
        else:
            roots = self.roots
        if "query" not in roots or types.get(roots["query"], _NO_TYPE).kind is not TypeKind.OBJECT:
            raise Unsupported("no query root object type: not a schema")  # .sources says why
        return SchemaModel(
            types=types,
            directives=self.directives,
            query=roots.get("query"),
            mutation=roots.get("mutation"),
            subscription=roots.get("subscription"),
            description=self.schema_description,
            schema_directives=self.schema_directives,
            warnings=self.warnings,
        )
