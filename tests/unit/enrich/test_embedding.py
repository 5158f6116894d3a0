"""Sentence embeddings (the optional 'embeddings' extra): real model, real vectors."""

from __future__ import annotations

import asyncio
import math

import pytest

from newsflow.enrich.duplicates import MemoryBandStore
from newsflow.enrich.embedding import Embedder
from newsflow.enrich.stage import Tools, analyse, enrich
from newsflow_schemas import ParsedArticle, decode
from tests.conftest import require_embeddings
from tests.unit.schemas.conftest import EXAMPLES


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    require_embeddings()
    return Embedder.load()


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_are_384_dimensional_normalised_and_meaningful(embedder):
    troops = embedder.embed("NATO has no plans to send troops to Ukraine, the alliance's chief said.")
    soldiers = embedder.embed("The military alliance will not deploy soldiers to Ukraine, its secretary-general says.")
    bridge = embedder.embed("The harbour bridge reopened after repairs to its corroded cables.")
    assert troops.dim == 384 and len(troops.vector) == 384
    assert math.isclose(math.sqrt(sum(v * v for v in troops.vector)), 1.0, abs_tol=1e-3)
    assert _cosine(troops.vector, soldiers.vector) > _cosine(troops.vector, bridge.vector) + 0.2


def test_the_enrich_stage_adds_the_embedding_for_english_only(embedder):
    tools = Tools.load(("en",))
    tools.embedder = embedder
    parsed: ParsedArticle = decode(next(p for p in EXAMPLES if "parsed" in str(p)).read_bytes())
    enriched = asyncio.run(enrich(parsed, analyse(parsed, tools), MemoryBandStore(), parsed.parsed_at))
    assert enriched.embedding is not None and enriched.embedding.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert enriched.enrichments["embedding"].status == "ok"
