"""Enrichment cost per English article, per enricher and for the whole stage, beside the parse stage on the same
dev-set pages in the same run (embeddings are not part of this version).

    make bench-enrich
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

import newsflow.enrich.stage as stage
from benchmarks.devset import pages, raw_document
from newsflow.enrich.duplicates import MemoryBandStore
from newsflow.enrich.language import identify as identify_untimed
from newsflow.enrich.stage import Tools, analyse, enrich
from newsflow.parse.stage import Rejected, parse
from newsflow_schemas import ParsedArticle

console = Console()
TIMED = ["identify", "normalise", "clean_spans", "find_quotes", "keyphrases", "find_money", "find_dates",
         "sentence_scores"]


def _timed(name, function, totals):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - started
    return wrapper


async def main_async(limit: int, json_path: str | None) -> None:
    now = datetime.now(UTC)
    try:
        tools = Tools.load(("en",), embeddings=True)
    except ImportError as exc:
        console.print(f"(without embeddings: {exc})")
        tools = Tools.load(("en",))
    totals: dict[str, float] = defaultdict(float)
    if tools.embedder is not None:
        tools.embedder.embed = _timed("embedding (MiniLM)", tools.embedder.embed, totals)  # type: ignore[method-assign]
    for name in TIMED:
        setattr(stage, name, _timed(name, getattr(stage, name), totals))
    ner = tools.pipelines["en"]
    tools.pipelines["en"] = _timed("spacy NER", ner, totals)
    tools.pipelines["en"].meta = ner.meta  # type: ignore[attr-defined]
    parse_s = enrich_s = 0.0
    store, count = MemoryBandStore(), 0
    for page in pages():
        started = time.perf_counter()
        article = parse(raw_document(page, now), now)
        parse_elapsed = time.perf_counter() - started
        if isinstance(article, Rejected) or not isinstance(article, ParsedArticle):
            continue
        if identify_untimed(article.full_text()).code != "en":
            continue
        started = time.perf_counter()
        analysis = analyse(article, tools)
        await enrich(article, analysis, store, now)
        enrich_s += time.perf_counter() - started
        parse_s += parse_elapsed
        count += 1
        if count >= limit:
            break
    table = Table(title=f"cost per English article over {count} dev-set pages (one process, same run)")
    table.add_column("step")
    table.add_column("ms/article", justify="right")
    table.add_column("articles/s", justify="right")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        table.add_row(name, f"{1000 * seconds / count:.1f}", f"{count / seconds:,.0f}")
    without = enrich_s - totals.get("embedding (MiniLM)", 0.0)
    if tools.embedder is not None:
        table.add_row("enrich stage, whole, with embeddings", f"{1000 * enrich_s / count:.1f}",
                      f"{count / enrich_s:.1f}")
    table.add_row("enrich stage, whole, without embeddings", f"{1000 * without / count:.1f}", f"{count / without:.1f}")
    table.add_row("parse stage, same pages", f"{1000 * parse_s / count:.1f}", f"{count / parse_s:.1f}")
    table.add_row("enrich (without embeddings) / parse cost", f"{without / parse_s:.2f}", "target <= 2.00")
    console.print(table)
    if json_path:
        with open(json_path, "w") as out:
            json.dump({"articles": count, "enrich_ms": 1000 * enrich_s / count,
                       "enrich_without_embeddings_ms": 1000 * without / count, "parse_ms": 1000 * parse_s / count,
                       "ratio": without / parse_s, "steps_ms": {k: 1000 * v / count for k, v in totals.items()}},
                      out, indent=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    asyncio.run(main_async(args.limit, args.json))


if __name__ == "__main__":
    main()
