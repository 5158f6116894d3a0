from __future__ import annotations

import asyncio

from newsflow.enrich.amounts import find_dates, find_money
from newsflow.enrich.duplicates import MemoryBandStore
from newsflow.enrich.entities import Span, clean_spans, normalise
from newsflow.enrich.stage import analyse, enrich
from newsflow_schemas import ParsedArticle, decode
from tests.unit.schemas.conftest import EXAMPLES

PARSED = next(p for p in EXAMPLES if "parsed" in str(p))


def test_surname_and_near_miss_spelling_fold_into_the_full_name():
    text = "Angela Merkel spoke. Merkel left. Merkle returned."
    spans = clean_spans([Span("Angela Merkel", "PERSON", 0, 13), Span("Merkel", "ORG", 21, 27),
                         Span("Merkle", "PERSON", 34, 40)], text)
    (entity,) = normalise(spans, len(text))
    assert (entity.name, entity.label, entity.count) == ("Angela Merkel", "person", 3)


def test_possessive_and_leading_article_are_stripped_and_joined_names_merged():
    text = "the Institute for the Study of War said Putin's army"
    spans = clean_spans([Span("the Institute", "ORG", 0, 13), Span("the Study of War", "ORG", 18, 34),
                         Span("Putin's", "PERSON", 40, 47)], text)
    assert [(s.text, s.start, s.end) for s in spans] == [("Institute for the Study of War", 4, 34),
                                                         ("Putin", 40, 45)]


def test_money_in_several_notations():
    found = find_money("It cost €1.5 million, US$2bn and 300 dollars; not 20 people.")
    assert [(m.amount, m.currency) for m in found] == [(1.5e6, "EUR"), (2e9, "USD"), (300.0, "USD")]


def test_dates_at_day_and_month_precision():
    found = find_dates("On March 12, 2024 and 3 February 2022, and in May 2021.")
    assert [(d.value, d.precision) for d in found] == [("2024-03-12", "day"), ("2022-02-03", "day"),
                                                       ("2021-05", "month")]


def test_a_language_without_models_gets_no_entities_or_sentiment_and_says_so(tools):
    parsed: ParsedArticle = decode(PARSED.read_bytes())
    german = parsed.model_copy(update={"title": "Die Regierung plant neue Straßen", "summary": None, "body": [
        parsed.body[0].model_copy(update={"text": "Die Bundesregierung hat am Dienstag in Berlin einen Plan für "
                                                  "neue Straßen und Brücken im Norden des Landes vorgestellt. "
                                                  "Die Arbeiten sollen im Frühjahr beginnen."})]})
    enriched = asyncio.run(enrich(german, analyse(german, tools), MemoryBandStore(), german.parsed_at))
    assert enriched.language.code == "de"
    assert enriched.entities == [] and enriched.enrichments["entities"].status == "unsupported"
    assert enriched.sentiment is None and enriched.enrichments["sentiment"].status == "unsupported"


def test_a_failing_enricher_degrades_its_field_and_keeps_the_article(tools, monkeypatch):
    import newsflow.enrich.stage as stage

    def broken(text, language):
        raise RuntimeError("yake exploded")

    monkeypatch.setattr(stage, "keyphrases", broken)
    parsed: ParsedArticle = decode(PARSED.read_bytes())
    enriched = asyncio.run(enrich(parsed, analyse(parsed, tools), MemoryBandStore(), parsed.parsed_at))
    assert enriched.keyphrases == [] and enriched.enrichments["keyphrases"].status == "degraded"
    assert "yake exploded" in enriched.enrichments["keyphrases"].reason
    assert enriched.entities  # the others still ran
