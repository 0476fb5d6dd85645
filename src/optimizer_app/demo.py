"""`optimizer-app demo`: the whole product on one machine with nothing configured.

Embedded PostgreSQL (unless DATABASE_URL is set), the Wix sandbox on loopback, the web and worker
processes, and the offline LLM unless one is configured. Prints the sandbox admin page that frames
the app the way the Wix dashboard does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx

from . import db
from .auth import wix as wix_auth
from .sandbox.runner import LoopbackServer
from .sandbox.wix import create_wix_sandbox
from .settings import Settings

# Credentials of the demo's own Wix app; the sandbox and the app agree on them.
DEMO_WIX_APP_ID = "6c0fd8b4-1f62-4d4b-9a53-0b8f6f0d3a71"
DEMO_WIX_APP_SECRET = "demo-wix-app-secret"
DEMO_INSTANCE_ID = "5f0b2a6e-8d1c-4b7a-9e3f-2c6d1a9b8e40"


def wix_credentials(settings: Settings) -> tuple[str, str]:
    return settings.wix_app_id or DEMO_WIX_APP_ID, settings.wix_app_secret or DEMO_WIX_APP_SECRET


def sandbox_instance(settings: Settings, instance_id: str = DEMO_INSTANCE_ID) -> str:
    app_id, app_secret = wix_credentials(settings)
    return wix_auth.sign_instance(wix_auth.new_instance_payload(instance_id, app_id), app_secret)


def run(settings: Settings, *, sandbox_port: int = 8101) -> int:
    database_url = db.resolve_database_url(settings.database_url, settings.embedded_pg_dir)
    applied = asyncio.run(db.migrate(database_url, settings.sql_dir))
    print(f"database ready ({len(applied)} migrations applied)")
    app_id, app_secret = wix_credentials(settings)
    private_pem, public_pem = wix_auth.generate_keypair()
    sandbox = LoopbackServer(
        create_wix_sandbox(
            app_id=app_id,
            app_secret=app_secret,
            webhook_private_key_pem=private_pem,
            app_url=settings.app_base_url,
        ),
        port=sandbox_port,
    ).start()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WIX_APP_ID": app_id,
        "WIX_APP_SECRET": app_secret,
        "WIX_API_BASE": sandbox.url,
        "WIX_WEBHOOK_PUBLIC_KEY": public_pem,
        "EXTRA_FRAME_ANCESTORS": sandbox.url,
        "PORT": str(settings.port),
    }
    exe = [sys.executable, "-m", "optimizer_app.cli"]
    children = [subprocess.Popen([*exe, "serve"], env=env), subprocess.Popen([*exe, "worker"], env=env)]
    try:
        _wait_healthy(f"{settings.app_base_url}/health")
        provider = settings.resolved_llm_provider
        print()
        print(f"  Optimizer App is running at {settings.app_base_url} (LLM: {provider})")
        print(f"  Open the sandbox Wix dashboard: {sandbox.url}/_sandbox/admin?instance_id={DEMO_INSTANCE_ID}")
        print(f"  API with curl: curl -H 'X-Wix-Instance: {sandbox_instance(settings)}' {settings.app_base_url}/api/me")
        print("  Press Ctrl-C to stop.")
        print()
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        sandbox.stop()


def _wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the web process did not become healthy at {url}")
