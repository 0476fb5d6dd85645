"""`serve` and `worker` as real processes refuse a setting they cannot read with one line naming the
variable and its value, before any database or embedded server starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_keys_command_line import only, run


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        (
            "SHOPIFY_EXPIRING_TOKENS",
            "maybe",
            "SHOPIFY_EXPIRING_TOKENS='maybe' is not a boolean (1/0/true/false/yes/no/on/off)",
        ),
        ("WORKER_CONCURRENCY", "abc", "WORKER_CONCURRENCY='abc' is not an int"),
    ],
)
def test_an_unreadable_setting_stops_the_process_with_one_line_naming_it(
    command: str, variable: str, raw: str, message: str, tmp_path: Path
) -> None:
    embedded = tmp_path / "pgdata"
    env = only(APP_ENV="development", EMBEDDED_PG_DIR=str(embedded), **{variable: raw})
    refused = run(command, env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [f"optimizer-app {command}: {message}"]
    assert not embedded.exists()
