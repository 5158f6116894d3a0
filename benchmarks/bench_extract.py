"""Extraction quality and speed on the shared dev set: newsflow's parse stage beside trafilatura alone.

    make bench-extract            (or: python -m benchmarks.bench_extract [--limit N] [--json FILE])

Both run in one process over the same pages, alternating page by page so that machine noise hits both alike.
Quality metrics are those of the dev set's README (see benchmarks/extraction_metrics.py). The dev set's
`articleBody` includes the lede, so newsflow's summary + body paragraphs are compared with it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import time
from datetime import UTC, date, datetime

import trafilatura
from rich.console import Console
from rich.progress import track
from rich.table import Table

from benchmarks.devset import Page, pages, require
from benchmarks.extraction_metrics import Scores
from newsflow.parse.source_time import local_date
from newsflow.parse.stage import Rejected, parse
from newsflow_schemas import ParsedArticle, RawDocument, SourceInfo, article_id_for_url

console = Console()


def raw_document(page: Page, now: datetime) -> RawDocument:
    return RawDocument(
        article_id=article_id_for_url(page.url), revision=0, ingested_at=now, url=page.url,
        source=SourceInfo(name=page.key.split("/")[1].rsplit("_", 3)[0], kind="page"), fetched_at=now,
        content_type="text/html", body_encoding="base64", body=base64.b64encode(page.html).decode(),
        body_bytes=len(page.html), body_sha256=hashlib.sha256(page.html).hexdigest(),
    )


def run_newsflow(page: Page, raw: RawDocument, now: datetime, scores: Scores) -> str | None:
    started = time.perf_counter()
    result = parse(raw, now)
    scores.seconds += time.perf_counter() - started
    if isinstance(result, Rejected):
        scores.add("", page.body, None, page.title, None, page.day, [], page.authors)
        return result.reason
    assert isinstance(result, ParsedArticle)
    text = "\n\n".join([*([result.summary] if result.summary else []), *(p.text for p in result.body)])
    day = local_date(result.published) if result.published else None
    scores.add(text, page.body, result.title, page.title, day, page.day, result.authors, page.authors)
    return None


def run_trafilatura(page: Page, scores: Scores) -> None:
    started = time.perf_counter()
    doc = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    scores.seconds += time.perf_counter() - started
    if doc is None:
        scores.add("", page.body, None, page.title, None, page.day, [], page.authors)
        return
    day = date.fromisoformat(doc.date) if doc.date else None
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    scores.add(doc.text or "", page.body, doc.title, page.title, day, page.day, authors, page.authors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    require()
    now = datetime.now(UTC)
    ours, theirs, rejected = Scores(), Scores(), {}
    dev_pages = list(pages(args.limit))
    for page in track(dev_pages, description="extracting", console=console):
        reason = run_newsflow(page, raw_document(page, now), now, ours)
        if reason:
            rejected[page.key] = reason
        run_trafilatura(page, theirs)
    report = {"pages": len(dev_pages), "newsflow": ours.summary(), "trafilatura": theirs.summary(),
              "rejected": rejected}
    table = Table(title=f"extraction on {len(dev_pages)} dev-set pages (one process, same run)")
    for column in ("metric", "newsflow", "trafilatura 2.x alone", "target"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    targets = {"body_f1": ">= 0.97", "title": ">= 0.95", "date": ">= 0.98", "authors_f1": ">= 0.92"}
    for metric in ("body_f1", "body_precision", "body_recall", "title", "date", "authors_f1", "pages_per_s"):
        table.add_row(metric, f"{report['newsflow'][metric]:.3f}", f"{report['trafilatura'][metric]:.3f}",
                      targets.get(metric, ""))
    speed = report["newsflow"]["pages_per_s"] / max(report["trafilatura"]["pages_per_s"], 1e-9)
    table.add_row("speed ratio", f"{speed:.2f}", "1.00", ">= 0.80")
    console.print(table)
    if rejected:
        console.print(f"rejected as not an article: {len(rejected)}: " +
                      "; ".join(f"{k}: {v}" for k, v in list(rejected.items())[:10]))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
