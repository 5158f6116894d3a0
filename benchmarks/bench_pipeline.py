"""End to end: dev-set pages through the running pipeline (parse, enrich and index services on the embedded
broker and OpenSearch) beside the same stages chained in one process without Kafka or services, in one run.

    make bench-pipeline      (starts the embedded broker and OpenSearch if needed; part of make bench)

1. in process: parse -> enrich (its band index in OpenSearch) -> bulk index in batches of `index_batch_docs`,
   one article after another; the clock stops when the last article is searchable.
2. pipeline at its maximum rate: every raw document pushed at once into fresh topics served by freshly started
   services; throughput = articles / (push start -> last article searchable).
3. pipeline at half that rate: the same documents pushed one by one, evenly spaced: ingest-to-searchable latency
   of each (pushed -> first seen by a search), p50/p95/p99.

Pages enter as raw documents, as `newsflow push` sends them (fetching has its own benchmark, bench-fetch). Each
part has its own topics and indices (prefix bench-<run>-<part>), deleted afterwards; the services run with their
defaults (embeddings off; enrich with NEWSFLOW_ENRICH_PROCESSES analysis processes, 2) as separate processes on the
same cores as everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from benchmarks.devset import pages, raw_document
from newsflow.common.kafka import client_options, ensure_topics, producer_options
from newsflow.common.settings import Settings
from newsflow.enrich.bands import SearchBandStore
from newsflow.enrich.settings import EnrichSettings
from newsflow.enrich.stage import Tools, analyse, enrich
from newsflow.index.document import to_document
from newsflow.index.settings import IndexSettings
from newsflow.index.setup import ensure_index_setup
from newsflow.parse.stage import parse
from newsflow.search import IndexedDoc, OpenSearchEngine
from newsflow.wiring import STAGE_NAMES
from newsflow_schemas import (
    ARTICLES_RAW,
    ParsedArticle,
    RawDocument,
    SourceInfo,
    article_id_for_url,
    encode,
    revision_at,
    topic_name,
)
from tests.fetch_server import free_port
from tests.newsroom import story, story_html

console = Console(width=130)
SERVICES = STAGE_NAMES[1:]  # the composition root's stages after fetch: raw documents are pushed
POLL_S = 0.1  # how often searchability is checked


def documents(limit: int | None) -> list[RawDocument]:
    """The dev-set pages in one fixed shuffled order. The dev set is sorted by country and publisher, which would
    push every long English article (the costliest to enrich: 0.4-1.3 s against 25 ms for the median page) in one
    burst; a pipeline fed by many feeds sees them interleaved."""
    docs = [raw_document(page, datetime.now(UTC)) for page in pages(limit)]
    random.Random(7).shuffle(docs)
    return docs


def stamped(document: RawDocument) -> RawDocument:
    """The document as it enters now: its ingest time and revision are the moment of the push."""
    now = datetime.now(UTC)
    return document.model_copy(update={"ingested_at": now, "fetched_at": now, "revision": revision_at(now)})


class Searchable:
    """Records when each expected article first shows up in a search of the read alias (polled every POLL_S)."""

    def __init__(self, engine: OpenSearchEngine, alias: str, expected: set[str]) -> None:
        self.engine, self.alias, self.expected = engine, alias, expected
        self.seen: dict[str, datetime] = {}

    async def wait_all(self, deadline_s: float, label: str) -> datetime:
        deadline = time.monotonic() + deadline_s
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(label, total=len(self.expected))
            while len(self.seen) < len(self.expected) and time.monotonic() < deadline:
                found = await self.engine.search(self.alias, {"size": 10000, "_source": False,
                                                              "query": {"match_all": {}}})
                now = datetime.now(UTC)
                for hit in found.hits:
                    if hit.id in self.expected:
                        self.seen.setdefault(hit.id, now)
                progress.update(task, completed=len(self.seen))
                await asyncio.sleep(POLL_S)
        if len(self.seen) < len(self.expected):
            raise SystemExit(f"{label}: only {len(self.seen)} of {len(self.expected)} articles searchable after "
                             f"{deadline_s:.0f} s; see the service logs named at the start")
        return max(self.seen.values())


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values_ms, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values_ms)}


# --- 1. the stages chained in one process ----------------------------------------------------------------------
async def in_process(settings: IndexSettings, docs: list[RawDocument], tools: Tools) -> tuple[dict, dict[str, str]]:
    """The chained stages' figures, and the id each pushed document ends up under (parse may take the page's
    canonical URL), for the pipeline parts to follow the same articles."""
    engine = OpenSearchEngine.from_settings(settings)
    final_ids: dict[str, str] = {}
    try:
        plan = await ensure_index_setup(engine, settings)
        bands = SearchBandStore(engine, settings.index_prefix)
        await bands.setup()
        batch: list[IndexedDoc] = []
        started = datetime.now(UTC)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("in process: parse, enrich, index", total=len(docs))
            for raw in map(stamped, docs):
                now = datetime.now(UTC)
                parsed = parse(raw, now)
                progress.advance(task)
                if not isinstance(parsed, ParsedArticle):
                    continue
                article = await enrich(parsed, analyse(parsed, tools), bands, now)
                final_ids[raw.article_id] = article.article_id
                batch.append(IndexedDoc(article.article_id, to_document(article, datetime.now(UTC)),
                                        article.external_version))
                if len(batch) >= settings.index_batch_docs:
                    await _write(engine, plan.write_alias, batch)
            await _write(engine, plan.write_alias, batch)
        searchable = Searchable(engine, plan.read_alias, set(final_ids.values()))
        seconds = ((await searchable.wait_all(120, "in process: until searchable")) - started).total_seconds()
        count = len(searchable.expected)
        return {"articles": count, "seconds": seconds, "articles_per_s": count / seconds}, final_ids
    finally:
        await engine.delete_index(f"{settings.index_prefix}-*")
        await engine.delete_templates(f"{settings.index_prefix}-*")
        await engine.close()


async def _write(engine: OpenSearchEngine, alias: str, batch: list[IndexedDoc]) -> None:
    failed = [r for r in await engine.bulk_index(alias, batch) if r.outcome == "failed"]
    batch.clear()
    if failed:
        raise SystemExit(f"in-process indexing failed: {failed[0].reason}")


# --- 2 and 3. the running pipeline ---------------------------------------------------------------------------
class Services:
    """parse, enrich and index as separate processes with these settings; logs in a temporary folder."""

    def __init__(self, settings: Settings, index: IndexSettings, log_dir: Path) -> None:
        self.settings, self.index, self.log_dir = settings, index, log_dir
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}

    async def start(self) -> None:
        await ensure_topics(self.settings)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for stage in SERVICES:
            self.ports[stage] = free_port()
            env = {**os.environ, **self.settings.environment(), **self.index.environment(),
                   "NEWSFLOW_OPS_PORT": str(self.ports[stage]), "NEWSFLOW_LOG_LEVEL": "WARNING"}
            with (self.log_dir / f"{stage}.log").open("ab") as log:
                self.processes[stage] = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "serve", stage],
                                                         env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        async with httpx.AsyncClient() as client:
            for stage, port in self.ports.items():
                while not await _ready(client, port):
                    if self.processes[stage].poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"the {stage} service did not start: see {self.log_dir / stage}.log")
                    await asyncio.sleep(0.5)

    async def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.to_thread(process.wait, 30)
            except subprocess.TimeoutExpired:
                process.kill()
        admin = AIOKafkaAdminClient(**client_options(self.settings))
        await admin.start()
        try:
            prefix = self.settings.topic_prefix
            await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(prefix)])
        finally:
            await admin.close()


async def _ready(client: httpx.AsyncClient, port: int) -> bool:
    try:
        return (await client.get(f"http://127.0.0.1:{port}/health/ready")).status_code == 200
    except httpx.TransportError:
        return False


async def pipeline(part: tuple[Settings, IndexSettings], docs: list[RawDocument], rate: float | None,
                   final_ids: dict[str, str], log_dir: Path) -> dict:
    """Push the documents (all at once when rate is None, else `rate` per second) into freshly started services."""
    settings, index = part
    services = Services(settings, index, log_dir)
    engine = OpenSearchEngine.from_settings(index)
    producer = AIOKafkaProducer(**producer_options(settings))
    try:
        await producer.start()
        await services.start()
        plan = await ensure_index_setup(engine, index)
        await _warm_up(producer, settings, engine, plan.read_alias)
        searchable = Searchable(engine, plan.read_alias, set(final_ids.values()))
        topic, pushed = topic_name(ARTICLES_RAW, settings.topic_prefix), {}
        started, wall_started = time.perf_counter(), datetime.now(UTC)
        label = "pipeline at its maximum rate" if rate is None else f"pipeline at {rate:.2f} articles/s"
        watching = asyncio.create_task(searchable.wait_all(900, label))
        for n, document in enumerate(docs):
            if rate is not None:
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            document = stamped(document)
            pushed[final_ids.get(document.article_id)] = document.ingested_at
            await _send(producer, topic, document)
        last = await watching
        seconds = (last - wall_started).total_seconds()
        latencies = [(seen - pushed[article_id]).total_seconds() * 1000
                     for article_id, seen in searchable.seen.items()]
        count = len(searchable.expected)
        return {"articles": count, "seconds": seconds, "articles_per_s": count / seconds,
                "offered_rate_per_s": rate, "latency_ms": percentiles(latencies),
                "median_ms_per_hop": await _hops(engine, plan.read_alias, searchable.seen)}
    finally:
        await producer.stop()
        await services.stop()
        await engine.delete_index(f"{index.index_prefix}-*")
        await engine.delete_templates(f"{index.index_prefix}-*")
        await engine.close()


HOPS = (("ingested_at", "parsed_at", "pushed -> parsed"), ("parsed_at", "enriched_at", "parsed -> enriched"),
        ("enriched_at", "indexed_at", "enriched -> indexed"), ("indexed_at", "seen", "indexed -> searchable"))


async def _hops(engine: OpenSearchEngine, alias: str, seen: dict[str, datetime]) -> dict[str, float]:
    """Where the time goes: the median of each hop, from the times every stage stamps on the article."""
    docs = await engine.get_many(alias, list(seen))
    spans: dict[str, list[float]] = {name: [] for *_, name in HOPS}
    for article_id, doc in docs.items():
        stamps = {key: datetime.fromisoformat(doc[key]) for key in ("ingested_at", "parsed_at", "enriched_at",
                                                                     "indexed_at")} | {"seen": seen[article_id]}
        for start, end, name in HOPS:
            spans[name].append((stamps[end] - stamps[start]).total_seconds() * 1000)
    return {name: statistics.median(values) for name, values in spans.items()}


async def _send(producer: AIOKafkaProducer, topic: str, document: RawDocument) -> None:
    value, headers = encode(document)
    await producer.send(topic, value, key=document.article_id.encode(), headers=headers)


async def _warm_up(producer: AIOKafkaProducer, settings: Settings, engine: OpenSearchEngine, alias: str) -> None:
    """One article of our own through the fresh services first: every consumer group has joined and every model
    is loaded before the clock starts."""
    html = story_html(story(0)).encode()
    url = "https://warm-up.newsflow.invalid/story/0"
    now = datetime.now(UTC)
    document = RawDocument(article_id=article_id_for_url(url), revision=revision_at(now), ingested_at=now, url=url,
                           source=SourceInfo(name="warm-up", kind="push"), fetched_at=now, content_type="text/html",
                           body_encoding="base64", body=base64.b64encode(html).decode(), body_bytes=len(html),
                           body_sha256=hashlib.sha256(html).hexdigest())
    await _send(producer, topic_name(ARTICLES_RAW, settings.topic_prefix), document)
    await Searchable(engine, alias, {document.article_id}).wait_all(180, "warming up the services")


# --- the run -----------------------------------------------------------------------------------------------------
async def main_async(limit: int | None, json_path: str | None) -> None:
    docs = documents(limit)
    run = uuid.uuid4().hex[:8]

    def part(name: str) -> tuple[Settings, IndexSettings]:
        return Settings(topic_prefix=f"bench-{run}-{name}."), IndexSettings(index_prefix=f"bench-{run}-{name}")

    console.print(f"{len(docs)} dev-set pages; loading the enrichment models for the in-process chain ...")
    chained, final_ids = await in_process(part("inproc")[1], docs, Tools.load())
    console.print(f"in process: {chained['articles']} articles in {chained['seconds']:.1f} s")
    logs = Path(tempfile.mkdtemp(prefix="newsflow-bench-"))  # kept: the services' logs, should a part fail
    console.print(f"service logs in {logs}")
    fastest = await pipeline(part("max"), docs, None, final_ids, logs / "max")
    console.print(f"pipeline at its maximum rate: {fastest['articles_per_s']:.2f} articles/s")
    half = await pipeline(part("half"), docs, fastest["articles_per_s"] / 2, final_ids, logs / "half")
    report = {"pages": len(docs), "enrich_processes": EnrichSettings().enrich_processes, "in_process": chained,
              "pipeline_max_rate": fastest, "pipeline_half_rate": half,
              "throughput_ratio": fastest["articles_per_s"] / chained["articles_per_s"],
              "targets": {"throughput_ratio": ">= 1.20 (within 10 % of 1.33)", "p95_ms_at_half_rate": "< 1500"}}
    table = Table(title=f"{chained['articles']} dev-set articles, raw document -> searchable (same run, same cores; "
                        f"enrich service with {report['enrich_processes']} analysis processes)")
    for column in ("path", "articles/s", "seconds", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="right" if column != "path" else "left")
    table.add_row("stages chained in one process", f"{chained['articles_per_s']:.2f}", f"{chained['seconds']:.1f}",
                  "", "", "")
    for name, result in (("pipeline, everything pushed at once", fastest),
                         (f"pipeline at half that rate ({half['offered_rate_per_s']:.2f}/s)", half)):
        latency = result["latency_ms"]
        table.add_row(name, f"{result['articles_per_s']:.2f}", f"{result['seconds']:.1f}", f"{latency['p50']:.0f}",
                      f"{latency['p95']:.0f}", f"{latency['p99']:.0f}")
    table.add_row("throughput ratio pipeline / in process", f"{report['throughput_ratio']:.2f}", "target >= 1.20",
                  "", "target < 1500", "")
    console.print(table)
    console.print("median per hop at half rate: " + ", ".join(
        f"{name} {ms:.0f} ms" for name, ms in half["median_ms_per_hop"].items()))
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=2))
        console.print(f"written to {json_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N dev-set pages")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    args = parser.parse_args()
    asyncio.run(main_async(args.limit, args.json))


if __name__ == "__main__":
    main()
