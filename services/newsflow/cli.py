"""The `newsflow` command: operate the pipeline from a terminal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsflow import __version__
from newsflow.common.kafka import check_topics, ensure_topics, write_tombstones
from newsflow.common.settings import Settings
from newsflow.fetch.commands import feeds_app, submit
from newsflow.index.commands import dashboards_app, index_app, search, similar
from newsflow.tools.commands import dlq_app, push, reprocess_command
from newsflow.wiring import STAGE_NAMES, masked_settings
from newsflow_schemas import ALL_TOPICS, ARTICLES_ENRICHED, ARTICLES_PARSED, ARTICLES_RAW, Stage, topic_name

app = typer.Typer(help="newsflow: event-driven news ingestion (fetch -> parse -> enrich -> index).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
topics_app = typer.Typer(help="Kafka topics of the pipeline.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(index_app, name="index")
app.add_typer(dashboards_app, name="dashboards")
app.add_typer(feeds_app, name="feeds")
app.add_typer(dlq_app, name="dlq")
app.command("push")(push)
app.command("reprocess")(reprocess_command)
app.command("submit")(submit)
app.command("search")(search)
app.command("similar")(similar)
console = Console()
T = TypeVar("T")
ARTICLE_TOPICS = (ARTICLES_RAW, ARTICLES_PARSED, ARTICLES_ENRICHED)  # the topics keyed by article id


@app.command()
def version() -> None:
    """Print the newsflow version."""
    console.print(f"newsflow {__version__}")


@app.command("settings")
def show_settings(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective settings (from NEWSFLOW_* variables), secrets masked."""
    values = masked_settings()
    if as_json:
        print(json.dumps(values, default=str, indent=2))
        return
    table = Table("setting", "environment variable", "value")
    for name, value in values.items():
        table.add_row(name, f"NEWSFLOW_{name.upper()}", "" if value is None else str(value))
    console.print(table)


@app.command()
def serve(stage: str = typer.Argument(..., help=f"the stage to run: {', '.join(STAGE_NAMES)}")) -> None:
    """Run one pipeline service in the foreground (one consumer group per stage)."""
    if stage not in STAGE_NAMES:
        console.print(f"[red]unknown stage {escape(repr(stage))}[/]; available: {', '.join(STAGE_NAMES)}")
        raise typer.Exit(2)
    from functools import partial

    from newsflow.common.lifecycle import run_until_signalled
    from newsflow.common.logs import configure_logging
    from newsflow.common.ops import ops_port, start_ops_server
    from newsflow.wiring import run_stage

    settings = Settings()
    configure_logging(settings)
    try:
        start_ops_server(stage, settings)
    except OSError as exc:
        console.print(f"[red]{stage}: cannot serve health and metrics on 127.0.0.1:{ops_port(stage, settings)} "
                      f"({escape(str(exc.strerror))})[/]; set NEWSFLOW_OPS_PORT (or stop what uses it)")
        raise typer.Exit(1) from exc
    run_until_signalled(partial(run_stage, Stage(stage), settings))


@app.command("parse")
def parse_file(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="an HTML page or a plain-text article"),
    url: str | None = typer.Option(None, help="the page's URL (for canonical links and ids)"),
    source: str = typer.Option("cli", help="source name (for plain text without a URL)"),
    charset: str | None = typer.Option(None, help="charset to assume, as an HTTP header would give it"),
) -> None:
    """Parse one saved page or text file and print the ParsedArticle as JSON (for debugging a page by hand)."""
    from newsflow.parse.cli_support import parse_path

    try:
        print(parse_path(path, url=url, source=source, charset=charset))
    except ValueError as exc:
        console.print(f"[red]{escape(str(path))}: {escape(str(exc))}[/]")
        raise typer.Exit(1) from exc


