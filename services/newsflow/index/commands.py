"""`newsflow index ...`, `newsflow dashboards import`, `newsflow search` and `newsflow similar`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsflow.common.settings import redact_url
from newsflow.index.dashboards import import_saved_objects
from newsflow.index.query import COPIES, MARK_END, MARK_START, SearchFilters, copies_note, search_body
from newsflow.index.settings import IndexSettings
from newsflow.index.setup import ensure_index_setup, layout, migrate
from newsflow.search import SearchEngine, SearchEngineError, SearchHit, SearchHits, connect

index_app = typer.Typer(help="The article index: template, aliases, migrations.", no_args_is_help=True)
dashboards_app = typer.Typer(help="Saved objects for Kibana / OpenSearch Dashboards.", no_args_is_help=True)
console = Console()
T = TypeVar("T")


def with_engine(work: Callable[[SearchEngine, IndexSettings], Awaitable[T]]) -> T:
    """Run one engine operation; a failure prints what failed and what to do, without a traceback."""
    settings = IndexSettings()

    async def run() -> T:
        engine = await connect(settings)
        try:
            return await work(engine, settings)
        finally:
            await engine.close()

    try:
        return asyncio.run(run())
    except SearchEngineError as exc:
        console.print(Text.assemble((f"search engine at {redact_url(settings.search_url)}:", "red"), f" {exc}"))
        raise typer.Exit(1) from exc


@index_app.command("setup")
def index_setup() -> None:
    """Create the index template, the physical index and its aliases if missing (safe to repeat)."""
    plan = with_engine(ensure_index_setup)
    console.print(f"index ready: write alias {plan.write_alias}, read alias {plan.read_alias} -> {plan.physical}")


@index_app.command("migrate")
def index_migrate(delete_old: bool = typer.Option(False, help="delete the old physical index afterwards")) -> None:
    """Move to the current mapping without downtime: new index, reindex, alias swap, catch-up reindex."""

    async def work(engine: SearchEngine, settings: IndexSettings) -> tuple[list[str], str, int]:
        old, new, copied = await migrate(engine, settings)
        if delete_old:
            for index in old:
                if index != new:
                    await engine.delete_index(index)
        return old, new, copied

    old, new, copied = with_engine(work)
    if old == [new]:
        console.print(f"nothing to migrate: {new} already has the current mapping")
    else:
        console.print(f"migrated {copied} documents from {', '.join(old)} to {new}; aliases swapped"
                      + ("" if delete_old else " (old index kept: --delete-old removes it)"))


@dashboards_app.command("import")
def dashboards_import() -> None:
    """Import the index pattern, saved search, visualisations and dashboard (overwriting earlier ones)."""
    settings = IndexSettings()
    try:
        result = asyncio.run(import_saved_objects(settings))
    except Exception as exc:  # the CLI's edge: say what failed and what to do
        console.print(Text.assemble((f"import into {redact_url(settings.dashboards_url)} failed:", "red"),
                                    f" {exc!r}; is it running?"))
        raise typer.Exit(1) from exc
    if not result.get("success"):
        console.print(Text.assemble(("import reported errors:", "red"), f" {json.dumps(result.get('errors'))[:2000]}"))
        raise typer.Exit(1)
    console.print(f"imported {result.get('successCount')} saved objects into {redact_url(settings.dashboards_url)}")


def search(
    query: str = typer.Argument("", help="full-text query (empty: everything)"),
    since: datetime | None = typer.Option(None, help="published at or after (ISO date or time)"),
    until: datetime | None = typer.Option(None, help="published at or before"),
    lang: list[str] = typer.Option([], help="language code, e.g. en (repeatable)"),
    source: list[str] = typer.Option([], help="source name (repeatable)"),
    entity: list[str] = typer.Option([], help="canonical entity name, e.g. 'Jens Stoltenberg' (repeatable)"),
    section: list[str] = typer.Option([], help="section (repeatable)"),
    size: int = typer.Option(10, min=1, max=100),
    all_copies: bool = typer.Option(
        False, "--all-copies", help="show every near-duplicate copy (by default one hit per story, with its count)"),
    as_json: bool = typer.Option(False, "--json", help="print the raw hits and facets as JSON (matches in <mark>)"),
) -> None:
    """Search indexed articles, with highlighted snippets and facet counts; near-duplicate copies fold into one."""
    filters = SearchFilters(since=since, until=until, languages=lang, sources=source, entities=entity,
                            sections=section)

    async def work(engine: SearchEngine, settings: IndexSettings) -> SearchHits:
        return await engine.search(layout(engine, settings).read_alias,
                                   search_body(query, filters, size, collapse=not all_copies))

    _print_hits(with_engine(work), as_json)


def similar(
    article_id: str = typer.Argument(..., help="the article id"),
    size: int = typer.Option(5, min=1, max=50),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Articles closest in meaning to one article (by its embedding)."""

    async def work(engine: SearchEngine, settings: IndexSettings) -> SearchHits:
        alias = layout(engine, settings).read_alias
        found = await engine.get_many(alias, [article_id])
        vector = (found.get(article_id, {}).get("embedding") or {}).get("vector")
        if article_id not in found:
            raise SearchEngineError(f"no article {article_id} in {alias}")
        if not vector:
            raise SearchEngineError(f"article {article_id} has no embedding (embeddings off, or its language "
                                    "is not covered by the model)")
        hits = await engine.knn_search(alias, "embedding.vector", vector, size + 1)
        return SearchHits(total=hits.total, hits=[h for h in hits.hits if h.id != article_id][:size])

    _print_hits(with_engine(work), as_json)


