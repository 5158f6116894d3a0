"""What `newsflow search` prints: the article's text as it is (brackets included), matches visibly marked, and
near-duplicate copies folded into one hit with their count; and the saved objects' time axes."""

from __future__ import annotations

import json

from rich.console import Console

from newsflow.index.commands import highlighted, hit_text
from newsflow.index.dashboards import TIME_VIEWS, dashboard_url, saved_objects
from newsflow.index.document import to_document
from newsflow.index.query import CLUSTER_FIELD, COPIES, MARK_END, MARK_START, SearchFilters, search_body
from newsflow.search import SearchHit
from tests.unit.index.test_mapping_and_document import _example


def _printed(text) -> str:
    console = Console(record=True, width=200, color_system="truecolor")
    console.print(text)
    return console.export_text(styles=False)


def _marked(word: str) -> str:
    return f"{MARK_START}{word}{MARK_END}"


def test_a_lower_case_match_is_printed_and_styled():
    text = highlighted(f"...could send {_marked('troops')} to Ukraine")
    assert _printed(text).strip() == "...could send troops to Ukraine"
    (span,) = [s for s in text.spans if s.style]
    assert text.plain[span.start:span.end] == "troops" and "reverse" in str(span.style)


def test_brackets_in_the_article_text_are_printed_as_they_are():
    hit = SearchHit(id="a", score=1.0, source={"title": "[Harbour] reopens"},
                    highlight={"title": [f"[{_marked('Harbour')}] reopens"],
                               "body": [f"the [b]old[/b] {_marked('bridge')} [Update: 2024]"]})
    printed = _printed(hit_text(hit))
    assert "[Harbour] reopens" in printed and "the [b]old[/b] bridge [Update: 2024]" in printed


def test_a_collapsed_hit_says_how_many_copies_it_stands_for():
    hit = SearchHit(id="a", score=1.0, source={"title": "Harbour bridge reopens"}, collapsed={COPIES: 2})
    assert "Harbour bridge reopens  (+1 near-duplicate copy)" in _printed(hit_text(hit))
    assert "copy" not in _printed(hit_text(SearchHit(id="b", score=1.0, source={"title": "Alone"},
                                                     collapsed={COPIES: 1})))


def test_searches_collapse_on_the_cluster_unless_every_copy_is_asked_for():
    body = search_body("harbour bridge", SearchFilters())
    assert body["collapse"] == {"field": CLUSTER_FIELD, "inner_hits": {"name": COPIES, "size": 0}}
    assert body["aggs"]["clusters"] == {"cardinality": {"field": CLUSTER_FIELD}}
    assert body["highlight"]["pre_tags"] == [MARK_START]
    every = search_body("harbour bridge", SearchFilters(), collapse=False)
    assert "collapse" not in every and "clusters" not in every["aggs"]


def test_every_document_has_a_cluster_to_collapse_on():
    article = _example()
    assert to_document(article, article.ingested_at)[CLUSTER_FIELD] == article.duplicates.cluster_id
    alone = article.model_copy(update={"duplicates": None})
    assert to_document(alone, alone.ingested_at)[CLUSTER_FIELD] == article.article_id


def test_the_default_dashboard_is_on_ingestion_time_and_links_to_publication_time():
    by_id = {obj["id"]: obj for obj in saved_objects("nf")}
    default, published = by_id["nf-dashboard"], by_id["nf-dashboard-published"]
    assert dashboard_url("http://d:5601", "nf") == "http://d:5601/app/dashboards#/view/nf-dashboard"
    assert by_id["nf-articles"]["attributes"]["timeFieldName"] == "ingested_at"
    assert by_id["nf-articles-published"]["attributes"]["timeFieldName"] == "published.utc"
    assert default["attributes"]["timeRestore"] and default["attributes"]["timeFrom"] == TIME_VIEWS[0].time_from
    note = json.loads(by_id["nf-time-views"]["attributes"]["visState"])["params"]["markdown"]
    assert "/app/dashboards#/view/nf-dashboard-published" in note
    for dashboard, pattern in ((default, "nf-articles"), (published, "nf-articles-published")):
        for ref in dashboard["references"]:
            target = by_id[ref["id"]]
            assert all(r["id"] == pattern for r in target["references"]), target["id"]


def test_the_saved_searches_show_cluster_roots_only():
    for obj in saved_objects("nf"):
        if obj["type"] == "search":
            source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
            assert source["query"] == {"query": "not duplicates.duplicate_of:*", "language": "kuery"}
