"""`python -m bench.only SCENARIO [bench's arguments]`: one scenario of `make bench`, run with the
same arguments and printed as the same rows, with its figures in full below them. For measuring a
change before and after without the whole bench (e.g. `python -m bench.only pickup --repeats 1`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

from tests.factories import admin_database

from .__main__ import (
    Row,
    arguments,
    drain_rows,
    enqueue_rows,
    limit_check_rows,
    limit_share_rows,
    open_loop_rows,
    pickup_rows,
    print_rows,
    run_drain,
    run_enqueue,
    run_limit_check,
    run_limit_share,
    run_open_loop,
    run_pickup,
    run_sdk,
    sdk_rows,
)
from .harness import DATA_DIR

Scenario = tuple[Callable[[Any, str], Coroutine[Any, Any, Any]], Callable[[Any, Any], list[Row]]]

SCENARIOS: dict[str, Scenario] = {
    "drain": (run_drain, drain_rows),
    "sdk": (run_sdk, sdk_rows),
    "enqueue": (run_enqueue, enqueue_rows),
    "pickup": (run_pickup, lambda _args, runs: pickup_rows(runs)),
    "open_loop": (run_open_loop, open_loop_rows),
    "limit_check": (run_limit_check, lambda _args, runs: limit_check_rows(runs)),
    "limit_share": (run_limit_share, lambda _args, runs: limit_share_rows(runs)),
}


def cli() -> None:
    parser = arguments("python -m bench.only")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    run, rows = SCENARIOS[args.scenario]
    with admin_database(DATA_DIR) as base:
        figures: Any = asyncio.run(run(args, base))
    print_rows(rows(args, figures), args.repeats)
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    cli()
