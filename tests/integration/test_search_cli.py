"""`newsflow search` and `newsflow similar` against both real engines: filters, highlights, facets, kNN."""

from __future__ import annotations

import asyncio
import json
import math

import pytest
from typer.testing import CliRunner

from newsflow.cli import app
from newsflow.index.document import to_document
from newsflow.index.setup import ensure_index_setup
from newsflow.search import IndexedDoc, connect
from newsflow_schemas import Duplicates, Embedding, Entity, Language, Paragraph, article_id_for_url
from tests.integration.conftest import both_engines
from tests.integration.enriched import enriched

pytestmark = both_engines


def _vector(angle: float) -> list[float]:
    """Unit vectors in a plane: the closer the angles, the more similar."""
    return [math.cos(angle), math.sin(angle)] + [0.0] * 382


def _article(n: int, title: str, body: str, angle: float, **changes):
    return enriched(n, title=title, summary=None, body=[Paragraph(text=body)],
                    embedding=Embedding(model="t", dim=384, vector=_vector(angle)), **changes)


def _articles():
    stoltenberg = Entity(name="Jens Stoltenberg", label="person", mentions=[], count=1, salience=1.0)
    return [
        _article(1, "NATO chief refutes Macron comment", "The alliance has no plans to send troops.", 0.0,
                 entities=[stoltenberg]),
        _article(2, "NATO allies discuss troops", "Ministers met in Brussels to discuss deployments.", 0.1,
                 entities=[]),
        _article(3, "Weather turns cold in Berlin", "Die Temperaturen sinken am Wochenende deutlich.", 1.5,
                 entities=[], language=Language(code="de", confidence=0.9)),
        _article(4, "Harbour bridge reopens", "The [city] harbour bridge reopened on Friday.", 2.0, entities=[]),
        _article(5, "Harbour bridge reopens (syndicated)", "The [city] harbour bridge reopened on Friday.", 2.0,
                 entities=[], duplicates=Duplicates(content_sha256="0" * 64, duplicate_of=_id(4), similarity=0.95,
                                                    cluster_id=_id(4))),
    ]


def _id(n: int) -> str:
    return article_id_for_url(f"https://news.example.org/story/{n}")


@pytest.fixture
def indexed(settings, index_settings, monkeypatch):
    async def setup():
        engine = await connect(index_settings)
        plan = await ensure_index_setup(engine, index_settings)
        docs = [IndexedDoc(a.article_id, to_document(a, a.ingested_at), a.external_version) for a in _articles()]
        assert all(r.outcome == "written" for r in await engine.bulk_index(plan.write_alias, docs))
        await engine.refresh(plan.write_alias)
        await engine.close()
        return plan

    async def teardown(plan):
        engine = await connect(index_settings)
        await engine.delete_index(plan.physical)
        await engine.close()

    plan = asyncio.run(setup())
    for name, value in {**settings.environment(), **index_settings.environment()}.items():
        monkeypatch.setenv(name, value)
    yield plan
    asyncio.run(teardown(plan))


def _cli(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_search_highlights_matches_and_counts_facets(indexed):
    found = _cli("search", "nato")
    assert found["total"] == 2
    assert {h["source"]["title"] for h in found["hits"]} == {"NATO chief refutes Macron comment",
                                                            "NATO allies discuss troops"}
    assert any("<mark>NATO</mark>" in part for h in found["hits"] for part in h["highlight"].get("title", []))
    assert dict(map(tuple, found["facets"]["languages"])) == {"en": 2}
    assert ["Jens Stoltenberg", 1] in found["facets"]["people"]


def test_search_filters_by_entity_language_and_time(indexed):
    assert _cli("search", "", "--entity", "Jens Stoltenberg")["total"] == 1
    assert _cli("search", "", "--lang", "de")["total"] == 1
    assert _cli("search", "", "--since", "2024-03-13")["total"] == 0  # the examples were published 2024-03-12
    assert _cli("search", "", "--until", "2024-03-13")["total"] == 5


def test_near_duplicate_copies_fold_into_one_hit_with_their_count(indexed):
    found = _cli("search", "harbour bridge")
    assert (found["total"], found["stories"], len(found["hits"])) == (2, 1, 1)
    assert found["hits"][0]["collapsed"] == {"copies": 2}
    every = _cli("search", "harbour bridge", "--all-copies")
    assert len(every["hits"]) == 2 and every["stories"] is None


def test_the_printed_results_keep_lower_case_matches_and_brackets(indexed):
    result = CliRunner().invoke(app, ["search", "harbour bridge"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "The [city] harbour bridge reopened on Friday." in result.output
    assert "(+1 near-duplicate copy)" in result.output and "2 articles in 1 story" in result.output


def test_similar_ranks_by_embedding(indexed):
    first = _articles()[0]
    found = _cli("similar", first.article_id, "--size", "2")
    assert [h["source"]["title"] for h in found["hits"]] == ["NATO allies discuss troops",
                                                            "Weather turns cold in Berlin"]
