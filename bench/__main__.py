"""`python -m bench` (make bench): runs the scenarios several times, prints medians next to their
targets, and writes bench/results/<timestamp>.json with every run, the machine and the command."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
from typing import Any

from tests.factories import admin_database

from . import endurance, scenarios
from .harness import DATA_DIR, median, write_result


def _machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL",
    }


async def _repeat(runs: int, make: Any) -> list[dict[str, Any]]:
    results = []
    for _ in range(runs):
        results.append(await make())
    return results


Row = tuple[str, str, str]


# The scenarios bench/only.py can run alone: each runs with __main__'s arguments and gives its rows.
async def run_drain(args: argparse.Namespace, base: str) -> dict[str, Any]:
    ours = await _repeat(args.repeats, lambda: scenarios.drain(base, n_products=args.products))
    theirs = await _repeat(args.repeats, lambda: scenarios.pgqueuer_drain(base, n_jobs=args.products * 4))
    ratio = median([r["items_per_s"] for r in ours]) / median([r["jobs_per_s"] for r in theirs])
    return {"runs": ours, "pgqueuer_runs": theirs, "ratio": ratio}


def drain_rows(args: argparse.Namespace, drained: dict[str, Any]) -> list[Row]:
    ours_rate = median([r["items_per_s"] for r in drained["runs"]])
    theirs_rate = median([r["jobs_per_s"] for r in drained["pgqueuer_runs"]])
    return [
        ("a. drain, 1 worker process, zero-latency provider", f"{ours_rate:,.0f} items/s", ""),
        ("a. PgQueuer 1.6.0, same database, batch 100", f"{theirs_rate:,.0f} jobs/s", ""),
        ("a. ours / PgQueuer", f"{drained['ratio']:.2f}×", "≥ 1.5×"),
    ]


async def run_sdk(args: argparse.Namespace, base: str) -> dict[str, Any]:
    sdk = await _repeat(args.repeats, lambda: scenarios.drain(base, n_products=args.products, provider="openai"))
    bare = await _repeat(args.repeats, scenarios.sdk_ceiling)
    return {"runs": sdk, "ceiling_runs": bare}


def sdk_rows(args: argparse.Namespace, through_sdk: dict[str, Any]) -> list[Row]:
    sdk, bare = through_sdk["runs"], through_sdk["ceiling_runs"]
    bare_rate = median([r["calls_per_s"] for r in bare])
    return [
        (
            "b. openai SDK → sandbox LLM (0 latency), per worker process",
            f"{median([r['items_per_s'] for r in sdk]):,.0f} items/s",
            "≥ 1,500",
        ),
        ("b. LLM calls per product (4 fields)", f"{median([r['llm_calls_per_product'] for r in sdk]):.2f}", "1"),
        ("b. … the bare SDK's ceiling here (no queue): calls/s × 4 fields", f"{bare_rate * 4:,.0f} items/s", ""),
        ("b. … CPU per SDK call", f"{median([r['cpu_ms_per_call'] for r in bare]):.1f} ms", ""),
    ]


async def run_enqueue(args: argparse.Namespace, base: str) -> dict[str, Any]:
    return await scenarios.enqueue_api(base, n_products=args.products, repeats=max(5, args.repeats * 2))


def enqueue_rows(args: argparse.Namespace, enq: dict[str, Any]) -> list[Row]:
    n = args.products
    return [
        (f"d. POST /api/jobs, {n:,} products × 4 fields: p50", f"{enq['p50_s'] * 1000:,.0f} ms", ""),
        ("d. … p99", f"{enq['p99_s'] * 1000:,.0f} ms", "< 400 ms"),
    ]


async def run_pickup(args: argparse.Namespace, base: str) -> list[dict[str, Any]]:
    return await _repeat(args.repeats, lambda: scenarios.pickup(base))


def pickup_rows(picked: list[dict[str, Any]]) -> list[Row]:
    return [
        (
            "pickup: POST /api/jobs answered → its first LLM call, idle, 200 jobs: p50",
            f"{median([r['p50_ms'] for r in picked]):,.1f} ms",
            "≤ 10 ms",
        ),
        ("pickup: … p99", f"{median([r['p99_ms'] for r in picked]):,.1f} ms", "≤ 50 ms"),
    ]


async def run_open_loop(args: argparse.Namespace, base: str) -> list[dict[str, Any]]:
    return await _repeat(
        args.repeats,
        lambda: scenarios.open_loop_api(base, rates=args.open_loop_rates, seconds=args.open_loop_seconds),
    )


def open_loop_rows(args: argparse.Namespace, loops: list[dict[str, Any]]) -> list[Row]:
    rows: list[Row] = [
        (
            "req/s: knee (highest open-loop rate with p99 ≤ 50 ms), 2 workers draining",
            f"{median([r['knee_rate'] for r in loops]):,.0f} req/s",
            "",
        )
    ]
    at_500 = [next(s for s in r["steps"] if s["rate"] == 500) for r in loops if 500 in args.open_loop_rates]
    if at_500:
        rows.append(
            (
                "req/s: 500 open loop, mixed dashboard requests: p50",
                f"{median([s['p50_ms'] for s in at_500]):,.1f} ms",
                "≤ 5 ms",
            )
        )
        rows.append(("req/s: … p99", f"{median([s['p99_ms'] for s in at_500]):,.1f} ms", "≤ 25 ms"))
        rows.append(("req/s: … errors", str(sum(sum(s["errors"].values()) + s["failures"] for s in at_500)), "0"))
    return rows


async def run_limit_check(args: argparse.Namespace, base: str) -> list[dict[str, Any]]:
    return await _repeat(args.repeats, lambda: scenarios.limit_check(base))


def limit_check_rows(checks: list[dict[str, Any]]) -> list[Row]:
    return [
        (
            "g. per-store limit check in PostgreSQL (one row update, the store read with it): p50",
            f"{median([r['p50_us'] for r in checks]):,.0f} µs",
            "",
        ),
        ("g. … p99", f"{median([r['p99_us'] for r in checks]):,.0f} µs", ""),
        ("g. … checks/s from 8 connections", f"{median([r['checks_per_s'] for r in checks]):,.0f}", "≥ 500"),
    ]


async def run_limit_share(args: argparse.Namespace, base: str) -> list[dict[str, Any]]:
    return await _repeat(args.repeats, lambda: scenarios.limit_share(base))


def limit_share_rows(shares: list[dict[str, Any]]) -> list[Row]:
    return [
        (
            "g. one store across 2 web processes, 10× its limit: let through / the limit",
            f"{median([r['share_of_limit'] for r in shares]):.1%}",
            "95–105%",
        )
    ]


async def main(args: argparse.Namespace, base: str) -> dict[str, Any]:
    n, runs = args.products, args.repeats
    out: dict[str, Any] = {"machine": _machine(), "command": " ".join(sys.argv), "scenarios": {}}
    rows: list[Row] = []

    drained = await run_drain(args, base)
    out["scenarios"]["a_drain"] = drained
    rows += drain_rows(args, drained)

    for count in args.scale:
        runs_n = await _repeat(runs, lambda c=count: scenarios.drain(base, n_products=n, workers=c))
        rate = median([r["items_per_s"] for r in runs_n])
        out["scenarios"][f"scale_{count}_workers"] = {"runs": runs_n}
        rows.append((f"scaling: {count} worker process(es)", f"{rate:,.0f} items/s", ""))

    through_sdk = await run_sdk(args, base)
    out["scenarios"]["b_sdk"] = {"runs": through_sdk["runs"]}
    out["scenarios"]["b_sdk_ceiling"] = {"runs": through_sdk["ceiling_runs"]}
    rows += sdk_rows(args, through_sdk)

    limited = await _repeat(runs, lambda: scenarios.rate_limited_llm(base, rpm_limit=3000, latency=1.0))
    share = median([r["share_of_limit"] for r in limited])
    share_429 = median([r["share_429"] for r in limited])
    out["scenarios"]["c_rate_limited"] = {"runs": limited}
    rows.append(("c. sandbox LLM 1 s latency, 3,000 req/min: achieved share of the limit", f"{share:.1%}", "≥ 95%"))
    rows.append(("c. … calls answered 429", f"{share_429:.2%}", "< 1%"))

    enq = await run_enqueue(args, base)
    out["scenarios"]["d_enqueue"] = enq
    rows += enqueue_rows(args, enq)

    picked = await run_pickup(args, base)
    out["scenarios"]["pickup"] = {"runs": picked}
    rows += pickup_rows(picked)

    fair = await _repeat(runs, lambda: scenarios.fairness(base, big_products=n, llm_latency=args.llm_latency))
    b_done = median([r["b_done_s"] for r in fair])
    out["scenarios"]["e_fairness"] = {"runs": fair}
    rows.append(
        (f"e. store B's 10 items during A's {n * 4:,}-item job", f"{b_done:.2f} s", f"≤ 5 s + {args.llm_latency} s")
    )

    loads = await _repeat(runs, lambda: scenarios.api_load(base, clients=200, seconds=args.load_seconds))
    hammered = [r["with_hammer"] for r in loads]
    out["scenarios"]["f_api_load"] = {"runs": loads}
    rows.append(
        (
            "f. 200 open dashboards (poll 2.5 s, 1 in 10 a POST): p50",
            f"{median([r['p50_ms'] for r in loads]):,.0f} ms",
            "",
        )
    )
    rows.append(("f. … p99", f"{median([r['p99_ms'] for r in loads]):,.0f} ms", "< 100 ms"))
    rows.append(("f. … requests/s", f"{median([r['requests_per_s'] for r in loads]):,.0f}", ""))
    rows.append(("f. … errors", str(sum(sum(r["errors"].values()) for r in loads)), "0"))
    rows.append(
        (
            "f. … p99 while one more store hammers the API",
            f"{median([r['p99_ms'] for r in hammered]):,.0f} ms",
            "< 100 ms",
        )
    )
    rows.append(("f. … errors while hammered", str(sum(sum(r["errors"].values()) for r in hammered)), "0"))
    answered = median([r["hammer"]["ok"] for r in hammered])
    refused = median([r["hammer"]["limited"] for r in hammered])
    rows.append(("f. … the hammering store: answered / 429", f"{answered:,.0f} / {refused:,.0f}", "≈ 100/min"))

    loops = await run_open_loop(args, base)
    out["scenarios"]["open_loop"] = {"runs": loops}
    rows += open_loop_rows(args, loops)

    # 150 s a run: one run by default, the median of `--repeats` with --long.
    held = await _repeat(runs if args.long else 1, lambda: scenarios.long_transaction(base, hold=args.txn_seconds))
    out["scenarios"]["long_transaction"] = {"runs": held}
    label = f"transaction: {args.txn_seconds:.0f} s REPEATABLE READ open, 2 workers draining"
    rows.append((f"{label}: during / before", f"{median([r['during_share'] for r in held]):.0%}", "≥ 50%"))
    rows.append(
        ("transaction: … first 10 s after / before", f"{median([r['after_share'] for r in held]):.0%}", "≥ 90%")
    )

    # A few minutes: one run by default (200,000 items), 1,000,000 items with --long.
    worn = await endurance.endurance(
        base, items=args.endurance_items or (1_000_000 if args.long else 200_000), waves=args.endurance_waves
    )
    out["scenarios"]["endurance"] = worn
    first_wave, last_wave = worn["waves"][0], worn["waves"][-1]
    rows.append(
        (
            f"wave: {worn['items']:,} items in {len(worn['waves'])} waves, retention on: last / first wave",
            f"{worn['throughput_share']:.0%}",
            "≥ 70%",
        )
    )
    rows.append(
        (
            "wave: … job_items table+indexes after the first / last wave",
            f"{first_wave['size_bytes'] / 2**20:.0f} / {last_wave['size_bytes'] / 2**20:.0f} MiB",
            "last ≤ 2 × first",
        )
    )
    rows.append(("wave: … dead tuples after the last wave", f"{last_wave['dead_tuples']:,}", ""))
    rows.append(("wave: … worker memory, first → last wave", f"{worn['rss_change']:+.1%}", "within ±10%"))

    checks = await run_limit_check(args, base)
    out["scenarios"]["g_limit_check"] = {"runs": checks}
    rows += limit_check_rows(checks)
    shares = await run_limit_share(args, base)
    out["scenarios"]["g_limit_share"] = {"runs": shares}
    rows += limit_share_rows(shares)

    print_rows(rows, runs)
    return out


def arguments(prog: str = "python -m bench") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--products", type=int, default=10_000, help="products per job (× 4 fields)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=int, nargs="*", default=[2, 4], help="worker process counts to add")
    parser.add_argument("--load-seconds", type=float, default=20.0, help="length of each phase of scenario f")
    parser.add_argument("--llm-latency", type=float, default=0.05, help="sandbox LLM latency in scenario e")
    parser.add_argument("--txn-seconds", type=float, default=120.0, help="the long transaction's length")
    parser.add_argument("--open-loop-rates", type=int, nargs="*", default=[100, 200, 300, 400, 500, 600, 800])
    parser.add_argument("--open-loop-seconds", type=float, default=10.0, help="length of each open-loop step")
    parser.add_argument("--endurance-items", type=int, default=0, help="items through the endurance scenario")
    parser.add_argument("--endurance-waves", type=int, default=10)
    parser.add_argument("--long", action="store_true", help="the full runs: every scenario repeated")
    return parser


def print_rows(rows: list[Row], runs: int) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{'scenario'.ljust(width)}  {'median of ' + str(runs):>16}  target")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value:>16}  {target}")


def cli() -> None:
    args = arguments().parse_args()
    with admin_database(DATA_DIR) as base:
        result = asyncio.run(main(args, base))
    write_result(result)


if __name__ == "__main__":
    cli()
