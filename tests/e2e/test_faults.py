"""Faults over 2,000 articles from a local feed (spread over six loopback hosts, so over every fetch partition),
through two workers per stage on a broker and a search engine of the test's own (Apache Kafka and Elasticsearch,
in a state folder and on ports of their own, so that they can be restarted): one worker of each stage is killed with
SIGKILL mid-run (its partner takes its partitions over; it is then started again); then, mid-run, the search engine
is stopped for 20 s (enrich's band index and the index service both lose it) and, while it is down, the broker is
stopped and started; 50 poison messages are injected into the stages' inputs (nested JSON among them), and hostile
good input: a page that runs past the parse time limit followed in its partition by good pages, and an article whose
100 KB title once panicked the keyphrase extractor. No service is restarted by the test after the server restarts.
Afterwards a read-committed reader finds each (article id, content sha256) once on the raw, parsed and enriched
topics (a re-fetch after a kill adds no second record); every good article is in the index exactly once, with its
content and every enrichment ok (none degraded by the outage); every poison message is in its stage's dead-letter
topic with its reason; every partition's committed offset reached its end (nothing stalled, nothing skipped); no
read-committed reader was held back by an open transaction for longer than the transaction timeout plus 5 s; and
every topic still matches the topic table (no client re-created one)."""

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
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from newsflow.common.kafka import check_topics, consumer_options, producer_options
from newsflow.common.ops import service_status
from newsflow.common.settings import Settings
from newsflow.fetch.urls import canonical_url
from newsflow.index.settings import IndexSettings
from newsflow.index.setup import layout
from newsflow.parse.stage import parse
from newsflow.search import SearchEngine, connect
from newsflow_schemas import (
    ALL_TOPICS,
    ARTICLES_ENRICHED,
    ARTICLES_PARSED,
    ARTICLES_RAW,
    DEAD_LETTERS,
    STAGE_INPUTS,
    DeadLetter,
    DecodeError,
    ParsedArticle,
    RawDocument,
    Stage,
    article_id_for_url,
    decode,
    encode,
    topic_name,
)
from tests.conftest import SEED
from tests.integration.kafka_helpers import committed_by_partition, produce, read_all
from tests.integration.private_stack import PrivateStack
from tests.newsroom import Newsroom, story
from tests.unit.parse.conftest import NOW, raw_html, raw_text

TOTAL = 2000
POISON = 50
OUTAGE_S = 20
WORKERS = 2  # per stage
TRANSACTION_TIMEOUT_S = 10  # NEWSFLOW_KAFKA_TRANSACTION_TIMEOUT_MS' default
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
    """The module's own broker: the suite's is never stopped."""
    return Settings(kafka_bootstrap=fault_stack.bootstrap, topic_prefix=f"{unique_name}.", log_format="console")


@pytest.fixture
def index_settings(fault_stack: PrivateStack, unique_name: str) -> IndexSettings:
    """The module's own engine: the suite's is never stopped."""
    return IndexSettings(search_url=fault_stack.elasticsearch_url, search_engine="elasticsearch",
                         index_prefix=unique_name)


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