@app.command()
def status() -> None:
    """Each service's health, message counts and consumer lag (from its endpoints on 127.0.0.1)."""
    from newsflow.common.ops import ops_port, service_status

    settings = Settings()
    table = Table("service", "health", "ok", "rejected", "poison", "transient", "lag", "endpoint")
    for stage in Stage:
        url = f"http://127.0.0.1:{ops_port(stage, settings)}"
        found = service_status(stage, url)
        if found is None:
            table.add_row(stage, "[red]down[/]", "", "", "", "", "", url)
            continue
        counts = [str(found.messages.get(outcome, 0)) for outcome in ("ok", "rejected", "poison", "transient")]
        table.add_row(stage, "ready" if found.ready else "starting", *counts,
                      "?" if found.lag is None else str(found.lag), url)
    console.print(table)


@app.command()
def init(dashboards: bool = typer.Option(True, help="also import the saved objects into Kibana/Dashboards")) -> None:
    """Everything a deployment needs before the services start: topics, index template and aliases, and the
    saved objects for Kibana/Dashboards. Safe to repeat (the compose stack's one-shot init runs it)."""
    from newsflow.index.commands import dashboards_import, index_setup

    topics_create()
    index_setup()
    if dashboards:
        dashboards_import()


@app.command("delete")
def delete(article_ids: list[str] = typer.Argument(..., help="article ids (as `newsflow search --json` shows)")
           ) -> None:
    """Take articles down: tombstones on the article topics (compaction then drops every stored revision, and
    the services skip them) and a delete from the search index."""
    from newsflow.index.commands import with_engine
    from newsflow.index.setup import remove_articles

    settings = Settings()
    _on_broker(settings, write_tombstones(settings, ARTICLE_TOPICS, article_ids))
    removed = with_engine(lambda engine, settings: remove_articles(engine, settings, article_ids))
    for article_id in article_ids:
        where = "removed from the index" if article_id in removed else "was not in the index"
        console.print(f"{escape(article_id)}: tombstones on {len(ARTICLE_TOPICS)} topics; {where}")


@topics_app.command("create")
def topics_create() -> None:
    """Create every topic of the pipeline that does not exist yet and bring existing topics' settings back to the
    topic table; refuse, naming each, topics whose partition count differs (safe to run again)."""
    settings = Settings()
    report = _on_broker(settings, ensure_topics(settings))
    for difference in report.aligned:
        console.print(f"aligned {escape(str(difference))}")
    console.print(f"topics: {len(report.created)} created, {len(report.existing)} already there, "
                  f"{len(report.aligned)} setting(s) aligned (broker {escape(settings.kafka_bootstrap)})")


@topics_app.command("check")
def topics_check() -> None:
    """Compare the broker's topics with the topic table (partitions, retention, cleanup policy, message size);
    changes nothing, exits 1 when anything differs."""
    settings = Settings()
    differences = _on_broker(settings, check_topics(settings))
    for difference in differences:
        console.print(f"[red]differs:[/] {escape(str(difference))}")
    if differences:
        console.print("`newsflow topics create` creates missing topics and aligns settings; partitions it cannot fix")
        raise typer.Exit(1)
    console.print(f"topics: all {len(ALL_TOPICS)} match the topic table")


def _on_broker(settings: Settings, work: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(work)
    except Exception as exc:  # the CLI's edge: name what failed and what to do, no traceback
        console.print(f"[red]the broker at {escape(settings.kafka_bootstrap)} failed:[/] {escape(str(exc))}. "
                      "Is the broker running (make run) and NEWSFLOW_KAFKA_BOOTSTRAP right?")
        raise typer.Exit(1) from exc


@topics_app.command("list")
def topics_list() -> None:
    """List the pipeline's topics as declared (name, key, partitions, retention)."""
    prefix = Settings().topic_prefix
    table = Table("topic", "key", "partitions", "retention", "carries")
    for spec in ALL_TOPICS:
        table.add_row(topic_name(spec, prefix), spec.key, str(spec.partitions), spec.retention, spec.description)
    console.print(table)


if __name__ == "__main__":
    app()
