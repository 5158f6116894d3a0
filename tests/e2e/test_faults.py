"""Faults over 2,000 articles from the local feed, through the four running services on a broker and a search engine
of the test's own (Apache Kafka and Elasticsearch, in a state folder and on ports of their own, so that they can be
restarted): each service is killed with SIGKILL once, mid-run, and restarted; then, mid-run, the search engine is
stopped for 20 s (enrich's band index and the index service both lose it) and, while it is down, the broker is
stopped and started; 50 poison messages are injected into the stages' inputs (nested JSON among them), and hostile
good input: a page that runs past the parse time limit followed in its partition by good pages, and an article whose
100 KB title once panicked the keyphrase extractor. No service is restarted by the test after the server restarts.
Afterwards every good article is in the index exactly once with every enrichment ok (none degraded by the outage),
every poison message is in its stage's dead-letter topic with its reason, every partition's committed offset
reached the end of what was produced into it (nothing stalled, nothing skipped), and every topic still matches the
topic table (no client re-created one)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaProducer

from newsflow.common.kafka import check_topics, producer_options
from newsflow.common.ops import service_status
from newsflow.common.settings import Settings
from newsflow.fetch.urls import canonical_url
from newsflow.index.setup import layout
from newsflow.parse.stage import parse
from newsflow.search import SearchEngine, connect
from newsflow_schemas import (
    ARTICLES_PARSED,
    ARTICLES_RAW,
    DEAD_LETTERS,
    STAGE_INPUTS,
    DeadLetter,
    ParsedArticle,
    RawDocument,
    Stage,
    article_id_for_url,
    decode,
    encode,
)
from tests.conftest import SEED
from tests.integration.kafka_helpers import committed_by_partition, partition_ends, produce, read_all
from tests.integration.private_stack import PrivateStack
from tests.newsroom import Newsroom, story
from tests.unit.parse.conftest import NOW, raw_html, raw_text

TOTAL = 2000
POISON = 50
OUTAGE_S = 20
#: a service is killed once the committed offsets of its input reach this many messages (all below TOTAL)
KILL_AT = {Stage.FETCH: 300, Stage.PARSE: 500, Stage.ENRICH: 700, Stage.INDEX: 900}


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory, embedded_stack: dict) -> Iterator[PrivateStack]:
    stack = PrivateStack(tmp_path_factory.mktemp("fault-stack"), "broker,elasticsearch", embedded_stack["state_dir"])
    stack.start()
    yield stack
    stack.run("stop")


@pytest.fixture
def settings(fault_stack: PrivateStack, unique_name: str) -> Settings:
    """The module's own broker and engine: the suite's are never stopped."""
    return Settings(kafka_bootstrap=fault_stack.bootstrap, search_url=fault_stack.elasticsearch_url,
                    search_engine="elasticsearch", topic_prefix=f"{unique_name}.", index_prefix=unique_name,
                    log_format="console")


@dataclass(frozen=True)
class Poison:
    stage: Stage
    kind: str
    value: bytes
    reason_says: str  # what the dead letter's reason must mention
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.value).hexdigest()


def poison_messages(settings: Settings) -> list[Poison]:
    """POISON bad messages spread over every stage's input and every kind of bad input (each one distinct)."""
    stages = list(STAGE_INPUTS)
    found = []
    for n in range(POISON):
        stage, kind = stages[n % len(stages)], KINDS[(n // len(stages)) % len(KINDS)]
        schema = STAGE_INPUTS[stage].schema
        value, reason = KINDS_MADE[kind](n, schema, settings.max_message_bytes)
        headers = (("schema", schema.encode()), ("schema-version", b"1.0")) if kind == "nested JSON" else ()
        found.append(Poison(stage, kind, value, reason, headers))
    return found


KINDS_MADE = {
    "not JSON": lambda n, schema, limit: (f"this is not JSON {{{n}".encode(), "not JSON"),
    "unknown schema version": lambda n, schema, limit: (
        json.dumps({"schema": schema, "schema_version": "9.0", "n": n}).encode(), "version 9.0 is not known"),
    "just over the size limit": lambda n, schema, limit: (_padded(n, schema, limit + 1), "over the limit"),
    "binary": lambda n, schema, limit: (bytes([0, n]) + random.Random(n).randbytes(2000), "not UTF-8"),
    "invalid UTF-8": lambda n, schema, limit: (f'{{"schema": "{schema}", "n": {n}, "x": "'.encode() + b"\xff\xfe\"}",
                                               "not UTF-8"),
    "wrong shape": lambda n, schema, limit: (
        json.dumps({"schema": schema, "schema_version": "1.0", "article_id": n}).encode(), "failed validation"),
    "nested JSON": lambda n, schema, limit: (b"[" * (5000 + n) + b"]" * (5000 + n), "nested too deeply"),
}
KINDS = list(KINDS_MADE)


def _padded(n: int, schema: str, size: int) -> bytes:
    head = json.dumps({"schema": schema, "schema_version": "1.0", "n": n, "padding": ""}).encode()[:-2]
    return head + b"x" * (size - len(head) - 2) + b'"}'


def hostile_but_good() -> tuple[RawDocument, list[RawDocument], ParsedArticle]:
    """A page that runs past the parse time limit (poison), the good pages behind it in its partition, and a
    good article whose 100 KB title once panicked keyphrases (it must be indexed with every enrichment ok)."""
    runaway = raw_html(b"<html><body><h1>Runaway</h1>" + b"<p>a sentence of words here.</p>" * 45_000
                       + b"</body></html>", url="https://runaway.example.org/page")
    followers = [raw_html(f"<html><body><article><h1>Behind the runaway page, story {n}</h1><p>"
                          f"{'A sentence of the story that follows the slow page in its partition. ' * 8}</p>"
                          "</article></body></html>".encode(), url=f"https://runaway.example.org/next/{n}")
                 for n in range(3)]
    seed = parse(raw_text(SEED.read_text()), NOW)
    assert isinstance(seed, ParsedArticle)
    return runaway, followers, seed.model_copy(update={"title": "T" * 100_000})


async def inject_hostile_but_good(settings: Settings, runaway: RawDocument, followers: list[RawDocument],
                                  huge: ParsedArticle) -> None:
    raw = [(doc.article_id.encode(), *encode(doc)) for doc in (runaway, *followers)]
    await produce(settings, settings.topic_prefix + ARTICLES_RAW.name, raw, partition=1)
    await produce(settings, settings.topic_prefix + ARTICLES_PARSED.name, [(huge.article_id.encode(), *encode(huge))])


async def inject(settings: Settings, poison: list[Poison]) -> None:
    # a producer that lets through what ours refuse (a message over the limit), as a misbehaving client would
    producer = AIOKafkaProducer(**{**producer_options(settings), "max_request_size": 4 * settings.max_message_bytes})
    await producer.start()
    try:
        sent = [await producer.send(settings.topic_prefix + STAGE_INPUTS[p.stage].name, p.value,
                                    key=f"poison-{p.sha256[:12]}".encode(), headers=list(p.headers)) for p in poison]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


class Watch:
    """What the test waits on and prints: committed offsets per stage, indexed documents, a timeline."""

    def __init__(self, settings: Settings, engine: SearchEngine, alias: str) -> None:
        self.settings, self.engine, self.alias = settings, engine, alias
        self.started = time.monotonic()
        self.timeline: list[str] = []

    def note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self.started:6.1f} s  {what}")

    async def handled(self, stage: Stage) -> int:
        """Messages of the stage's input committed so far, over all partitions."""
        return sum((await self.committed(stage)).values())

    async def committed(self, stage: Stage) -> dict[int, int]:
        spec = STAGE_INPUTS[stage]
        return await committed_by_partition(self.settings, f"{self.settings.topic_prefix}newsflow-{stage}",
                                            self.settings.topic_prefix + spec.name, spec.partitions)

    async def indexed(self) -> int:
        await self.engine.refresh(self.alias)
        return await self.engine.count(self.alias)

    async def until(self, what: str, probe, want: int, deadline_s: float) -> int:
        deadline, value = time.monotonic() + deadline_s, -1
        while time.monotonic() < deadline:
            value = await probe()
            if value >= want:
                return value
            await asyncio.sleep(0.5)
        raise AssertionError(f"{what}: {value} after {deadline_s:.0f} s, wanted {want}\n" + "\n".join(self.timeline))


async def test_kills_restarts_and_poison_lose_and_duplicate_nothing(pipeline_topics, service_factory, fault_stack,
                                                                   tmp_path):
    settings = pipeline_topics
    newsroom = Newsroom(TOTAL)
    await newsroom.start()
    engine = await connect(settings)
    plan = layout(engine, settings)
    watch = Watch(settings, engine, plan.read_alias)
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {newsroom.base}/feed.rss\n    source: loopback-gazette\n"
                     "    poll_interval_s: 3600\n    language: en\n")
    env = {Stage.FETCH: {"fetch_allow_networks": '["127.0.0.1/32"]', "fetch_rate_per_host": "40",
                         "feeds_file": str(feeds), "feed_schedule_interval_s": "0.5"},
           Stage.PARSE: {"parse_timeout_s": "3", "parse_max_markup": "100000"}, Stage.ENRICH: {}, Stage.INDEX: {}}
    runaway, followers, huge = hostile_but_good()
    poison = poison_messages(settings)
    runaway_poison = Poison(Stage.PARSE, "runaway page", encode(runaway)[0], "parse took longer than 3 s; stopped")
    extra = {doc.article_id: f"Behind the runaway page, story {n}" for n, doc in enumerate(followers)}
    extra[huge.article_id] = huge.title
    try:
        running = {stage: await service_factory(stage, **env[stage]) for stage in Stage}
        watch.note("four services ready; the fetch service polls the feed of 2,000 articles")

        for stage, at in KILL_AT.items():
            done = await watch.until(f"{stage} progress", lambda s=stage: watch.handled(s), at, 300)
            indexed = await watch.indexed()
            assert indexed < TOTAL, f"{stage} was not killed mid-run: everything was already indexed"
            running[stage].kill()  # SIGKILL: no shutdown, no final commit
            await asyncio.to_thread(running[stage].wait)
            watch.note(f"killed {stage} (kill -9) after {done} committed inputs; {indexed} articles indexed")
            if stage in (Stage.FETCH, Stage.INDEX):  # half of the poison while a service is down, half later
                half = poison[: POISON // 2] if stage == Stage.FETCH else poison[POISON // 2:]
                await inject(settings, half)
                watch.note(f"injected {len(half)} poison messages")
            running[stage] = await service_factory(stage, **env[stage])
            watch.note(f"restarted {stage}")
        await inject_hostile_but_good(settings, runaway, followers, huge)
        watch.note("injected a runaway page followed by 3 good ones, and an article with a 100 KB title")

        before = await watch.until("indexing after the kills", watch.indexed, KILL_AT[Stage.INDEX] + 200, 300)
        assert before < TOTAL, "the server restarts came too late to matter"
        stopped = time.monotonic()
        await asyncio.to_thread(fault_stack.run, "stop", "elasticsearch")
        watch.note(f"stopped the search engine ({before} indexed)")
        await asyncio.sleep(3)
        await asyncio.to_thread(fault_stack.run, "stop", "broker")
        watch.note("stopped the broker")
        await asyncio.to_thread(fault_stack.run, "start", "broker")
        watch.note("started the broker again")
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
        await asyncio.to_thread(fault_stack.run, "start", "elasticsearch")
        watch.note(f"started the search engine again after {time.monotonic() - stopped:.0f} s")

        await watch.until("articles indexed", watch.indexed, TOTAL + len(extra), 600)
        watch.note("all articles indexed")
        await _every_article_exactly_once(engine, plan.read_alias, newsroom, extra)
        letters = await _every_poison_dead_lettered(settings, [*poison, runaway_poison])
        watch.note(f"{sum(len(v) for v in letters.values())} dead letters for {POISON + 1} poison messages")
        await _no_partition_stalled(settings, watch)
        watch.note("every committed offset is at the end of its partition")
        for stage, service in running.items():
            reported = await asyncio.to_thread(service_status, stage, service.ops_url)
            assert reported is not None and reported.lag in (0, None), f"{stage} reports {reported}"
        watch.note("every service reports zero consumer lag")
        assert await check_topics(settings) == []
        watch.note("every topic matches the topic table")
    finally:
        print("\n".join(watch.timeline))
        await newsroom.stop()
        await engine.delete_index(plan.physical)
        for suffix in ("minhash-bands", "minhash-signatures"):
            await engine.delete_index(f"{settings.index_prefix}-{suffix}")
        await engine.close()


async def _every_article_exactly_once(engine: SearchEngine, alias: str, newsroom: Newsroom,
                                     extra: dict[str, str]) -> None:
    ids = {article_id_for_url(canonical_url(newsroom.url(n))): n for n in range(TOTAL)}
    assert await engine.count(alias) == TOTAL + len(extra)  # one document per article: no duplicates, no more
    found: dict = {}
    for start in range(0, TOTAL, 500):
        found |= await engine.get_many(alias, list(ids)[start:start + 500])
    missing = sorted(ids[i] for i in set(ids) - set(found))
    assert not missing, f"{len(missing)} articles missing from the index, e.g. numbers {missing[:10]}"
    for article_id, doc in random.Random(7).sample(sorted(found.items()), 25):  # the content, not just the ids
        assert doc["title"] == story(ids[article_id]).title
        assert doc["source"]["name"] == "loopback-gazette" and doc["ingest_to_index_ms"] > 0
    extras = await engine.get_many(alias, list(extra))
    assert {article_id: doc["title"] for article_id, doc in extras.items()} == extra
    degraded = Counter(name for doc in [*found.values(), *extras.values()]
                       for name, provenance in doc["enrichments"].items() if provenance["status"] == "degraded")
    assert not degraded, f"enrichments degraded (by the outage?): {dict(degraded)}"


async def _every_poison_dead_lettered(settings: Settings, poison: list[Poison]) -> dict[Stage, list[DeadLetter]]:
    letters: dict[Stage, list[DeadLetter]] = {}
    for stage in Stage:
        records = await read_all(settings, settings.topic_prefix + DEAD_LETTERS[stage].name)
        letters[stage] = [decode(record.value, record.headers) for record in records]
    by_hash = {(letter.stage, letter.original.sha256): letter for found in letters.values() for letter in found}
    for bad in poison:
        letter = by_hash.get((str(bad.stage), bad.sha256))
        assert letter is not None, f"{bad.kind} poison message for {bad.stage} is in no dead-letter topic"
        assert bad.reason_says in letter.reason, f"{bad.kind}: {letter.reason!r}"
        assert letter.outcome == "poison" and letter.source is not None
    good = [letter for found in letters.values() for letter in found
            if letter.original.sha256 not in {bad.sha256 for bad in poison}]
    assert not good, "good articles were dead-lettered:\n" + "\n".join(f"{x.stage}: {x.reason}" for x in good[:5])
    return letters


async def _no_partition_stalled(settings: Settings, watch: Watch, deadline_s: float = 120) -> None:
    """Per stage and partition, the committed offset equals the end of what was produced (counted by reading)."""
    ends = {stage: partition_ends(await read_all(settings, settings.topic_prefix + STAGE_INPUTS[stage].name))
            for stage in Stage}
    deadline = time.monotonic() + deadline_s
    while True:
        behind = {}
        for stage in Stage:
            committed = await watch.committed(stage)
            behind |= {f"{stage}[{p}]": (committed.get(p, 0), end) for p, end in ends[stage].items()
                       if committed.get(p, 0) != end}
        if not behind or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    assert not behind, f"committed offsets not at the end (committed, end): {behind}"
    produced = Counter({str(stage): sum(ends[stage].values()) for stage in Stage})
    watch.note(f"messages produced per stage input: {dict(produced)}")
