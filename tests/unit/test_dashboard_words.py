"""Every code the server hands the dashboard has words in both of its languages, so an owner never
reads "too_long" or "(done_with_failures)": an item's reason, a job's status and an API error's code."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import optimizer_app
from optimizer_app.domain.jobs import ItemReason, JobStatus
from optimizer_app.errors import AppError

LOCALES = Path(__file__).resolve().parents[2] / "dashboard" / "src" / "i18n" / "locales"


def _keys(name: str) -> set[str]:
    return set(re.findall(r'^  "([\w.-]+)":', (LOCALES / name).read_text(), re.MULTILINE))


def _error_codes() -> set[str]:
    """Every API error code the app defines: its errors live beside the code that raises them."""
    for module in pkgutil.walk_packages(optimizer_app.__path__, "optimizer_app."):
        importlib.import_module(module.name)
    seen: set[str] = set()
    todo: list[type[AppError]] = [AppError]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        code = getattr(cls, "code", None)
        if isinstance(code, str):
            seen.add(code)
    return seen - {"internal_error", "unauthorized", "forbidden"}


def test_each_reason_status_and_error_code_is_worded_in_english_and_arabic() -> None:
    wanted = {f"reason.{r.value}" for r in ItemReason} | {"reason.unknown", "status.unknown"}
    wanted |= {f"status.{s.value}" for s in JobStatus}
    wanted |= {f"error.code.{code}" for code in _error_codes()}
    assert "error.code.insufficient_credits" in wanted and "error.code.stores_not_installed" in wanted
    for dictionary in ("en.ts", "ar.ts"):
        assert wanted - _keys(dictionary) == set(), dictionary


def test_the_arabic_dictionary_has_every_english_key() -> None:
    assert _keys("en.ts") - _keys("ar.ts") == set()
