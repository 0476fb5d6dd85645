"""An open-loop HTTP/1.1 load generator: requests leave at a fixed rate whatever the answers do,
and each one's latency counts from when it was due to leave, so a slow server cannot slow the
generator down and hide its own queue (coordinated omission). Keep-alive connections over plain
asyncio streams: the generator spends little CPU beside the server on the same machine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0


class _ClosedBeforeAnswer(ConnectionError):
    pass


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, host: str, req: Request) -> int:
        head = [f"{req.method} {req.path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(req.body)}"]
        head += [f"{k}: {v}" for k, v in req.headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + req.body)
        try:
            status_line = await self.reader.readline()
        except ConnectionResetError as exc:
            raise _ClosedBeforeAnswer from exc
        if not status_line:
            raise _ClosedBeforeAnswer("the server closed the connection before answering")
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        return status


async def run(
    base_url: str, rate: float, seconds: float, next_request: Callable[[int], Request], *, max_connections: int = 512
) -> Result:
    """Send `rate` requests a second for `seconds`; `next_request(i)` makes the i-th."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    idle: list[_Connection] = []
    slots = asyncio.Semaphore(max_connections)
    result = Result()

    async def one(i: int, due: float) -> None:
        # Waiting here for a free connection counts in the latency: it is measured from `due`.
        async with slots:
            conn: _Connection | None = idle.pop() if idle else None
            try:
                if conn is not None:
                    try:
                        status = await conn.send(f"{host}:{port}", next_request(i))
                    except _ClosedBeforeAnswer:
                        # The server closed this idle keep-alive connection (its keep-alive
                        # timeout) before the request reached it: sent again on a new one, as
                        # HTTP clients do.
                        conn.writer.close()
                        conn = None
                if conn is None:
                    conn = _Connection(*await asyncio.open_connection(host, port))
                    status = await conn.send(f"{host}:{port}", next_request(i))
            except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError):
                result.failures += 1
                if conn:
                    conn.writer.close()
                return
            result.latencies.append(time.perf_counter() - due)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            idle.append(conn)

    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter() + 0.1
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        _, unanswered = await asyncio.wait(tasks, timeout=30)
        # Still waiting 30 s after the last one was due: failures, not left out of the percentiles.
        result.failures += len(unanswered)
        for task in unanswered:
            task.cancel()
        await asyncio.gather(*unanswered, return_exceptions=True)
    for conn in idle:
        conn.writer.close()
    return result
