"""`serve`, `worker` and `rotate-keys` as real processes: production refuses unsafe keys before
touching any database; development starts without keys; rotation re-encrypts every stored token."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest

from optimizer_app import stores
from optimizer_app.crypto import TokenCipher
from tests.factories import new_store

SESSION_KEY = "session-key-" + "s" * 30
OLD_KEY, NEW_KEY = "old-token-key-" + "o" * 30, "new-token-key-" + "n" * 30
CLI = [sys.executable, "-m", "optimizer_app.cli"]


def only(**variables: str) -> dict[str, str]:
    """An environment holding `variables` and nothing else of ours (no key, no APP_ENV inherited)."""
    return {"PATH": os.environ["PATH"], **variables}


def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # The timeout only stops a process that would otherwise run on (the code before this change).
    return subprocess.run([*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["serve", "worker", "rotate-keys"])
def test_with_only_a_database_url_production_refuses_to_start_naming_secret_key(
    command: str, database_url: str
) -> None:
    refused = run(command, env=only(DATABASE_URL=database_url))
    assert refused.returncode != 0
    [line] = refused.stderr.strip().splitlines()
    assert "SECRET_KEY is missing or a published development key" in line


def test_the_refusal_comes_before_any_embedded_database_starts(tmp_path: Path) -> None:
    embedded = tmp_path / "pgdata"
    refused = run("serve", env=only(EMBEDDED_PG_DIR=str(embedded)), cwd=tmp_path)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    assert not embedded.exists()


def test_a_session_key_doubling_as_the_token_key_is_refused(database_url: str) -> None:
    env = only(DATABASE_URL=database_url, SECRET_KEY=SESSION_KEY, TOKEN_ENCRYPTION_KEYS=f"{NEW_KEY},{SESSION_KEY}")
    refused = run("worker", env=env)
    assert refused.returncode != 0 and "TOKEN_ENCRYPTION_KEY must differ from SECRET_KEY" in refused.stderr


def test_production_serve_refuses_a_plain_http_address_the_sign_in_cookie_could_not_come_back_to(
    database_url: str,
) -> None:
    env = only(DATABASE_URL=database_url, SECRET_KEY=SESSION_KEY, TOKEN_ENCRYPTION_KEY=NEW_KEY, PORT="0")
    refused = run("serve", env={**env, "APP_BASE_URL": "http://app.example.com"})
    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    assert "refusing to start: APP_BASE_URL must be the app's public https:// address" in line


def test_in_development_serve_starts_without_keys(database_url: str) -> None:
    env = only(DATABASE_URL=database_url, APP_ENV="development", PORT="0")
    with subprocess.Popen([*CLI, "serve"], env=env, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            started = None
            for line in server.stderr:
                if started := re.search(r"Uvicorn running on (http://\S+)", line):
                    break
            assert started is not None, "serve exited before listening"
            assert httpx.get(f"{started.group(1)}/health", timeout=10).status_code == 200
        finally:
            server.terminate()
            server.communicate(timeout=30)


async def test_rotate_keys_re_encrypts_every_stored_token_with_the_first_key_once(
    pool: asyncpg.Pool, database_url: str
) -> None:
    old, new = TokenCipher(OLD_KEY), TokenCipher(NEW_KEY)
    sealed: dict[int, tuple[str, str | None]] = {}
    async with pool.acquire() as conn:
        for n in range(5):
            store = await new_store(pool)
            refresh = f"refresh-{n}" if n % 2 else None
            await stores.save_tokens(
                conn,
                store.id,
                access_token_enc=old.encrypt(f"access-{n}"),
                refresh_token_enc=old.encrypt(refresh) if refresh else None,
                expires_at=None,
            )
            sealed[store.id] = (f"access-{n}", refresh)
        current = await new_store(pool)  # already under the new key: nothing to change
        await stores.save_tokens(conn, current.id, access_token_enc=new.encrypt("access-new"), expires_at=None)
        sealed[current.id] = ("access-new", None)
        await new_store(pool)  # no tokens at all

    env = only(DATABASE_URL=database_url, SECRET_KEY=SESSION_KEY, TOKEN_ENCRYPTION_KEYS=f"{NEW_KEY}, {OLD_KEY}")
    first = run("rotate-keys", "--batch-size", "2", env=env)
    assert first.returncode == 0, first.stderr
    assert "re-encrypted the tokens of 5 store(s)" in first.stdout
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, access_token_enc, refresh_token_enc FROM stores WHERE id = ANY($1)", list(sealed)
        )
    for row in rows:
        access, refresh = sealed[row["id"]]
        assert new.decrypt(row["access_token_enc"]) == access
        assert (new.decrypt(row["refresh_token_enc"]) if row["refresh_token_enc"] else None) == refresh

    again = run("rotate-keys", env=env)
    assert again.returncode == 0 and "re-encrypted the tokens of 0 store(s)" in again.stdout
