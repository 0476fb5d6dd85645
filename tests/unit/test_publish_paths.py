"""Every path that writes a suggestion to a store goes through publishing.publish_items, which asks
domain.jobs.publish_refusal (flagged and low-scoring drafts): no other module calls a store
client's update methods, so an automatic publish added later has to go through it too."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "optimizer_app"
WRITES = {"update_product", "update_products"}


def calls_in(tree: ast.AST, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in names:
                found.append(name)
    return found


def test_only_publishing_writes_to_a_store() -> None:
    writers = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if calls_in(ast.parse(path.read_text(encoding="utf-8")), WRITES)
    }
    # Platform clients call their own endpoints (Wix's V1 and V3 halves, bulk falling back to one).
    assert {w for w in writers if not w.startswith("platforms/")} == {"publishing.py"}


def test_publishing_asks_the_refusal_rule_before_and_under_the_lock() -> None:
    tree = ast.parse((PACKAGE / "publishing.py").read_text(encoding="utf-8"))
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)}
    assert calls_in(functions["publish_items"], {"publish_refusal"}) == ["publish_refusal"]
    assert calls_in(functions["_publish_chunk"], {"publish_refusal"}) == ["publish_refusal"]
    # The write path's callers: publishing items (gated) and reverting (the store's own earlier
    # values from the publish log, never a suggestion).
    writers = {name for name, fn in functions.items() if calls_in(fn, {"_read_and_write", "_write"})}
    assert writers == {"_publish_chunk", "_read_and_write", "_revert_chunk"}
    assert {name for name, fn in functions.items() if calls_in(fn, {"_read_and_write"})} == {"_publish_chunk"}
