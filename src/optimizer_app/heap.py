"""The garbage collector in a long-running process (the web app, the worker).

Everything a process loads to start (modules, the app and its routes, templates, the SDK clients)
stays alive for its whole life, yet CPython's full collection walks all of it each time it runs:
~155,000 objects and ~50 ms in the web process, a pause every request waiting at that moment
takes (measured 2026-12-06 on this project's 2-core machine, `gc.collect(2)` after startup). Frozen,
those objects are left out of every collection, and a full one walks only what requests and jobs
made since. Objects frozen are still freed when nothing refers to them; only a reference cycle
among them would outlive its use, and startup objects live as long as the process anyway.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Collect once, then keep everything alive now out of later collections. Call once the
    process has loaded all it needs to serve."""
    gc.collect()
    gc.freeze()
