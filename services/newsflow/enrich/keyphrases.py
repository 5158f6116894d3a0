"""Keyphrases with YAKE in the article's language (yake-rust: same phrases as the Python YAKE, ~4x faster);
overlapping phrases are deduplicated. yake-rust aborts the process on a language it has no stop words for, so
only the languages checked here are passed to it."""

from __future__ import annotations

import functools
import re

import yake_rust

from newsflow_schemas import Keyphrase

TOP = 10
#: languages yake-rust was checked to handle (it aborts, uncatchably, on others such as cs, is, ko, vi)
LANGUAGES = frozenset({"ar", "da", "de", "el", "en", "es", "fi", "fr", "hu", "it", "ja", "nl", "no", "pl", "pt",
                       "ro", "ru", "sv", "tr", "uk", "zh"})


#: yake-rust's tokenizer backtracks over long runs: a 100,000-character token panics it (a BaseException), a
#: 10,000-character one takes 0.1 s and 100,000 characters after 50 words 12 s; so is ~500,000 characters of
#: words without a sentence mark. No word is this long, and 50,000 characters (1.3x the longest dev-set article)
#: carry an article's keyphrases.
MAX_TOKEN_CHARS = 64
MAX_CHARS = 50_000
_LONG_TOKEN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")


def _tokenisable(text: str) -> str:
    return _LONG_TOKEN.sub(" ", text)[:MAX_CHARS]


@functools.cache
def _extractor(language: str) -> yake_rust.Yake:
    return yake_rust.Yake(language=language, ngrams=2)


def keyphrases(text: str, language: str) -> list[Keyphrase]:
    if language not in LANGUAGES or len(text) < 100:
        return []
    scored = _extractor(language).get_n_best(_tokenisable(text), n=TOP * 3)  # lower score = more relevant
    chosen: list[tuple[str, float]] = []
    for phrase, score in sorted(scored, key=lambda item: item[1]):
        lowered = phrase.lower()
        if any(lowered in kept.lower() or kept.lower() in lowered for kept, _ in chosen):
            continue
        chosen.append((phrase, score))
        if len(chosen) == TOP:
            break
    return [Keyphrase(text=phrase, score=round(1 / (1 + 10 * score), 4)) for phrase, score in chosen]
