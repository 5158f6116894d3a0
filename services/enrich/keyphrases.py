"""Keyphrases with YAKE in the article's language; overlapping phrases are deduplicated."""

from __future__ import annotations

import functools

import yake

from newsflow_schemas import Keyphrase

# languages YAKE ships stop words for (it falls back to a neutral list for others, which still works)
TOP = 10


@functools.cache
def _extractor(language: str) -> yake.KeywordExtractor:
    return yake.KeywordExtractor(lan=language, n=2, top=TOP * 3, dedupLim=0.7)


def keyphrases(text: str, language: str) -> list[Keyphrase]:
    if language == "und" or len(text) < 100:
        return []
    scored = _extractor(language).extract_keywords(text)  # lower score = more relevant
    chosen: list[tuple[str, float]] = []
    for phrase, score in sorted(scored, key=lambda item: item[1]):
        lowered = phrase.lower()
        if any(lowered in kept.lower() or kept.lower() in lowered for kept, _ in chosen):
            continue
        chosen.append((phrase, score))
        if len(chosen) == TOP:
            break
    return [Keyphrase(text=phrase, score=round(1 / (1 + 10 * score), 4)) for phrase, score in chosen]
