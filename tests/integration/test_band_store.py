"""The near-duplicate band index in both real engines: another worker's signature is visible at once, and
concurrent appends (compare-and-set, no script) lose no member."""

from __future__ import annotations

import asyncio

from newsflow.enrich.bands import SearchBandStore
from newsflow.enrich.duplicates import find_duplicates
from tests.integration.conftest import both_engines


@both_engines
async def test_a_copy_stored_by_one_worker_is_found_by_another_at_once(search_engine, index_settings):
    first_worker = SearchBandStore(search_engine, index_settings.index_prefix)
    second_worker = SearchBandStore(search_engine, index_settings.index_prefix)
    await first_worker.setup()
    text = " ".join(f"syndicated{n} story{n % 7}" for n in range(200))
    try:
        original = await find_duplicates("original", text, "en", "x", first_worker)
        copy = await find_duplicates("copy", text + " Subscribe to our newsletter.", "en", "y", second_worker)
        unrelated = await find_duplicates("other", " ".join(f"other{n}" for n in range(300)), "en", "z",
                                          second_worker)
        again = await find_duplicates("copy", text, "en", "y", second_worker)  # redelivery: same verdict
    finally:
        await search_engine.delete_index(first_worker.bands)
        await search_engine.delete_index(first_worker.signatures)
    assert original.duplicate_of is None and original.cluster_id == "original"
    assert copy.duplicate_of == "original" and copy.cluster_id == "original" and copy.similarity > 0.9
    assert unrelated.duplicate_of is None
    assert again.cluster_id == "original"


@both_engines
async def test_copies_stored_at_the_same_moment_by_two_workers_end_in_one_cluster(search_engine, index_settings):
    first_worker = SearchBandStore(search_engine, index_settings.index_prefix)
    second_worker = SearchBandStore(search_engine, index_settings.index_prefix)
    await first_worker.setup()
    try:
        pairs = []
        for story in range(10):  # both look before either stores: gather interleaves them at every round trip
            text = " ".join(f"story{story} word{n} part{n % 5}" for n in range(150))
            pairs.append(await asyncio.gather(
                find_duplicates(f"{story}-a", text, "en", "x", first_worker),
                find_duplicates(f"{story}-b", text + " Subscribe to our newsletter.", "en", "y", second_worker)))
    finally:
        await search_engine.delete_index(first_worker.bands)
        await search_engine.delete_index(first_worker.signatures)
    for story, (a, b) in enumerate(pairs):
        roots = [d for d in (a, b) if d.duplicate_of is None]
        assert len(roots) == 1, f"story {story}: {a} / {b}"
        assert a.cluster_id == b.cluster_id and a.cluster_id.startswith(f"{story}-")


@both_engines
async def test_concurrent_appends_to_the_same_bands_keep_every_member(search_engine, index_settings):
    store = SearchBandStore(search_engine, index_settings.index_prefix)
    await store.setup()
    keys = [f"band-{n}" for n in range(8)]
    try:
        await asyncio.gather(*(store._append(f"article-{n}", keys) for n in range(12)))
        await store._append("article-3", keys)  # a redelivery adds nothing
        bands = await search_engine.get_many(store.bands, keys)
    finally:
        await search_engine.delete_index(store.bands)
        await search_engine.delete_index(store.signatures)
    assert all(sorted(band["members"]) == sorted(f"article-{n}" for n in range(12)) for band in bands.values())
    assert len(bands) == len(keys)
