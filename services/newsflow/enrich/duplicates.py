"""Near-duplicates (syndicated copies, light rewrites) with MinHash-LSH (datasketch), and the exact fingerprint.

Signatures: 128 permutations over 3-word shingles (4-character shingles for Chinese, Japanese, Korean, Thai).
LSH: 42 bands of 3 rows; an article that shares a band with an earlier one and whose estimated Jaccard
similarity reaches 0.3 is its duplicate, and joins the earliest article's cluster. Measured on the dev set plus
rewritten copies (`benchmarks/dedup_eval.py`): 5-word shingles missed half of the copies with 10% of their
words changed (each change breaks five shingles); 3-word shingles find 97%. The band index lives behind a port
(`BandStore`) that every worker can read its own writes from at once (a search-engine index read by id). Two
copies handled at the same moment by two workers each look again after storing: one root, one copy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from datasketch import MinHash

from newsflow_schemas import Duplicates

PERMUTATIONS = 128
BANDS, ROWS = 42, 3
THRESHOLD = 0.3
SHINGLE_WORDS = 3
_WORD = re.compile(r"\w+")
_CHARACTER_LANGUAGES = {"zh", "ja", "ko", "th"}


@dataclass(frozen=True)
class Known:
    article_id: str
    cluster_id: str
    signature: np.ndarray


@dataclass(frozen=True)
class Neighbours:
    """What the band index holds under an article's band keys: the articles stored there, and each band's members
    in the order they were stored."""

    known: list[Known]
    members: dict[str, list[str]]


class BandStore(Protocol):
    async def neighbours(self, band_keys: Sequence[str]) -> Neighbours:
        """The articles already stored under any of these band keys, and each band's members in storing order."""

    async def add(self, article_id: str, cluster_id: str, band_keys: Sequence[str], signature: np.ndarray) -> None:
        """Store an article's signature under its band keys (visible to every worker at once)."""

    async def set_cluster(self, article_id: str, cluster_id: str, signature: np.ndarray) -> None:
        """Change the cluster an already stored signature belongs to."""


def shingles(text: str, language: str) -> set[bytes]:
    if language in _CHARACTER_LANGUAGES:
        squeezed = "".join(text.split())
        return {squeezed[i:i + 4].encode() for i in range(max(1, len(squeezed) - 3))}
    words = [w.lower() for w in _WORD.findall(text)]
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode() for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def signature(text: str, language: str) -> np.ndarray:
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1)
    minhash.update_batch(list(shingles(text, language)))
    return minhash.hashvalues


def band_keys(hashvalues: np.ndarray) -> list[str]:
    # keyed on the 32-bit values datasketch computes, whatever type a stored signature was read back as
    values = np.asarray(hashvalues, dtype=np.uint32)
    return [f"{band}:{hashlib.sha1(values[band * ROWS:(band + 1) * ROWS].tobytes()).hexdigest()[:16]}"
            for band in range(BANDS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


async def find_duplicates(article_id: str, text: str, language: str, content_sha256: str,
                          store: BandStore) -> Duplicates:
    hashvalues = signature(text, language)
    keys = band_keys(hashvalues)
    best = _closest(article_id, hashvalues, (await store.neighbours(keys)).known)
    await store.add(article_id, best[1].cluster_id if best else article_id, keys, hashvalues)
    if best is None:
        best = await _stored_at_the_same_moment(article_id, hashvalues, keys, store)
    return Duplicates(content_sha256=content_sha256, cluster_id=best[1].cluster_id if best else article_id,
                      duplicate_of=best[1].cluster_id if best else None,
                      similarity=round(best[0], 4) if best else None)


def _closest(article_id: str, hashvalues: np.ndarray, known: Sequence[Known]) -> tuple[float, Known] | None:
    """The most similar earlier article at or above the threshold. The article itself (a redelivery) and the
    members of its own cluster (copies that came after it) are not earlier."""
    best: tuple[float, Known] | None = None
    for candidate in known:
        if article_id in (candidate.article_id, candidate.cluster_id):
            continue
        score = similarity(hashvalues, candidate.signature)
        if score >= THRESHOLD and (best is None or score > best[0]):
            best = (score, candidate)
    return best


async def _stored_at_the_same_moment(article_id: str, hashvalues: np.ndarray, keys: Sequence[str],
                                     store: BandStore) -> tuple[float, Known] | None:
    """A copy another worker stored while this one was looking (syndicated copies arrive together): neither saw
    the other before storing. Looking again after storing, the one stored first in the lowest band key the two
    share stays the cluster's root and the other joins it. That band is one document, so both workers read the
    same order; a copy not in it yet will be stored after this article."""
    after = await store.neighbours(keys)
    mine = set(keys)

    def stored_earlier(other: Known) -> bool:
        shared = sorted(mine.intersection(band_keys(other.signature)))
        order = after.members.get(shared[0], []) if shared else []
        return other.article_id in order and (article_id not in order or
                                              order.index(other.article_id) < order.index(article_id))

    best = _closest(article_id, hashvalues, [known for known in after.known if stored_earlier(known)])
    if best is not None:
        await store.set_cluster(article_id, best[1].cluster_id, hashvalues)
    return best


class MemoryBandStore:
    """For one process (tests, the in-process benchmark chain): a dict of band key -> article ids, in storing
    order, and the signatures by article id."""

    def __init__(self) -> None:
        self.bands: dict[str, list[str]] = {}
        self.signatures: dict[str, Known] = {}

    async def neighbours(self, band_keys: Sequence[str]) -> Neighbours:
        members = {key: list(self.bands[key]) for key in band_keys if key in self.bands}
        ids = dict.fromkeys(member for band in members.values() for member in band)
        return Neighbours([self.signatures[i] for i in ids if i in self.signatures], members)

    async def add(self, article_id: str, cluster_id: str, band_keys: Sequence[str], signature: np.ndarray) -> None:
        await self.set_cluster(article_id, cluster_id, signature)
        for key in band_keys:
            members = self.bands.setdefault(key, [])
            if article_id not in members:
                members.append(article_id)

    async def set_cluster(self, article_id: str, cluster_id: str, signature: np.ndarray) -> None:
        self.signatures[article_id] = Known(article_id, cluster_id, signature)
