"""Declarations (dates, replacements, guides): from Deprecation records or a TOML file; malformed ones refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gqlevolve import UsageStore, deprecation_usage
from gqlevolve.extensions.declared import DeclarationError, declarations, load_declarations
from gqlevolve.lifecycle import Deprecation, InvalidMigrationGuide, Status
from tests.extension_schema import TODAY, build_schema

TOML = """
[[deprecation]]
coordinate = "Mutation.upload_attachment"
reason = "Use secure_file_upload"
deprecated_on = 2025-09-27
sunset_on = "2026-06-30"
replacement = "secure_file_upload"
migration_guide = "https://docs.example.org/migrations/secure-file-upload"

[[deprecation]]
coordinate = "User.name"
status_override = "sunset_warning"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deprecations.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_file_gives_the_same_records_as_python(tmp_path: Path) -> None:
    declared = load_declarations(write(tmp_path, TOML))
    assert declared == {
        "Mutation.upload_attachment": Deprecation(
            "Mutation.upload_attachment",
            reason="Use secure_file_upload",
            deprecated_on=dt.date(2025, 9, 27),
            sunset_on=dt.date(2026, 6, 30),
            replacement="secure_file_upload",
            migration_guide="https://docs.example.org/migrations/secure-file-upload",
        ),
        "User.name": Deprecation("User.name", status_override=Status.SUNSET_WARNING),
    }


def test_the_extension_serves_a_toml_declaration(tmp_path: Path, sqlite_url: str) -> None:
    store = UsageStore(sqlite_url, handle_shutdown=False)
    usage = deprecation_usage(store=store, endpoint="/script", declared=write(tmp_path, TOML), today=lambda: TODAY)
    schema = build_schema(usage)
    result = schema.execute_sync('mutation { upload_attachment(filename: "a") }')
    assert result.errors[0].extensions["code"] == "GONE"
    assert schema.execute_sync("{ viewer { name } }").extensions["deprecations"][0]["status"] == "sunset_warning"
    usage.close()
    store.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[deprecation]]\nreason = 'x'\n", "deprecation #1: 'coordinate' is required"),
        ("[[deprecation]]\ncoordinate = 'User.'\n", '"User." is not a schema coordinate'),
        ("[[deprecation]]\ncoordinate = 'User.name'\nsunset = 2026-01-01\n", r"unknown field\(s\) \['sunset'\]"),
        ("[[deprecation]]\ncoordinate = 'User.name'\nsunset_on = 'soon'\n", "sunset_on: expected a date like 2026-06-30"),
        ("[[deprecation]]\ncoordinate = 'User.name'\nsunset_on = 2026-01-01T10:00:00\n", "not a date and time"),
        (
            "[[deprecation]]\ncoordinate = 'User.name'\ndeprecated_on = 2026-05-01\nsunset_on = 2026-01-01\n",
            "sunset_on \\(2026-01-01\\) is before deprecated_on",
        ),
        ("[[deprecation]]\ncoordinate = 'User.name'\nstatus_override = 'gone'\n", "status_override 'gone' is not one of"),
        ("[[deprecation]]\ncoordinate = 'User.name'\nreplacement = 3\n", "replacement must be a string, not int"),
        ("[[deprecation]]\ncoordinate = 'User.name'\n[[deprecation]]\ncoordinate = 'User.name'\n", "declared twice"),
        ("[deprecations]\n", r"unknown top-level key\(s\) \['deprecations'\]"),
        ("deprecation = 3\n", "must be an array of tables"),
        ("[[deprecation]\n", "is not valid TOML"),
    ],
    ids=["no coordinate", "bad coordinate", "unknown field", "bad date", "datetime", "sunset before deprecation",
         "bad status", "not a string", "duplicate", "wrong table", "not an array", "not TOML"],
)
def test_malformed_declarations_are_refused_saying_which_and_why(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DeclarationError, match=message):
        load_declarations(write(tmp_path, text))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeclarationError, match="cannot read the declarations file"):
        declarations(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ([Deprecation("User.name"), "Role.GUEST"], "declaration 1: expected a Deprecation record, not str"),
        ([Deprecation("User.name"), Deprecation("User.name")], "User.name is declared twice"),
        ([Deprecation("Query.users(offset)")], "is not a schema coordinate"),
        ({"User.name": Deprecation("User.name")}, "not a mapping"),
    ],
)
def test_malformed_python_declarations_are_refused(declared: object, message: str) -> None:
    with pytest.raises(DeclarationError, match=message):
        declarations(declared)  # type: ignore[arg-type]


