"""The product wheel, built from this tree the way `pip install .` builds it, ships the product only:
no platform stand-in and no vendored schema, and its demo command says what to install instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import optimizer_sandbox
from optimizer_sandbox.shopify import SCHEMA_PATH

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # A copy of the sources, so that a build/ left in the checkout by an earlier build cannot leak in.
    tree = tmp_path_factory.mktemp("tree")
    shutil.copy(ROOT / "pyproject.toml", tree)
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(tree), "-w", str(out)],
        check=True,
        cwd=tree,
    )
    (built,) = out.glob("optimizer_app-*.whl")
    yield built


def test_the_wheel_holds_the_product_and_no_stand_in(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "optimizer_app/cli.py" in names
    assert "optimizer_app/web/templates/app.html" in names
    assert [n for n in names if "sandbox" in n.split("/")[0] or "/sandbox/" in n] == []
    assert [n for n in names if n.endswith(".json.gz")] == []


Run = Callable[..., subprocess.CompletedProcess[str]]


def unpacked(wheel: Path, folder: Path) -> Run:
    """`python -S <args>` (with `env` added) in `folder`, where the wheel is unpacked. -S: no site
    processing, so the editable install's path to src/ is not added; the dependencies come from this
    environment's site-packages, the product from the wheel alone."""
    zipfile.ZipFile(wheel).extractall(folder)
    path = os.pathsep.join([str(folder), sysconfig.get_paths()["purelib"]])

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-S", *args],
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": path, **env},
            cwd=folder,
            capture_output=True,
            text=True,
        )

    return run


def test_the_installed_wheel_runs_and_its_demo_names_the_development_install(wheel: Path, tmp_path: Path) -> None:
    run = unpacked(wheel, tmp_path / "installed")
    assert run("-m", "optimizer_app.cli", "--help", APP_ENV="development").returncode == 0
    missing = run("-c", "import optimizer_sandbox", APP_ENV="development")
    assert "No module named 'optimizer_sandbox'" in missing.stderr
    demo = run("-m", "optimizer_app.cli", "demo", APP_ENV="development")
    assert demo.returncode == 1
    assert demo.stderr.strip().splitlines() == [
        "the demo needs the development install: pip install -e '.[dev]' (no optimizer_sandbox)"
    ]


def test_the_development_install_imports_the_stand_ins_and_their_schema_from_the_sources() -> None:
    assert Path(optimizer_sandbox.__file__).parent == ROOT / "src" / "optimizer_sandbox"
    assert SCHEMA_PATH.is_file()


def test_the_installed_wheel_finds_the_dashboard_where_dashboard_dist_says(wheel: Path, tmp_path: Path) -> None:
    run = unpacked(wheel, tmp_path / "installed")
    show = "from optimizer_app.settings import Settings; print(Settings.from_env().dashboard_dist)"

    def dist(**env: str) -> str:
        shown = run("-c", show, **env)
        assert shown.returncode == 0, shown.stderr
        return shown.stdout.strip()

    assert dist() == "dashboard/dist"  # no checkout around the wheel: the working directory's
    assert dist(DASHBOARD_DIST="/srv/dashboard/dist") == "/srv/dashboard/dist"
