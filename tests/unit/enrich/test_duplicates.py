"""Near-duplicate detection on the dev set plus rewritten copies (deterministic: a fixed random seed)."""

from __future__ import annotations

import asyncio

from benchmarks.dedup_eval import evaluate
from newsflow.enrich.duplicates import MemoryBandStore, find_duplicates


def test_copies_are_found_with_high_precision_and_recall_and_no_false_merges():
    scores = asyncio.run(evaluate())
    assert scores.copies == 258
    assert scores.precision >= 0.95 and scores.recall >= 0.95
    assert scores.false_merges == 0


def test_a_cluster_is_named_after_its_earliest_article():
    async def run():
        store = MemoryBandStore()
        text = " ".join(f"word{n}" for n in range(300))
        first = await find_duplicates("a", text, "en", "x", store)
        second = await find_duplicates("b", text + " and one more sentence here", "en", "y", store)
        third = await find_duplicates("c", text.replace("word7 ", "word7x "), "en", "z", store)
        return first, second, third

    first, second, third = asyncio.run(run())
    assert (first.cluster_id, first.duplicate_of) == ("a", None)
    assert (second.cluster_id, second.duplicate_of) == ("a", "a") and second.similarity > 0.9
    assert third.cluster_id == "a"
