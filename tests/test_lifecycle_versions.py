"""The ADR's version names: ``draft`` or ``vN`` without a leading zero."""

from __future__ import annotations

import pytest

from gqlevolve.lifecycle import InvalidVersionName, is_draft, validate_version


@pytest.mark.parametrize("name", ["draft", "v1", "v2", "v10", "v123"])
def test_valid_version_names(name: str) -> None:
    assert validate_version(name) == name


@pytest.mark.parametrize("name", ["v0", "v01", "v00789", "V1", "1", "v", "", "Draft", "v1.1", " v1", "v1 ", "v-1"])
def test_invalid_version_names_name_the_rule(name: str) -> None:
    with pytest.raises(InvalidVersionName, match="'draft' or 'v' followed by a number without a leading zero"):
        validate_version(name)


def test_is_draft() -> None:
    assert is_draft("draft") and not is_draft("v1")
