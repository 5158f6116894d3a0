"""`newsflow submit URL...` and `newsflow feeds add|list`: fetch requests from the command line."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsflow.common.kafka import publish
from newsflow.common.settings import Settings
from newsflow.fetch.scheduler import feed_request
from newsflow.fetch.state import FetchState
from newsflow.fetch.urls import BadUrlError, canonical_url, host_of
from newsflow_schemas import FETCH_REQUESTS, FETCH_STATE, FetchRequest, SourceInfo, topic_name

feeds_app = typer.Typer(help="Feeds and sitemaps to poll.", no_args_is_help=True)
console = Console()


async def send_requests(settings: Settings, requests: list[FetchRequest]) -> None:
    await publish(settings, FETCH_REQUESTS, [(host_of(request.url), request) for request in requests])


def _check(url: str) -> str:
    try:
        return canonical_url(url)
    except BadUrlError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc


def submit(
    urls: list[str] = typer.Argument(..., help="page URLs (or feeds/sitemaps with --kind)"),
    source: str = typer.Option("cli", help="source name"),
    kind: str = typer.Option("auto", help="page, feed, sitemap or auto"),
    refetch: bool = typer.Option(False, help="fetch again even if unchanged (a new revision)"),
) -> None:
    """Ask the fetch service to fetch these URLs once."""
    now = datetime.now(UTC)
    requests = [FetchRequest(request_id=str(uuid.uuid4()), url=_check(url), kind=kind, refetch=refetch,
                             source=SourceInfo(name=source, kind="page"), requested_at=now, requested_by="cli",
                             ingested_at=now) for url in urls]
    settings = Settings()
    asyncio.run(send_requests(settings, requests))
    console.print(f"submitted {len(requests)} fetch request(s) to {topic_name(FETCH_REQUESTS, settings.topic_prefix)}")


@feeds_app.command("add")
def feeds_add(
    url: str = typer.Argument(..., help="RSS/Atom/JSON Feed or sitemap URL"),
    source: str = typer.Option(..., help="source name, e.g. the publisher"),
    kind: str = typer.Option("feed", help="feed or sitemap"),
    interval: int = typer.Option(900, min=60, help="poll interval in seconds (adapts to how often it changes)"),
) -> None:
    """Poll a feed or sitemap from now on (the fetch service schedules it on receipt)."""
    request = feed_request(_check(url), source, kind=kind, poll_interval_s=interval)
    asyncio.run(send_requests(Settings(), [request]))
    console.print(f"feed {request.url} sent to the fetch service (every ~{interval} s)")


@feeds_app.command("list")
def feeds_list() -> None:
    """Feeds the fetch service polls, with their state, as every fetch worker sees it (the fetch state topic)."""
    from newsflow.fetch.service import read_state_partition

    settings = Settings()

    async def everything() -> FetchState:
        state = FetchState()
        for partition in range(FETCH_STATE.partitions):
            state.load(await read_state_partition(settings, partition))
        return state

    try:
        feeds = asyncio.run(everything()).feeds()
    except Exception as exc:  # the CLI's edge: name what failed and what to do
        console.print(f"[red]reading {escape(topic_name(FETCH_STATE, settings.topic_prefix))} failed:[/] "
                      f"{escape(str(exc))}. Is the broker running (make run) and NEWSFLOW_KAFKA_BOOTSTRAP right?")
        raise typer.Exit(1) from exc
    table = Table("feed", "interval (s)", "next poll in (s)", "failures", "disabled")
    for feed in sorted(feeds, key=lambda feed: feed.url):
        table.add_row(feed.url, f"{feed.interval_s:.0f}", f"{feed.next_poll - time.time():.0f}", str(feed.failures),
                      feed.disabled_reason or "")
    console.print(table if feeds else "no feeds scheduled yet (feeds file, `newsflow feeds add`)")