class StallWatch:
    """How long read-committed readers were held back: per partition of every topic, how long its last stable
    offset (how far read-committed readers get) stayed put while records lay beyond it (an open transaction).
    While the broker is down nothing is measured (nothing can be read then), and the clocks start again after."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.partitions = [TopicPartition(topic_name(spec, settings.topic_prefix), p)
                           for spec in ALL_TOPICS for p in range(spec.partitions)]
        self.longest_s, self.worst = 0.0, ""
        self.samples = 0

    async def run(self, stop: asyncio.Event) -> None:
        readers = {level: AIOKafkaConsumer(group_id=None, **{**consumer_options(self.settings),
                                                             "isolation_level": level})
                   for level in ("read_committed", "read_uncommitted")}
        for reader in readers.values():
            await reader.start()  # they reconnect by themselves after the broker's restart
        held: dict[TopicPartition, tuple[int, float]] = {}  # partition -> (last stable offset, since when)
        while not stop.is_set():
            try:
                stable = await readers["read_committed"].end_offsets(self.partitions)
                ends = await readers["read_uncommitted"].end_offsets(self.partitions)
            except (KafkaError, OSError):
                held.clear()
                await asyncio.sleep(0.5)
                continue
            now = time.monotonic()
            self.samples += 1
            for tp in self.partitions:
                if stable[tp] >= ends[tp]:
                    held.pop(tp, None)
                    continue
                offset, since = held.setdefault(tp, (stable[tp], now))
                if offset != stable[tp]:
                    held[tp] = (stable[tp], now)
                elif now - since > self.longest_s:
                    self.longest_s, self.worst = now - since, f"{tp.topic}[{tp.partition}] at {offset}"
            await asyncio.sleep(0.25)
        for reader in readers.values():
            await reader.stop()


@pytest.mark.timeout(900)
async def test_kills_restarts_and_poison_lose_and_duplicate_nothing(pipeline_topics, index_settings, service_factory,
                                                                   fault_stack, tmp_path):
    settings = pipeline_topics
    newsroom = Newsroom(TOTAL, hosts=6)
    await newsroom.start()
    engine = await connect(index_settings)
    plan = layout(engine, index_settings)
    watch = Watch(settings, engine, plan.read_alias)
    stalls, stop_watching = StallWatch(settings), asyncio.Event()
    watching = asyncio.create_task(stalls.run(stop_watching))
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {newsroom.base}/feed.rss\n    source: loopback-gazette\n"
                     "    poll_interval_s: 3600\n    language: en\n")
    env = {Stage.FETCH: {"fetch_allow_networks": '["127.0.0.0/8"]', "fetch_rate_per_host": "6",
                         "feeds_file": str(feeds), "feed_schedule_interval_s": "0.5"},
           Stage.PARSE: {"parse_timeout_s": "3", "parse_max_markup": "100000"}, Stage.ENRICH: {}, Stage.INDEX: {}}
    runaway, followers, huge = hostile_but_good()
    poison = poison_messages(settings)
    runaway_poison = Poison(Stage.PARSE, "runaway page", encode(runaway)[0], "parse took longer than 3 s; stopped")
    extra = {doc.article_id: f"Behind the runaway page, story {n}" for n, doc in enumerate(followers)}
    extra[huge.article_id] = huge.title
    try:
        running = {stage: [await service_factory(stage, **env[stage]) for _ in range(WORKERS)] for stage in Stage}
        watch.note(f"{WORKERS} workers per stage ready; fetch polls the feed of 2,000 articles on 6 hosts")

        for stage, at in KILL_AT.items():
            done = await watch.until(f"{stage} progress", lambda s=stage: watch.handled(s), at, 300)
            indexed = await watch.indexed()
            assert indexed < TOTAL, f"{stage} was not killed mid-run: everything was already indexed"
            running[stage][0].kill()  # SIGKILL: no shutdown, no final commit, a transaction perhaps open
            await asyncio.to_thread(running[stage][0].wait)
            watch.note(f"killed one {stage} worker (kill -9) after {done} committed inputs; {indexed} indexed")
            if stage in (Stage.FETCH, Stage.INDEX):  # half of the poison while a worker is down, half later
                half = poison[: POISON // 2] if stage == Stage.FETCH else poison[POISON // 2:]
                await inject(settings, half)
                watch.note(f"injected {len(half)} poison messages")
            running[stage][0] = await service_factory(stage, **env[stage])
            watch.note(f"started a new {stage} worker")
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

        await watch.until("articles indexed", watch.indexed, TOTAL + len(extra), 360)
        watch.note("all articles indexed")
        await _every_article_exactly_once(engine, plan.read_alias, newsroom, extra)
        await _each_content_once_per_topic(settings, watch)
        letters = await _every_poison_dead_lettered(settings, [*poison, runaway_poison])
        watch.note(f"{sum(len(v) for v in letters.values())} dead letters for {POISON + 1} poison messages")
        await _no_partition_stalled(settings, watch)
        watch.note("every committed offset is at the end of its partition")
        for stage, workers in running.items():
            reported = [await asyncio.to_thread(service_status, stage, worker.ops_url) for worker in workers]
            assert None not in reported and all(r.lag in (0, None) for r in reported), f"{stage}: {reported}"
        watch.note("every worker reports zero consumer lag")
        assert await check_topics(settings) == []
        watch.note("every topic matches the topic table")
        stop_watching.set()
        await watching
        watch.note(f"read-committed readers were held back at most {stalls.longest_s:.1f} s ({stalls.worst}; "
                   f"{stalls.samples} samples of every partition)")
        assert stalls.samples > 100 and stalls.longest_s < TRANSACTION_TIMEOUT_S + 5
    finally:
        stop_watching.set()
        await asyncio.gather(watching, return_exceptions=True)
        print("\n".join(watch.timeline))
        await newsroom.stop()
        await engine.delete_index(plan.physical)
        for suffix in ("minhash-bands", "minhash-signatures"):
            await engine.delete_index(f"{index_settings.index_prefix}-{suffix}")
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


async def _each_content_once_per_topic(settings: Settings, watch: Watch) -> None:
    """A read-committed reader finds each (article id, content sha256) once on raw, parsed and enriched."""
    for spec, field in ((ARTICLES_RAW, "body_sha256"), (ARTICLES_PARSED, "content_sha256"),
                        (ARTICLES_ENRICHED, "content_sha256")):
        seen: dict[tuple[str, str], list[str]] = {}
        for record in await read_all(settings, settings.topic_prefix + spec.name):
            try:
                event = decode(record.value, record.headers)
            except DecodeError:  # an injected poison message
                continue
            at = getattr(event, "parsed_at", None) or getattr(event, "enriched_at", None) or event.ingested_at
            seen.setdefault((event.article_id, getattr(event, field)), []).append(
                f"[{record.partition}]@{record.offset} rev {event.revision} at {at:%H:%M:%S.%f}")
        twice = {key: copies for key, copies in seen.items() if len(copies) > 1}
        assert not twice, f"{spec.name}: {len(twice)} of {len(seen)} contents more than once, e.g. " + "; ".join(
            f"{key[0][:10]}: {copies}" for key, copies in list(twice.items())[:8])
        watch.note(f"{spec.name}: {len(seen)} contents, each once")


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
    """Per stage and partition, the committed offset equals the partition's end (its last stable offset: past the
    markers that close transactions)."""
    reader = AIOKafkaConsumer(group_id=None, **consumer_options(settings))
    await reader.start()
    try:
        ends = {stage: {tp.partition: end for tp, end in (await reader.end_offsets(
            [TopicPartition(settings.topic_prefix + STAGE_INPUTS[stage].name, p)
             for p in range(STAGE_INPUTS[stage].partitions)])).items()} for stage in Stage}
    finally:
        await reader.stop()
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
    watch.note(f"offsets per stage input (records and transaction markers): {dict(produced)}")
