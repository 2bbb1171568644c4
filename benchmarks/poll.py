"""Status polls of a 15-item job at a fixed arrival rate (open loop: requests leave on
schedule whether or not earlier ones have answered), latency percentiles — on their own, and
while 1,000 long polls wait on the job (``poll_p99_ms_with_1000_waiting``); and how late
those long polls answer past their ``wait`` (``long_poll_overshoot_ms``, the latest of them,
measured by the client from its send)."""

from __future__ import annotations

import asyncio
import gc
import time

import httpx

from benchmarks.e2e import Stack
from benchmarks.harness import Figure, Org, percentile
from bulkreg import tokens

WAITING = 1000
ARRIVAL_SECONDS = 1.0  # the long polls arrive over this long
SETTLE_SECONDS = 1.0  # then wait this long before the normal polls start


CONNECTIONS = 64  # the normal polls' keep-alive connections, at most


class _KeepAlive:
    """The normal polls' client: HTTP/1.1 GETs on at most ``CONNECTIONS`` kept-alive
    connections, by hand. ``httpx``'s pool walks every queued request and every connection
    whenever one finishes; once requests queued (a stall of the server, or of this process,
    on a shared machine) the load generator spent its CPU there and fell further behind: it
    measured its own backlog, seconds of it, as the server's latency."""

    def __init__(self, url: httpx.URL, headers: dict[str, str]) -> None:
        lines = [f"GET {url.raw_path.decode()} HTTP/1.1", f"Host: {url.host}:{url.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.request = "\r\n".join([*lines, "", ""]).encode()
        self.host, self.port = url.host, url.port
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.opened = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def get(self) -> tuple[int, dict[str, str]]:
        """One GET: its status and headers (the body is read and dropped)."""
        if self.idle.empty() and self.opened < CONNECTIONS:
            self.opened += 1
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.writers.append(writer)
        else:
            reader, writer = await self.idle.get()
        writer.write(self.request)
        status = int((await reader.readline()).split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        assert "transfer-encoding" not in headers, headers
        await reader.readexactly(int(headers.get("content-length", 0)))
        self.idle.put_nowait((reader, writer))
        return status, headers

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


async def _load(url: str, token: str, rate: float, seconds: float) -> list[float]:
    client = _KeepAlive(httpx.URL(url), {"Authorization": f"Bearer {token}"})
    try:
        return await _polls(client, rate, seconds)
    finally:
        client.close()


async def _polls(client: _KeepAlive, rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        status, _ = await client.get()
        latencies.append(time.perf_counter() - started)
        assert status == 200, status

    start = time.perf_counter()
    tasks = []
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return latencies


async def _raw_get(url: httpx.URL, headers: dict[str, str]) -> int:
    """One GET on a connection of its own, by hand: a thousand waiting requests through
    ``httpx`` cost the load generator seconds of CPU (its pool walks every connection), which
    would be counted as the server's lateness. Returns the status."""
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        lines = [f"GET {url.raw_path.decode()} HTTP/1.1", f"Host: {url.host}:{url.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join([*lines, "Connection: close", "", ""])).encode())
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        await reader.read()  # headers and body, until the server closes
        return status
    finally:
        writer.close()


async def _with_waiting(
    url: str, token: str, rate: float, seconds: float, waiting: int
) -> tuple[list[float], list[float]]:
    """Normal polls while ``waiting`` long polls wait on the same (finished) job; the long
    polls' ``wait`` ends after the normal polls have. Returns the normal polls' latencies
    and each long poll's overshoot past its ``wait``."""
    wait = ARRIVAL_SECONDS + SETTLE_SECONDS + seconds + 1
    headers = {"Authorization": f"Bearer {token}"}
    client = _KeepAlive(httpx.URL(url), headers)
    try:
        etag = (await client.get())[1]["etag"]
        long_url = httpx.URL(url, params={"wait": wait})
        overshoots: list[float] = []

        async def long_poll() -> None:
            started = time.perf_counter()
            status = await _raw_get(long_url, headers | {"If-None-Match": etag})
            overshoots.append(time.perf_counter() - started - wait)
            assert status == 304, status

        start = time.perf_counter()
        long_polls = []
        for i in range(waiting):
            delay = start + i * ARRIVAL_SECONDS / waiting - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            long_polls.append(asyncio.create_task(long_poll()))
        await asyncio.sleep(SETTLE_SECONDS)
        latencies = await _polls(client, rate, seconds)
        await asyncio.gather(*long_polls)
    finally:
        client.close()
    return latencies, overshoots


def _measured(url: str, token: str, rate: float, seconds: float) -> list[float]:
    """The load generator's own garbage collection must not count as server latency."""
    gc.collect()
    gc.disable()
    try:
        return asyncio.run(_load(url, token, rate, seconds))
    finally:
        gc.enable()


def run(
    stack: Stack, org: Org, job_id: str, secret: str, rate: float, seconds: float, repeat: int
) -> dict[str, Figure]:
    token = tokens.issue(org.coordinator, secret, 3600)
    url = f"{stack.url}/v1/bulk-registrations/{job_id}"
    asyncio.run(_load(url, token, rate, min(seconds, 1)))  # warm-up
    p50, p99 = Figure(), Figure()
    for _ in range(repeat):
        latencies = _measured(url, token, rate, seconds)
        p50.add(percentile(latencies, 0.5) * 1000)
        p99.add(percentile(latencies, 0.99) * 1000)
    crowded, overshoot = Figure(), Figure()
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            latencies, late = asyncio.run(_with_waiting(url, token, rate, seconds, WAITING))
        finally:
            gc.enable()
        crowded.add(percentile(latencies, 0.99) * 1000)
        overshoot.add(max(late) * 1000)
    return {
        "poll_p50_ms": p50,
        "poll_p99_ms": p99,
        "poll_p99_ms_with_1000_waiting": crowded,
        "long_poll_overshoot_ms": overshoot,
    }
