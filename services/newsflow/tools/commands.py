"""`newsflow push`, `newsflow reprocess` and `newsflow dlq list|show|replay`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from newsflow.common.kafka import publish
from newsflow.common.settings import Settings
from newsflow.tools.dlq import Letter, ReplayRefused, read_letters, replay
from newsflow.tools.push import PushRefused, documents_from
from newsflow.tools.reprocess import Selection, reprocess
from newsflow_schemas import ARTICLES_RAW, RawDocument, Stage

dlq_app = typer.Typer(help="Dead letters: what each stage could not process, and why.", no_args_is_help=True)
console = Console()
STAGE_OPTION = typer.Option(..., "--stage", help="fetch, parse, enrich or index")


async def send_raw(settings: Settings, documents: list[RawDocument]) -> None:
    await publish(settings, ARTICLES_RAW, [(document.article_id, document) for document in documents])


def push(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="HTML, plain text or .jsonl files"),
    source: str = typer.Option("push", help="source name (part of the id of documents without a URL)"),
    url: str | None = typer.Option(None, help="the URL of the (single) document, if it has one"),
) -> None:
    """Push documents a feed already has into the pipeline, as raw documents."""
    if url and len(files) > 1:
        console.print("[red]--url names one document: push one file with it[/]")
        raise typer.Exit(2)
    settings = Settings()
    try:
        documents = [doc for path in files for doc in documents_from(
            path, source=source, url=url, max_body_bytes=settings.max_body_bytes,
            max_message_bytes=settings.max_message_bytes)]
    except PushRefused as exc:
        console.print(Text.assemble(("refused:", "red"), f" {exc}"))
        raise typer.Exit(1) from exc
    asyncio.run(send_raw(settings, documents))
    for document in documents:
        console.print(f"pushed {document.article_id[:12]}… ({document.content_type}, {document.body_bytes} bytes)")


@dlq_app.command("list")
def dlq_list(stage: Stage = STAGE_OPTION) -> None:
    """The dead letters of a stage: where, when, why."""
    letters = asyncio.run(read_letters(Settings(), stage))
    table = Table("partition:offset", "last failure", "outcome", "error", "reason", title=f"{len(letters)} dead "
                  f"letter(s) of the {stage} stage")
    for item in letters:
        table.add_row(f"{item.partition}:{item.offset}", item.letter.last_failed_at.isoformat(timespec="seconds"),
                      item.letter.outcome, item.letter.error_type, item.letter.reason[:120])
    console.print(table)


@dlq_app.command("show")
def dlq_show(stage: Stage = STAGE_OPTION, position: str = typer.Argument(..., help="PARTITION:OFFSET")) -> None:
    """One dead letter in full, with its original message decoded where it is text."""
    item = _find(asyncio.run(read_letters(Settings(), stage)), position)
    shown = item.letter.model_dump(mode="json", by_alias=True)
    original = item.letter.original.value()
    try:
        shown["original"]["value"] = json.loads(original)
    except ValueError:
        shown["original"]["value"] = original.decode("utf-8", "replace")[:2000]
    print(json.dumps(shown, indent=2, ensure_ascii=False))


@dlq_app.command("replay")
def dlq_replay(
    stage: Stage = STAGE_OPTION,
    positions: list[str] = typer.Argument(None, help="PARTITION:OFFSET of the letters to replay"),
    all_letters: bool = typer.Option(False, "--all", help="replay every dead letter of the stage"),
) -> None:
    """Re-inject the original bytes into the stage's input, after a fix. Safe to repeat."""
    settings = Settings()
    letters = asyncio.run(read_letters(settings, stage))
    chosen = letters if all_letters else [_find(letters, position) for position in positions or []]
    if not chosen:
        console.print("name letters as PARTITION:OFFSET, or pass --all")
        raise typer.Exit(2)
    try:
        count = asyncio.run(replay(settings, stage, chosen))
    except ReplayRefused as exc:
        console.print(f"[red]refused:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    console.print(f"replayed {count} dead letter(s) into the {stage} stage's input")


def _find(letters: list[Letter], position: str) -> Letter:
    partition, _, offset = position.partition(":")
    for item in letters:
        if (str(item.partition), str(item.offset)) == (partition, offset):
            return item
    console.print(f"[red]no dead letter at {escape(position)}[/]")
    raise typer.Exit(1)


def reprocess_command(
    source: str | None = typer.Option(None, help="only documents of this source"),
    since: datetime | None = typer.Option(None, help="only documents that entered at or after (ISO date/time, UTC)"),
    until: datetime | None = typer.Option(None, help="only documents that entered before (ISO date/time, UTC)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="count what would be sent, send nothing"),
) -> None:
    """Send stored raw documents through parse, enrich and index again (after a parser or enricher change): the
    new text replaces the indexed one. With no option, every stored article."""
    settings = Settings()
    selection = Selection(source=source, since=_utc(since), until=_utc(until))
    with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def shown(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            report = asyncio.run(reprocess(settings, selection, shown, dry_run=dry_run))
        except LookupError as exc:
            console.print(f"[red]{escape(str(exc))}[/]")
            raise typer.Exit(1) from exc
    parts = [f"{report.scanned} raw records read, {report.articles} articles stored",
             f"{'would send' if dry_run else 'sent'} {report.sent} again one generation higher"]
    if report.skipped_unreadable:
        parts.append(f"{report.skipped_unreadable} unreadable (see the parse stage's dead letters)")
    if report.at_max_generation:
        parts.append(f"{report.at_max_generation} at the last generation, left alone")
    console.print("; ".join(parts))


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
