"""`newsflow reprocess` against the real broker: the latest revision of each stored article, selected by source
or time of entry, is sent again one processing generation higher; tombstoned articles are not; and through the
running services the re-sent document replaces the indexed one (tests/integration/test_end_to_end.py)."""

from __future__ import annotations

from datetime import timedelta

from newsflow.tools.reprocess import Selection, reprocess
from newsflow_schemas import ARTICLES_RAW, RawDocument, SourceInfo, decode, encode
from tests.integration.kafka_helpers import produce, read_all
from tests.unit.parse.conftest import NOW, raw_html


def _document(n: int, source: str, revision: int, minutes: int = 0) -> RawDocument:
    document = raw_html(f"<html><body><p>story {n} revision {revision}</p></body></html>".encode(),
                        url=f"https://news.example.org/story/{n}")
    return document.model_copy(update={"revision": revision, "source": SourceInfo(name=source, kind="page"),
                                       "ingested_at": NOW + timedelta(minutes=minutes)})


async def test_the_latest_revision_of_each_selected_article_is_sent_one_generation_higher(pipeline_topics):
    settings = pipeline_topics
    topic = settings.topic_prefix + ARTICLES_RAW.name
    stored = [_document(1, "RT", 1), _document(1, "RT", 2), _document(2, "AP", 1, minutes=5),
              _document(3, "RT", 1, minutes=10), _document(4, "RT", 1)]
    await produce(settings, topic, [(d.article_id.encode(), *encode(d)) for d in stored])
    await produce(settings, topic, [(stored[4].article_id.encode(), None, [])])  # article 4 was taken down
    steps: list[tuple[str, int, int]] = []

    dry = await reprocess(settings, Selection(source="RT"), dry_run=True)
    assert (dry.scanned, dry.articles, dry.sent) == (6, 3, 2)
    report = await reprocess(settings, Selection(source="RT"), lambda *step: steps.append(step))
    assert (report.scanned, report.articles, report.sent) == (6, 3, 2)
    assert steps[-1][1] == steps[-1][2] and {phase for phase, _, _ in steps} == {"scanning", "selecting", "sending"}

    resent = [d for d in await _stored(settings, topic) if d.generation > 0]
    assert sorted((d.url, d.revision, d.generation) for d in resent) == [
        ("https://news.example.org/story/1", 2, 1), ("https://news.example.org/story/3", 1, 1)]
    assert all(d.schema_version == RawDocument.VERSION for d in resent)

    later = await reprocess(settings, Selection(since=NOW + timedelta(minutes=5)))
    assert later.sent == 2  # stories 2 and 3 (3 now at generation 1: it goes to 2)
    generations = {(d.url, d.generation) for d in await _stored(settings, topic) if d.generation > 0}
    assert generations == {("https://news.example.org/story/1", 1), ("https://news.example.org/story/2", 1),
                           ("https://news.example.org/story/3", 1), ("https://news.example.org/story/3", 2)}


async def _stored(settings, topic: str) -> list[RawDocument]:
    return [decode(r.value, r.headers) for r in await read_all(settings, topic) if r.value is not None]


async def test_an_empty_raw_topic_is_nothing_to_reprocess(pipeline_topics):
    report = await reprocess(pipeline_topics, Selection())
    assert (report.scanned, report.articles, report.sent) == (0, 0, 0)
