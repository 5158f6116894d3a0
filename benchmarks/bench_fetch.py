"""Fetch throughput against a local HTTP server with politeness off, and politeness holding the configured rate
per host when on, measured side by side in one run.

    make bench-fetch     (no stack needed: the stage runs in-process against a loopback server)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from newsflow.fetch.download import Downloader, FetchLimits
from newsflow.fetch.politeness import Politeness
from newsflow.fetch.robots import RobotsCache
from newsflow.fetch.safety import parse_networks
from newsflow.fetch.stage import FetchStage
from newsflow.fetch.state import FetchState
from newsflow_schemas import FetchRequest, SourceInfo
from tests.fetch_server import HOST, FetchServer, StaticResolver

console = Console()
CRAWL_DELAY_S = 1.0  # what tests/fetch_server.py's robots.txt says


def page_request(url: str) -> FetchRequest:
    now = datetime.now(UTC)
    return FetchRequest(request_id=str(uuid.uuid4()), url=url, kind="page", source=SourceInfo(name="bench",
                                                                                                kind="page"),
                        requested_at=now, requested_by="bench", ingested_at=now)


def make_stage(rate: float) -> tuple[FetchStage, Downloader]:
    resolver = StaticResolver({HOST: ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    downloader = Downloader(FetchLimits(), resolver, parse_networks(["127.0.0.0/8"]))
    return FetchStage(downloader, RobotsCache(downloader, "newsflow"), Politeness(rate), FetchState()), downloader


async def throughput(server: FetchServer, pages: int, workers: int) -> float:
    """Pages per second with politeness off, `workers` partitions fetching at once."""
    stage, downloader = make_stage(0)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(pages):
        queue.put_nowait(n)

    async def work() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            result = await stage(page_request(f"{server.base}/articles/{n}"))
            assert isinstance(result, list)

    started = time.perf_counter()
    await asyncio.gather(*(work() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    await downloader.close()
    return pages / elapsed


async def polite_rate(server: FetchServer, rate: float, pages: int) -> dict[str, float]:
    """Requests per second each of two hosts receives when both are fetched at once at `rate` per host."""
    stage, downloader = make_stage(rate)
    await stage(page_request(f"{server.base}/articles/0"))  # robots.txt and the first slot, not timed
    await stage(page_request(f"http://other.test:{server.port}/articles/0"))

    async def host(base: str) -> float:
        started = time.perf_counter()
        for n in range(1, pages + 1):
            await stage(page_request(f"{base}/articles/{n}"))
        return (pages - 1) / (time.perf_counter() - started) if pages > 1 else 0.0

    measured = await asyncio.gather(host(server.base), host(f"http://other.test:{server.port}"))
    await downloader.close()
    return {HOST: measured[0], "other.test": measured[1]}


async def main_async(pages: int, json_path: str | None) -> None:
    server = FetchServer()
    await server.start()
    try:
        single = await throughput(server, pages, workers=1)
        six = await throughput(server, pages, workers=6)
        rate = 5.0
        polite = await polite_rate(server, rate, pages=16)
    finally:
        await server.stop()
    table = Table(title="fetch stage against a loopback HTTP server (same run)")
    for column in ("measurement", "value"):
        table.add_column(column)
    table.add_row("politeness off, 1 partition", f"{single:,.0f} fetches/s")
    table.add_row("politeness off, 6 partitions", f"{six:,.0f} fetches/s")
    expected = min(rate, 1 / CRAWL_DELAY_S)  # the test server's robots.txt asks for a crawl-delay of 1 s
    for host, value in polite.items():
        table.add_row(f"politeness on ({rate:g}/s per host, crawl-delay {CRAWL_DELAY_S:g} s), {host}",
                      f"{value:.2f} requests/s (expected {expected:.2f}; {value / expected:.2f} of it)")
    console.print(table)
    if json_path:
        Path(json_path).write_text(json.dumps({"politeness_off_1": single, "politeness_off_6": six,
                                               "configured_rate": rate, "polite_rates": polite}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    asyncio.run(main_async(args.pages, args.json))


if __name__ == "__main__":
    main()
