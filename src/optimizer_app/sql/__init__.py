"""Named SQL statements, read once from the `.sql` files of this package, and the migrations.

Each file holds one concern's statements (queue.sql, stores.sql, credits.sql, ...) as blocks:

    -- name: claim
    -- What the statement does: one or more comment lines.
    -- params: $1 worker_id, $2 limit, $3 lease_seconds        (or "-- params: none")
    <the statement>

Python refers to a statement by name: `Q = sql.load("queue")`, then `Q["claim"]`.
Numbered migrations live in `migrations/` and are applied by `db.migrate`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType

MIGRATIONS: Traversable = files(__name__) / "migrations"

_NAME = re.compile(r"^-- name: (\w+)[ \t]*$", re.MULTILINE)
_PARAM = re.compile(r"\$(\d+) (\w+)")


@dataclass(frozen=True)
class Statement:
    name: str
    description: str
    params: tuple[str, ...]
    text: str


def parse(source: str, *, origin: str = "<sql>") -> dict[str, Statement]:
    """The named blocks of one file; raises ValueError naming the block that breaks the format."""
    found: dict[str, Statement] = {}
    parts = _NAME.split(source)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        where = f"{origin}: {name}"
        if name in found:
            raise ValueError(f"{where}: a second block of that name")
        lines = body.strip("\n").splitlines()
        comments = _leading_comments(lines)
        if not comments or not comments[-1].startswith("-- params:"):
            raise ValueError(f"{where}: a description and then a '-- params:' line must follow the name")
        description = " ".join(line.removeprefix("--").strip() for line in comments[:-1])
        if not description:
            raise ValueError(f"{where}: no description")
        text = "\n".join(lines[len(comments) :]).strip()
        if not text:
            raise ValueError(f"{where}: no statement")
        found[name] = Statement(name, description, _params(comments[-1].removeprefix("-- params:"), where), text)
    return found


def _leading_comments(lines: list[str]) -> list[str]:
    comments = []
    for line in lines:
        if not line.startswith("--"):
            break
        comments.append(line)
        if line.startswith("-- params:"):
            break
    return comments


def _params(spec: str, where: str) -> tuple[str, ...]:
    spec = spec.strip()
    if spec == "none":
        return ()
    params = []
    for n, item in enumerate(spec.split(", "), start=1):
        match = _PARAM.fullmatch(item)
        if match is None or int(match[1]) != n:
            raise ValueError(f"{where}: parameter {n} should read '${n} <name>', not {item!r}")
        params.append(match[2])
    return tuple(params)


@cache
def statements(concern: str) -> Mapping[str, Statement]:
    """Every statement of `<concern>.sql`, by name."""
    origin = f"{concern}.sql"
    return MappingProxyType(parse((files(__name__) / origin).read_text(encoding="utf-8"), origin=origin))


@cache
def load(concern: str) -> Mapping[str, str]:
    """The text of every statement of `<concern>.sql`, by name."""
    return MappingProxyType({name: s.text for name, s in statements(concern).items()})


def concerns() -> list[str]:
    """The names of the statement files shipped in this package."""
    return sorted(f.name.removesuffix(".sql") for f in files(__name__).iterdir() if f.name.endswith(".sql"))
