"""Near-duplicate detection on the dev set plus rewritten copies (deterministic: a fixed random seed)."""

from __future__ import annotations

import asyncio

import numpy as np

from benchmarks.dedup_eval import evaluate
from newsflow.enrich.duplicates import MemoryBandStore, band_keys, find_duplicates, signature
from tests.conftest import require_devset


def test_copies_are_found_with_high_precision_and_recall_and_no_false_merges():
    require_devset()
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


class _InterleavingStore(MemoryBandStore):
    """Every call yields first, as a network round trip would: two articles handled at once both look before
    either stores."""

    async def neighbours(self, band_keys):
        await asyncio.sleep(0)
        return await super().neighbours(band_keys)

    async def add(self, article_id, cluster_id, band_keys, signature):
        await asyncio.sleep(0)
        await super().add(article_id, cluster_id, band_keys, signature)


def test_copies_handled_at_the_same_moment_end_in_one_cluster():
    text = " ".join(f"word{n}" for n in range(300))

    async def run():
        store = _InterleavingStore()
        together = await asyncio.gather(find_duplicates("a", text, "en", "x", store),
                                        find_duplicates("b", text + " and a footer", "en", "y", store))
        later = await find_duplicates("c", text, "en", "z", store)
        redelivered = await find_duplicates("a", text, "en", "x", store)
        return together, later, redelivered

    (first, second), later, redelivered = asyncio.run(run())
    roots = [d for d in (first, second) if d.duplicate_of is None]
    assert len(roots) == 1 and first.cluster_id == second.cluster_id == roots[0].cluster_id
    assert later.cluster_id == roots[0].cluster_id and later.duplicate_of == roots[0].cluster_id
    assert redelivered.cluster_id == first.cluster_id
    assert (redelivered.duplicate_of is None) == (first.duplicate_of is None)  # the root stays the root


def test_a_redelivered_root_is_not_a_duplicate_of_its_own_copies():
    text = " ".join(f"word{n}" for n in range(300))

    async def run():
        store = MemoryBandStore()
        await find_duplicates("a", text, "en", "x", store)
        await find_duplicates("b", text, "en", "y", store)
        return await find_duplicates("a", text, "en", "x", store)

    again = asyncio.run(run())
    assert (again.cluster_id, again.duplicate_of) == ("a", None)


def test_band_keys_do_not_depend_on_the_integer_type_a_signature_is_read_back_as():
    hashvalues = signature(" ".join(f"word{n}" for n in range(50)), "en")
    assert band_keys(hashvalues) == band_keys(hashvalues.astype(np.uint64)) == band_keys(hashvalues.tolist())
