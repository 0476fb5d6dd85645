"""The named statements: every block well formed, every name Python uses exists, none unused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optimizer_app import sql

PACKAGE = Path(sql.__file__).resolve().parents[1]
_LOAD = re.compile(r'^(\w+) = sql\.load\("(\w+)"\)$', re.MULTILINE)


def _uses() -> dict[str, set[str]]:
    """Statement names each concern's file is asked for, from the package's Python source."""
    used: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text()
        for var, concern in _LOAD.findall(source):
            names = re.findall(rf'\b{var}\["(\w+)"\]', source)
            assert names, f"{path.name} loads {concern}.sql but uses none of it"
            used.setdefault(concern, set()).update(names)
    return used


def test_every_block_has_a_description_and_a_params_line_matching_its_placeholders() -> None:
    assert sql.concerns(), "no .sql files found in the package"
    for concern in sql.concerns():
        for name, statement in sql.statements(concern).items():
            highest = max((int(n) for n in re.findall(r"\$(\d+)", statement.text)), default=0)
            assert statement.description, (concern, name)
            assert len(statement.params) == highest, (concern, name, statement.params)


def test_every_statement_python_names_exists_and_every_statement_is_used() -> None:
    used = _uses()
    assert sorted(used) == sql.concerns()
    for concern, names in used.items():
        defined = set(sql.statements(concern))
        assert names - defined == set(), f"{concern}.sql lacks {sorted(names - defined)}"
        assert defined - names == set(), f"{concern}.sql has unused {sorted(defined - names)}"


def test_a_block_is_parsed_into_name_description_params_and_text() -> None:
    parsed = sql.parse(
        "-- header\n\n-- name: one\n-- Does one thing,\n-- in two lines.\n-- params: $1 store_id, $2 limit\n"
        "SELECT $1, $2\n\n-- name: two\n-- Nothing to pass.\n-- params: none\nSELECT 1\n"
    )
    assert parsed["one"] == sql.Statement(
        "one", "Does one thing, in two lines.", ("store_id", "limit"), "SELECT $1, $2"
    )
    assert parsed["two"].params == () and parsed["two"].text == "SELECT 1"


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("-- name: a\n-- params: none\nSELECT 1", "description"),
        ("-- name: a\n-- Says what.\nSELECT 1", "params"),
        ("-- name: a\n-- Says what.\n-- params: $2 id\nSELECT $2", "parameter 1"),
        ("-- name: a\n-- Says what.\n-- params: none\n", "no statement"),
        (
            "-- name: a\n-- Says what.\n-- params: none\nSELECT 1\n-- name: a\n-- Again.\n-- params: none\nSELECT 2",
            "second",
        ),
    ],
)
def test_a_malformed_block_is_refused_by_name(source: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        sql.parse(source, origin="x.sql")
