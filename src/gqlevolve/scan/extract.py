"""Find the GraphQL documents in client code: which files to read, and the documents each one holds.

- ``.graphql`` / ``.gql`` files are one document each;
- JavaScript and TypeScript (``.js .jsx .mjs .cjs .ts .tsx .vue .svelte``): templates tagged ``gql`` or
  ``graphql`` (``gql`...```, ``graphql(`...`)``, ``gql<Type>`...```) and templates marked ``/* GraphQL */``;
  an interpolation ``${UserFields}`` (a fragment pasted in) becomes white space, and the fragment is found by
  name wherever it is defined in the scanned tree;
- Python: string literals passed to ``gql(...)`` or ``graphql(...)`` (a call of that name or attribute), read with
  :mod:`ast`; a variable is followed to its string when the module assigns it one.

Each :class:`Document` knows its file and the line and column where its text starts, so a position inside the
text maps back to the file.

    >>> docs = extract_text("app.ts", 'const Q = gql`\\n  query Me { me { name } }\\n`;\\n')
    >>> [(d.path, d.line, d.text.strip()) for d in docs]
    [('app.ts', 1, 'query Me { me { name } }')]
    >>> [d.line for d in extract_text("api.py", 'from gql import gql\\nME = gql("query { me { name } }")\\n')]
    [2]
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GRAPHQL_SUFFIXES",
    "PYTHON_SUFFIXES",
    "SCRIPT_SUFFIXES",
    "SKIPPED_DIRECTORIES",
    "Document",
    "ExtractionError",
    "extract_file",
    "extract_text",
    "iter_files",
]

GRAPHQL_SUFFIXES = frozenset({".graphql", ".gql"})
SCRIPT_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte"})
PYTHON_SUFFIXES = frozenset({".py"})
# Dependencies, build output, caches and VCS data: never the project's own client code.
SKIPPED_DIRECTORIES = frozenset(
    {"node_modules", ".git", ".hg", ".svn", "dist", "build", ".next", ".nuxt", ".svelte-kit", "coverage",
     "__pycache__", ".venv", "venv", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
)
# A file larger than this is generated or minified, not written by hand; it is skipped, and said so.
MAX_FILE_BYTES = 2_000_000
_TAGS = ("gql", "graphql")
# A tag, an optional type argument, optional `(`, then the opening backtick; or a /* GraphQL */ comment.
_TEMPLATE_START = re.compile(r"(?<![\w$.])(?:gql|graphql)\s*(?:<[^<>`;]{0,200}>)?\s*\(?\s*`|/\*\s*GraphQL\s*\*/\s*`")
_PYTHON_CALL = re.compile(r"\b(?:gql|graphql)\s*\(")


class ExtractionError(Exception):
    """A file that could not be read as what its suffix says (not UTF-8, too large, a Python syntax error)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True, slots=True)
