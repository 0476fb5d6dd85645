"""optimizer-app serve | worker | migrate | rotate-keys | demo | sandbox-token | set-plan | llm-check."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from . import db, embedded_pg, log_redaction
from .settings import Settings, SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="optimizer-app")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the web process")
    sub.add_parser("worker", help="run a worker process")
    sub.add_parser("migrate", help="apply sql/*.sql migrations once each")
    rotate = sub.add_parser(
        "rotate-keys", help="re-encrypt every stored token with the first key of TOKEN_ENCRYPTION_KEYS"
    )
    rotate.add_argument("--batch-size", type=int, default=500)
    demo = sub.add_parser("demo", help="run everything locally on sandboxes")
    demo.add_argument("--sandbox-port", type=int, default=8101)
    token = sub.add_parser(
        "sandbox-token",
        help="wix: a signed instance for X-Wix-Instance; salla, woocommerce: an app session for "
        "'Authorization: Bearer' (the demo must have run once); shopify: a session token for "
        "'Authorization: Bearer' (valid one minute; the demo's Shopify sandbox must be running)",
    )
    token.add_argument("--platform", choices=["wix", "salla", "woocommerce", "shopify"], default="wix")
    token.add_argument("--instance-id", default=None)
    plan = sub.add_parser(
        "set-plan",
        help="move a store to a plan now (for platforms without app billing, such as WooCommerce)",
    )
    plan.add_argument("--platform", required=True, choices=["wix", "shopify", "salla", "woocommerce"])
    plan.add_argument("--store", required=True, help="the store's id on its platform (the site URL for WooCommerce)")
    plan.add_argument("--plan", required=True)
    sub.add_parser(
        "llm-check",
        help="probe the configured LLM server (models, structured output, output limit, latency, requests at "
        "once), say what to set, and keep the findings for the workers",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"optimizer-app {args.command}: {error}", file=sys.stderr)
        return 2

    unsafe = settings.unsafe_keys() if args.command in ("serve", "worker", "rotate-keys") else None
    if args.command == "serve" and unsafe is None:
        unsafe = settings.unsafe_sign_in()
    if unsafe:
        # Before any database or embedded server starts: a refusal is immediate.
        print(f"optimizer-app {args.command}: refusing to start: {unsafe}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        with embedded_pg.database_url(settings) as url:
            applied = asyncio.run(db.migrate(url))
        print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
        return 0
    if args.command == "rotate-keys":
        with embedded_pg.database_url(settings) as url:
            return asyncio.run(_rotate_keys(settings, url, args.batch_size))
    if args.command == "serve":
        return _serve(settings)
    if args.command == "worker":
        with embedded_pg.database_url(settings) as url:
            return asyncio.run(_worker(settings, url))
    if args.command == "demo":
        from . import demo as demo_module

        return demo_module.run(settings, sandbox_port=args.sandbox_port)
    if args.command == "set-plan":
        with embedded_pg.database_url(settings) as url:
            return asyncio.run(_set_plan(url, args.platform, args.store, args.plan))
    if args.command == "llm-check":
        with embedded_pg.database_url(settings) as url:
            return asyncio.run(_llm_check(settings, url))
    if args.command == "sandbox-token":
        from . import demo as demo_module

        if args.platform == "wix":
            print(demo_module.sandbox_instance(settings, args.instance_id or demo_module.DEMO_INSTANCE_ID))
        elif args.platform == "shopify":
            print(demo_module.sandbox_shopify_token(settings))
        else:
            print(asyncio.run(demo_module.sandbox_session(settings, args.platform)))
        return 0
    return 2


def _serve(settings: Settings) -> int:
    import dataclasses

    import uvicorn

    from .web.app import create_app

    with embedded_pg.database_url(settings) as url:
        app = create_app(dataclasses.replace(settings, database_url=url))
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", proxy_headers=True)
    return 0


async def _set_plan(url: str, platform: str, external_id: str, plan_id: str) -> int:
    from . import credits, stores
    from .domain.plans import PLANS

    if plan_id not in PLANS:
        print(f"unknown plan {plan_id!r}; plans: {', '.join(PLANS)}", file=sys.stderr)
        return 2
    conn = await db.connect(url)
    try:
        store = await stores.find(conn, platform, external_id)
        if store is None:
            print(f"no {platform} store {external_id!r}", file=sys.stderr)
            return 1
        delta = await credits.change_plan(conn, store.id, plan_id)
    finally:
        await conn.close()
    print(f"store {store.id} ({platform} {external_id}) is on {plan_id}; credits {delta:+d}")
    return 0


async def _rotate_keys(settings: Settings, url: str, batch_size: int) -> int:
    from . import stores
    from .crypto import TokenCipher

    cipher = TokenCipher(*settings.token_encryption_keys)
    conn = await db.connect(url)
    try:
        changed = await stores.reseal_tokens(conn, cipher.reencrypt, batch_size=batch_size)
    finally:
        await conn.close()
    print(f"re-encrypted the tokens of {changed} store(s) with the first encryption key")
    return 0


async def _llm_check(settings: Settings, url: str) -> int:
    from . import llm_servers
    from .llm.factory import probe_server

    try:
        capabilities = await probe_server(settings)
    except ValueError as error:
        print(f"optimizer-app llm-check: {error}", file=sys.stderr)
        return 2
    where = settings.openai_base_url or "OpenAI"
    print(f"{where}, model {settings.openai_model}:")
    for line in capabilities.advice(
        max_in_flight=settings.llm_max_in_flight, timeout_seconds=settings.llm_timeout_seconds
    ):
        print(f"- {line}")
    conn = await db.connect(url)
    try:
        await llm_servers.save(conn, capabilities)
    finally:
        await conn.close()
    print("Kept for the workers: each starts from these findings.")
    return 0 if capabilities.latency_seconds is not None else 1


async def _worker(settings: Settings, url: str) -> int:
    import httpx

    from . import llm_servers
    from .automation import StepConfig
    from .clients import StoreClients
    from .crypto import TokenCipher
    from .llm.factory import build_provider
    from .llm.probe import remember
    from .worker import Worker, config_from_settings, lower_priority

    lower_priority(settings.worker_nice)
    pool = await db.create_pool(url, min_size=1, max_size=4)
    if settings.resolved_llm_provider == "openai":
        async with pool.acquire() as conn:
            capabilities = await llm_servers.find(conn, settings.openai_base_url, settings.openai_model)
        if capabilities is not None:
            remember(capabilities)
    provider = build_provider(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # The automation step reads and writes stores through the same clients the web process uses.
    http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0))
    clients = StoreClients(settings, pool, TokenCipher(*settings.token_encryption_keys), http)
    worker = Worker(
        pool,
        provider,
        config_from_settings(settings),
        listen_dsn=url,
        clients=clients,
        automation_config=StepConfig.from_settings(settings),
    )
    try:
        await worker.run(stop)
    finally:
        await provider.aclose()
        await clients.aclose()
        await http.aclose()
        await pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
