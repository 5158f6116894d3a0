"""Sentiment with VADER, English only: sentences are scored and averaged (whole-text VADER pins near ±1 on long
texts); per entity, the sentences that mention it. Other languages get null, never a guess."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from newsflow_schemas import Sentiment

SUPPORTED = {"en"}


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def sentence_scores(sentences: Sequence[str]) -> list[float]:
    return [_analyzer().polarity_scores(sentence)["compound"] for sentence in sentences]


def document_sentiment(scores: Sequence[float]) -> Sentiment | None:
    if not scores:
        return None
    score = sum(scores) / len(scores)
    label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
    return Sentiment(score=round(max(-1.0, min(1.0, score)), 4), label=label)