class Document:
    """GraphQL text found in ``path``, starting at ``line`` (1-based) and ``column`` (1-based) of the file."""

    path: str
    line: int
    column: int
    text: str

    def file_position(self, line: int, column: int) -> tuple[int, int]:
        """The file's line and column of ``line``/``column`` of the text (both 1-based)."""
        return self.line + line - 1, (self.column + column - 1 if line == 1 else column)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file to scan under ``paths`` (a file is taken as given), in a stable order; skips dependencies."""
    suffixes = GRAPHQL_SUFFIXES | SCRIPT_SUFFIXES | PYTHON_SUFFIXES
    for root in paths:
        if root.is_file():
            yield root
            continue
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = sorted(name for name in subdirectories if name not in SKIPPED_DIRECTORIES)
            for name in sorted(files):
                if os.path.splitext(name)[1].lower() in suffixes:
                    yield Path(directory, name)


def extract_file(path: Path, *, display: str | None = None) -> list[Document]:
    """The documents in one file (``display``: the path as reported); :class:`ExtractionError` when unreadable."""
    shown = display or str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ExtractionError(shown, f"larger than {MAX_FILE_BYTES:,} bytes: skipped (generated or minified?)")
        data = path.read_bytes()
    except OSError as error:
        raise ExtractionError(shown, f"cannot read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractionError(shown, "not UTF-8 text") from None
    return extract_text(shown, text, suffix=path.suffix.lower())


def extract_text(path: str, text: str, *, suffix: str | None = None) -> list[Document]:
    """The documents in ``text``, the content of ``path`` (whose suffix says how to read it unless ``suffix``)."""
    suffix = suffix or os.path.splitext(path)[1].lower()
    if suffix in GRAPHQL_SUFFIXES:
        return [Document(path, 1, 1, text)] if text.strip() else []
    if suffix in SCRIPT_SUFFIXES:
        # Most files of a client tree hold no GraphQL: one substring test each before any regular expression.
        if "gql" not in text and "graphql" not in text and "GraphQL" not in text:
            return []
        return list(_templates(path, text))
    if suffix in PYTHON_SUFFIXES:
        if _PYTHON_CALL.search(text) is None:
            return []
        return _python_strings(path, text)
    return []


# --- JavaScript and TypeScript ----------------------------------------------------------------------


def _templates(path: str, text: str) -> Iterator[Document]:
    position = 0
    while True:
        match = _TEMPLATE_START.search(text, position)
        if match is None:
            return
        start = match.end()
        body, end = _template_body(text, start)
        position = end
        if body is None:
            return  # an unterminated template: the rest of the file is not JavaScript we can read
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        yield Document(path, line, column, body)


def _template_body(text: str, start: int) -> tuple[str | None, int]:
    """The template's text from ``start`` (after the backtick) with each ``${...}`` blanked, and where it ends.

    Blanking keeps every other character where it was (line breaks stay), so positions map back to the file.
    """
    parts: list[str] = []
    index = start
    length = len(text)
    while index < length:
        char = text[index]
        if char == "`":
            parts.append(text[start:index])
            return "".join(parts), index + 1
        if char == "\\":
            index += 2
            continue
        if char == "$" and text.startswith("${", index):
            parts.append(text[start:index])
            end = _interpolation_end(text, index + 2)
            if end < 0:
                return None, length
            parts.append(re.sub(r"[^\n]", " ", text[index:end]))
            start = index = end
            continue
        index += 1
    return None, length


def _interpolation_end(text: str, index: int) -> int:
    """The index after the ``}`` closing an interpolation whose body starts at ``index`` (-1 when none)."""
    depth = 1
    length = len(text)
    while index < length:
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char in "'\"`":
            closing = text.find(char, index + 1)  # a string inside the expression: skip it whole
            if closing < 0:
                return -1
            index = closing
        index += 1
    return -1


# --- Python --------------------------------------------------------------------------------------------


def _python_strings(path: str, text: str) -> list[Document]:
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as error:
        raise ExtractionError(path, f"not valid Python: {error}") from None
    constants: dict[str, ast.Constant] = {}
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                constants[node.target.id] = node.value
        elif isinstance(node, ast.Call) and node.args and _called_name(node.func) in _TAGS:
            calls.append(node)
    documents: dict[tuple[int, int], Document] = {}
    lines = text.splitlines()
    for call in calls:
        argument = call.args[0]
        if isinstance(argument, ast.Name):
            # gql(QUERY) with QUERY = "..." in the module: the document is where the string is written.
            constant = constants.get(argument.id)
            if constant is None:
                continue
            argument = constant
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            key = (argument.lineno, argument.col_offset)
            column = _string_start(lines[argument.lineno - 1], argument.col_offset) if argument.lineno <= len(lines) else 0
            documents[key] = Document(path, argument.lineno, column + 1, argument.value)
    return [documents[key] for key in sorted(documents)]


def _string_start(line: str, offset: int) -> int:
    """Where the value of the string literal at ``offset`` of ``line`` starts: after its prefix and quotes.

    ``ast`` gives the offset in UTF-8 bytes; a line of ASCII before the literal (the common case) is exact."""
    index = offset
    while index < len(line) and line[index] in "rRbBuUfF":
        index += 1
    quote = line[index : index + 3]
    return index + (3 if quote in ('"""', "'''") else 1)


def _called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None
