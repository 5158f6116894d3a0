"""Indexing throughput of the index service beside a plain `helpers.async_bulk` of the same documents to the
same engine, in the same run.

    make bench-index     (needs the embedded stack: make run)

The service's figure includes everything it does per message (Kafka fetch, decode, projection, bulk write with
external versions, offset commit); the plain figure is only the bulk write of ready documents. Each side gets
its own fresh index.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
import uuid
from datetime import UTC, datetime

from opensearchpy import AsyncOpenSearch, helpers
from rich.console import Console
from rich.table import Table

from newsflow.common.kafka import ensure_topics
from newsflow.common.metrics import MESSAGES
from newsflow.common.outcomes import Outcome
from newsflow.common.settings import Settings
from newsflow.index.document import to_document
from newsflow.index.settings import IndexSettings
from newsflow.index.setup import layout
from newsflow.search import OpenSearchEngine
from newsflow.wiring import run_stage
from newsflow_schemas import ARTICLES_ENRICHED, EnrichedArticle, Stage, article_id_for_url, decode, encode
from tests.integration.kafka_helpers import produce, wait_committed
from tests.unit.schemas.conftest import EXAMPLES

console = Console()


def articles(count: int) -> list[EnrichedArticle]:
    base: EnrichedArticle = decode(next(p for p in EXAMPLES if "enriched" in str(p)).read_bytes())
    return [base.model_copy(update={"article_id": article_id_for_url(f"https://bench.example.org/{n}"),
                                    "url": f"https://bench.example.org/{n}", "title": f"Benchmark story {n}"})
            for n in range(count)]


async def plain_bulk(settings: IndexSettings, docs: list[EnrichedArticle], index: str, body: dict) -> float:
    client = AsyncOpenSearch(hosts=[settings.search_url], timeout=120)
    await client.indices.create(index=index, body=body)
    now = datetime.now(UTC)
    actions = [{"_index": index, "_id": a.article_id, "_source": to_document(a, now)} for a in docs]
    started = time.perf_counter()
    await helpers.async_bulk(client, actions, chunk_size=settings.index_batch_docs, max_chunk_bytes=8 * 2**20)
    elapsed = time.perf_counter() - started
    await client.indices.delete(index=index)
    await client.close()
    return elapsed


async def service(settings: Settings, index: IndexSettings, docs: list[EnrichedArticle]) -> float:
    """Steady-state time of the running service for the same number of documents: the documents are in the
    topic before the service starts (so no producer competes for the CPU); the clock starts when the first batch
    is written (group join and start-up excluded) and stops when every message is handled."""
    await ensure_topics(settings, [ARTICLES_ENRICHED])
    topic = settings.topic_prefix + ARTICLES_ENRICHED.name
    await produce(settings, topic, [(a.article_id.encode(), *encode(a)) for a in docs])
    handled = MESSAGES.labels(Stage.INDEX, Outcome.OK)
    before = handled._value.get()
    stop = asyncio.Event()
    task = asyncio.create_task(run_stage(Stage.INDEX, settings, stop, index))
    while (first := handled._value.get() - before) == 0:
        await asyncio.sleep(0.001)
    started = time.perf_counter()
    while handled._value.get() - before < len(docs):
        await asyncio.sleep(0.001)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    committed = await wait_committed(settings, f"{settings.topic_prefix}newsflow-index", topic,
                                     ARTICLES_ENRICHED.partitions, len(docs))
    if committed != len(docs):
        raise SystemExit(f"the service committed {committed} of {len(docs)} messages")
    return elapsed * len(docs) / (len(docs) - first)  # the first batch's documents were not timed


async def one_round(run: str, number: int, docs: list[EnrichedArticle]) -> tuple[float, float, int]:
    """Both sides once, each into its own fresh index; the order alternates between rounds."""
    settings = Settings(topic_prefix=f"bench-{run}-{number}.", log_level="WARNING")
    index = IndexSettings(index_prefix=f"bench-{run}-{number}")
    engine = OpenSearchEngine.from_settings(index)
    plan = layout(engine, index)
    try:
        if number % 2:
            service_s = await service(settings, index, docs)
            plain_s = await plain_bulk(index, docs, f"bench-{run}-{number}-plain", plan.body)
        else:
            plain_s = await plain_bulk(index, docs, f"bench-{run}-{number}-plain", plan.body)
            service_s = await service(settings, index, docs)
        await engine.refresh(plan.write_alias)
        indexed = await engine.count(plan.read_alias)
    finally:
        await engine.delete_index(plan.physical)
        await engine.delete_templates(plan.template)
        await engine.close()
    return plain_s, service_s, indexed


async def main_async(count: int, rounds: int, json_path: str | None) -> None:
    run = uuid.uuid4().hex[:8]
    docs = articles(count)
    # the 20,000 articles are the benchmark's, not the service's (whose process holds no such heap): frozen, no
    # garbage collection walks them, on either side (unfrozen, they cost the allocation-heavy service ~40% of its CPU)
    gc.collect()
    gc.freeze()
    warm = IndexSettings(index_prefix=f"bench-{run}-warm-up")
    await plain_bulk(warm, docs[:2000], f"bench-{run}-warm-up", layout(OpenSearchEngine.from_settings(warm),
                                                                      warm).body)  # the engine's JIT, caches
    results = []
    for number in range(rounds):
        results.append(await one_round(run, number, docs))
        console.print(f"round {number + 1}: plain {count / results[-1][0]:,.0f} docs/s, "
                      f"service {count / results[-1][1]:,.0f} docs/s")
    plain_s = statistics.median(r[0] for r in results)
    service_s = statistics.median(r[1] for r in results)
    report = {"documents": count, "rounds": rounds, "indexed_by_service": [r[2] for r in results],
              "plain_async_bulk_docs_per_s": count / plain_s, "service_docs_per_s": count / service_s,
              "ratio": plain_s / service_s,
              "per_round": [{"plain_docs_per_s": count / p, "service_docs_per_s": count / s} for p, s, _ in results]}
    table = Table(title=f"indexing {count} enriched articles into OpenSearch (same engine, same run; median of "
                        f"{rounds} interleaved rounds)")
    for column in ("path", "docs/s", "seconds"):
        table.add_column(column)
    table.add_row("helpers.async_bulk (ready documents)", f"{count / plain_s:,.0f}", f"{plain_s:.2f}")
    table.add_row("index service (Kafka -> engine, commits)", f"{count / service_s:,.0f}", f"{service_s:.2f}")
    table.add_row("ratio service / plain", f"{report['ratio']:.2f}", "target >= 0.80")
    console.print(table)
    if any(indexed != count for indexed in report["indexed_by_service"]):
        raise SystemExit(f"the service indexed {report['indexed_by_service']} of {count} documents")
    if json_path:
        with open(json_path, "w") as out:
            json.dump(report, out, indent=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the medians are compared")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    asyncio.run(main_async(args.count, args.rounds, args.json))


if __name__ == "__main__":
    main()