def test_declarations_for_elements_a_schema_does_not_deprecate_are_ignored_for_it(sqlite_url: str) -> None:
    store = UsageStore(sqlite_url, handle_shutdown=False)
    usage = deprecation_usage(
        store=store, declared=[Deprecation("Query.gone", sunset_on=dt.date(2026, 1, 1))], today=lambda: TODAY
    )
    schema = build_schema(usage)
    usage.on_app_startup(schema=schema, endpoint="/v1")
    assert "Query.gone" not in {stored.record.coordinate for stored in store.deprecations("/v1")}
    usage.close()
    store.close()


@pytest.mark.parametrize(
    "guide", ["not a url", "javascript:alert(1)", "https://docs.example/a b", "https://docs.example/<x>", "docs/x", ""]
)
def test_a_declared_migration_guide_must_be_an_absolute_url_or_path(tmp_path: Path, guide: str) -> None:
    text = f"[[deprecation]]\ncoordinate = 'User.name'\nmigration_guide = {json.dumps(guide)}\n"
    with pytest.raises(DeclarationError) as refused:
        load_declarations(write(tmp_path, text))
    message = str(refused.value)
    assert "deprecation #1: User.name: migration_guide: " in message and "is not a migration guide" in message
    assert "an absolute http or https URL with a host" in message
    # A Python declaration cannot even be written down with one.
    with pytest.raises(InvalidMigrationGuide, match="is not a migration guide"):
        declarations([Deprecation("User.name", migration_guide=guide)])


def test_a_declared_guide_may_be_a_path_and_becomes_the_link(tmp_path: Path, sqlite_url: str) -> None:
    text = "[[deprecation]]\ncoordinate = 'User.name'\nmigration_guide = '/docs/migrations/full-name'\n"
    assert load_declarations(write(tmp_path, text))["User.name"].migration_guide == "/docs/migrations/full-name"
    store = UsageStore(sqlite_url, handle_shutdown=False)
    usage = deprecation_usage(store=store, endpoint="/script", declared=write(tmp_path, text), today=lambda: TODAY)
    result = build_schema(usage).execute_sync("{ viewer { name } }")
    assert result.extensions["deprecations"][0]["migrationGuide"] == "/docs/migrations/full-name"
    usage.close()
    store.close()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-02", "'9999-12-31'", "1969-12-31"])
@pytest.mark.parametrize("field", ["deprecated_on", "sunset_on"])
def test_a_declared_date_is_from_1970_to_9000(tmp_path: Path, day: str, field: str) -> None:
    text = f"[[deprecation]]\ncoordinate = 'User.name'\n{field} = {day}\n"
    with pytest.raises(DeclarationError, match=rf"deprecation #1: {field}: .* is not a date from 1970-01-01 to 9000-12-31"):
        load_declarations(write(tmp_path, text))


def test_a_declared_date_string_is_yyyy_mm_dd(tmp_path: Path) -> None:
    with pytest.raises(DeclarationError, match="sunset_on: expected a date like 2026-06-30, not '20260630'"):
        load_declarations(write(tmp_path, "[[deprecation]]\ncoordinate = 'User.name'\nsunset_on = '20260630'\n"))


def test_a_python_declaration_cannot_hold_such_a_date() -> None:
    with pytest.raises(ValueError, match="is not a date from 1970-01-01 to 9000-12-31"):
        declarations([Deprecation("User.name", sunset_on=dt.date(9999, 12, 31))])