def _print_hits(found: SearchHits, as_json: bool) -> None:
    stories = (found.aggregations.get("clusters") or {}).get("value")
    if as_json:
        hits = [{**hit.__dict__, "highlight": {field: [_tagged(part) for part in parts]
                                               for field, parts in hit.highlight.items()}} for hit in found.hits]
        print(json.dumps({"total": found.total, "stories": stories, "hits": hits,
                          "facets": _facets(found.aggregations)}, default=str, ensure_ascii=False, indent=2))
        return
    title = f"{found.total} articles"
    if stories is not None and stories < found.total:
        title += f" in {stories} {'story' if stories == 1 else 'stories'} (near-duplicate copies folded; " \
                 "--all-copies shows each)"
    table = Table("published", "source", "lang", "title / snippet", title=title)
    for hit in found.hits:
        source: dict[str, Any] = hit.source
        table.add_row(str((source.get("published") or {}).get("utc", ""))[:16],
                      (source.get("source") or {}).get("name", ""), (source.get("language") or {}).get("code", ""),
                      hit_text(hit))
    console.print(table)
    for name, buckets in _facets(found.aggregations).items():
        if buckets:
            console.print(Text.assemble((name, "bold"), ": " + ", ".join(f"{key} ({count})" for key, count in buckets)))


def hit_text(hit: SearchHit) -> Text:
    """Title, copies and up to two snippets of one hit, as rich Text: the article's own text is never read as
    markup (a `[word]` in it stays), and the engine's matches are shown in bold reverse."""
    text = highlighted(hit.highlight.get("title", [hit.source.get("title", "")])[0])
    if note := copies_note(hit.collapsed.get(COPIES, 1)):
        text.append(f"  {note}", style="dim")
    for snippet in [part for field, parts in hit.highlight.items() if field != "title" for part in parts][:2]:
        text.append("\n  …").append_text(highlighted(snippet)).append("…")
    return text


def highlighted(fragment: str) -> Text:
    """An engine's highlight fragment as rich Text, each marked match styled."""
    text = Text()
    for n, part in enumerate(fragment.replace(MARK_END, MARK_START).split(MARK_START)):
        text.append(part, style="bold reverse" if n % 2 else "")
    return text


def _tagged(fragment: str) -> str:
    return fragment.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _facets(aggregations: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    return {name: [(b["key"], b["doc_count"]) for b in agg["buckets"]]
            for name, agg in aggregations.items() if "buckets" in agg}
