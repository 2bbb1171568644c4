"""Status polls of a 15-item job at a fixed arrival rate (open loop: requests leave on
schedule whether or not earlier ones have answered), latency percentiles."""

from __future__ import annotations

import asyncio
import gc
import time

import httpx

from benchmarks.e2e import Stack
from benchmarks.harness import Figure, Org, percentile
from bulkreg import tokens


async def _load(url: str, token: str, rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=10
    ) as client:

        async def one() -> None:
            started = time.perf_counter()
            r = await client.get(url)
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 200, r.text

        start = time.perf_counter()
        tasks = []
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return latencies


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
    return {"poll_p50_ms": p50, "poll_p99_ms": p99}
