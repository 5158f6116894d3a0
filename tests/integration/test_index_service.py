"""The index service against the real engines and broker: idempotent set-up and migration, newest revision
wins, engine refusals dead-lettered, and a 20 s outage survived without loss or duplicates. What depends on the
engine (set-up, migration, refusals, outages) runs against both."""

from __future__ import annotations

import asyncio
import time

from newsflow.index.document import to_document
from newsflow.index.setup import ensure_index_setup, layout, migrate
from newsflow.search import IndexedDoc, connect
from newsflow_schemas import ARTICLES_ENRICHED, DEAD_LETTERS, Embedding, Stage, decode, encode
from tests.integration.conftest import both_engines
from tests.integration.enriched import enriched
from tests.integration.kafka_helpers import produce, read, wait_committed
from tests.integration.tcp_proxy import TcpProxy


async def _count_when(engine, index: str, want: int, deadline_s: float = 90) -> int:
    deadline, count = time.monotonic() + deadline_s, -1
    while time.monotonic() < deadline:
        await engine.refresh(index)
        count = await engine.count(index)
        if count >= want:
            return count
        await asyncio.sleep(0.5)
    return count


def _messages(articles):
    return [(a.article_id.encode(), *encode(a)) for a in articles]


@both_engines
async def test_template_and_aliases_are_created_once(search_engine, index_settings):
    first = await ensure_index_setup(search_engine, index_settings)
    second = await ensure_index_setup(search_engine, index_settings)
    try:
        assert first == second
        assert await search_engine.aliases(first.write_alias) == [first.physical]
        assert await search_engine.aliases(first.read_alias) == [first.physical]
    finally:
        await search_engine.delete_index(first.physical)


@both_engines
async def test_migrate_copies_every_article_and_moves_both_aliases(search_engine, index_settings):
    before = await ensure_index_setup(search_engine, index_settings)
    articles = [enriched(n, revision=2) for n in range(30)]
    await search_engine.bulk_index(before.write_alias, [IndexedDoc(a.article_id, to_document(a, a.ingested_at),
                                                                   a.external_version) for a in articles])
    changed = index_settings.model_copy(update={"index_refresh_interval": "1s"})  # new settings: a new physical index
    try:
        old, new, copied = await migrate(search_engine, changed)
        assert (old, copied) == ([before.physical], 30) and new != before.physical
        assert await search_engine.aliases(before.write_alias) == [new]
        assert await search_engine.aliases(before.read_alias) == [new]
        stale = await search_engine.bulk_index(before.write_alias, [IndexedDoc(
            articles[0].article_id, to_document(enriched(0, revision=1), articles[0].ingested_at), 1)])
        assert stale[0].outcome == "stale"  # the copies kept their revisions as external versions
        assert await migrate(search_engine, changed) == ([new], new, 0)
    finally:
        await search_engine.delete_index(before.physical)
        await search_engine.delete_index(layout(search_engine, changed).physical)


async def test_duplicates_and_out_of_order_revisions_leave_the_newest_once(pipeline_topics, index_settings,
                                                                           service_factory, search_engine):
    settings = pipeline_topics
    plan = layout(search_engine, index_settings)
    events = [enriched(1, 2), enriched(1, 1), enriched(2, 5), enriched(1, 3), enriched(1, 2), enriched(2, 5),
              enriched(2, 4), enriched(3, 1)]
    await service_factory("index")
    try:
        await produce(settings, settings.topic_prefix + ARTICLES_ENRICHED.name, _messages(events))
        await wait_committed(settings, f"{settings.topic_prefix}newsflow-index",
                             settings.topic_prefix + ARTICLES_ENRICHED.name, ARTICLES_ENRICHED.partitions, len(events))
        assert await _count_when(search_engine, plan.read_alias, 3) == 3
        found = await search_engine.search(plan.read_alias, {"size": 10, "query": {"match_all": {}}})
        revisions = {hit.source["url"]: hit.source["revision"] for hit in found.hits}
        assert revisions == {"https://news.example.org/story/1": 3, "https://news.example.org/story/2": 5,
                             "https://news.example.org/story/3": 1}
        titles = {hit.source["title"] for hit in found.hits}
        assert "Story 1 revision 3" in titles
        assert all(hit.source["ingest_to_index_ms"] > 0 for hit in found.hits)
    finally:
        await search_engine.delete_index(plan.physical)


@both_engines
async def test_engine_refusal_is_dead_lettered_while_the_rest_of_the_batch_is_indexed(
        pipeline_topics, index_settings, service_factory, search_engine):
    settings = pipeline_topics
    plan = layout(search_engine, index_settings)
    wrong_dims = Embedding(model="test", dim=3, vector=[0.1, 0.2, 0.3])  # the index expects 384 dimensions
    events = [enriched(1), enriched(2, embedding=wrong_dims), enriched(3)]
    await service_factory("index")
    try:
        await produce(settings, settings.topic_prefix + ARTICLES_ENRICHED.name, _messages(events))
        letters = await read(settings, settings.topic_prefix + DEAD_LETTERS[Stage.INDEX].name, 1)
        letter = decode(letters[0].value, letters[0].headers)
        assert letter.article_id == events[1].article_id and letter.stage == "index"
        assert "parsing_exception" in letter.reason and "dimension" in letter.reason  # mapper_ or document_
        assert decode(letter.original.value()).article_id == events[1].article_id
        assert await _count_when(search_engine, plan.read_alias, 2) == 2
    finally:
        await search_engine.delete_index(plan.physical)


@both_engines
async def test_a_twenty_second_outage_loses_and_duplicates_nothing(pipeline_topics, index_settings, service_factory):
    settings = pipeline_topics
    host, port = index_settings.search_url.removeprefix("http://").split(":")
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    direct = await connect(index_settings)
    plan = layout(direct, index_settings)
    articles = [enriched(n) for n in range(2000)]
    topic = settings.topic_prefix + ARTICLES_ENRICHED.name
    await service_factory("index", search_url=proxy.url, index_batch_docs="200")
    try:
        await produce(settings, topic, _messages(articles[:500]))
        assert await _count_when(direct, plan.read_alias, 1) >= 1  # indexing is under way
        await proxy.cut()
        await produce(settings, topic, _messages(articles[500:]))
        await asyncio.sleep(20)
        during = await _count_when(direct, plan.read_alias, 0)
        await proxy.restore()
        assert during < 2000  # the outage really stopped indexing
        assert await _count_when(direct, plan.read_alias, 2000, deadline_s=120) == 2000
        committed = await wait_committed(settings, f"{settings.topic_prefix}newsflow-index", topic,
                                         ARTICLES_ENRICHED.partitions, 2000)
        assert committed == 2000
        ids = await direct.get_many(plan.read_alias, [a.article_id for a in articles[:50]])
        assert len(ids) == 50
    finally:
        await proxy.cut()
        await direct.delete_index(plan.physical)
        await direct.close()
