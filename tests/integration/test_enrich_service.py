"""The enrich service on the real broker and OpenSearch: parsed articles in, enriched articles out, and a
syndicated copy marked as a duplicate of the original."""

from __future__ import annotations

from newsflow.parse.stage import parse
from newsflow.search import OpenSearchEngine
from newsflow_schemas import ARTICLES_ENRICHED, ARTICLES_PARSED, EnrichedArticle, article_id_for_url, decode, encode
from tests.conftest import SEED
from tests.integration.kafka_helpers import produce, read, wait_committed
from tests.unit.parse.conftest import NOW, raw_text


async def test_seed_and_its_syndicated_copy_are_enriched(pipeline_topics, index_settings, service_factory):
    settings = pipeline_topics
    seed = parse(raw_text(SEED.read_text()), NOW)
    copy = seed.model_copy(update={"article_id": article_id_for_url("https://mirror.example.org/nato"),
                                   "url": "https://mirror.example.org/nato"})
    await service_factory("enrich")
    topic, enriched_topic = settings.topic_prefix + ARTICLES_PARSED.name, settings.topic_prefix + ARTICLES_ENRICHED.name
    # the original first (keys differ, so partitions do too: the cluster is named after the first one processed)
    await produce(settings, topic, [(seed.article_id.encode(), *encode(seed))])
    assert len(await read(settings, enriched_topic, 1, deadline_s=90)) == 1
    await produce(settings, topic, [(copy.article_id.encode(), *encode(copy))])
    out = [decode(r.value, r.headers) for r in await read(settings, enriched_topic, 2, deadline_s=90)]
    engine = OpenSearchEngine.from_settings(index_settings)
    try:
        by_id = {a.article_id: a for a in out}
        original: EnrichedArticle = by_id[seed.article_id]
        assert original.language.code == "en" and original.duplicates.duplicate_of is None
        assert {"Jens Stoltenberg", "Emmanuel Macron"} <= {e.name for e in original.entities}
        assert by_id[copy.article_id].duplicates.duplicate_of == seed.article_id
        committed = await wait_committed(settings, f"{settings.topic_prefix}newsflow-enrich",
                                         settings.topic_prefix + ARTICLES_PARSED.name, ARTICLES_PARSED.partitions, 2)
        assert committed == 2
    finally:
        await engine.delete_index(f"{index_settings.index_prefix}-minhash-bands")
        await engine.delete_index(f"{index_settings.index_prefix}-minhash-signatures")
        await engine.close()
