"""Quality metrics of article extraction, as defined in the shared dev set's README.

body F1: tokens are `\\w+` runs; texts are multisets of 4-token shingles (fewer than 4 tokens: one shingle);
precision is averaged over pages with a non-empty prediction, recall over pages with non-empty truth, and F1 is
the harmonic mean of the two averages. Title: exact match after NFKC, casefold and collapsing non-word runs.
Date: same calendar day, each date in the timezone it is given in. Authors: per-page F1 between the sets of
normalised names, averaged over pages that have authors.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

_TOKEN = re.compile(r"\w+")
_NON_WORD = re.compile(r"\W+")


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def body_precision_recall(predicted: str, truth: str) -> tuple[float | None, float | None]:
    """(precision or None if the prediction is empty, recall or None if the truth is empty)."""
    pred, true = shingles(predicted), shingles(truth)
    overlap = sum((pred & true).values())
    precision = overlap / sum(pred.values()) if pred else None
    recall = overlap / sum(true.values()) if true else None
    return precision, recall


def normalise(text: str) -> str:
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def title_match(predicted: str | None, truth: str) -> bool:
    return predicted is not None and normalise(predicted) == normalise(truth)


def authors_f1(predicted: list[str], truth: list[str]) -> float:
    pred = {normalise(a) for a in predicted if normalise(a)}
    true = {normalise(a) for a in truth if normalise(a)}
    if not pred or not true:
        return 0.0
    overlap = len(pred & true)
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(true)
    return 2 * precision * recall / (precision + recall)


def date_match(predicted: date | None, truth: date) -> bool:
    return predicted == truth


@dataclass
class Scores:
    """Accumulates per-page results of one extractor."""

    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    authors: list[float] = field(default_factory=list)
    seconds: float = 0.0
    pages: int = 0

    def add(self, body: str, truth_body: str, title: str | None, truth_title: str, day: date | None,
            truth_day: date, authors: list[str], truth_authors: list[str]) -> None:
        precision, recall = body_precision_recall(body, truth_body)
        if precision is not None:
            self.precisions.append(precision)
        if recall is not None:
            self.recalls.append(recall)
        self.titles.append(title_match(title, truth_title))
        self.dates.append(date_match(day, truth_day))
        if truth_authors:
            self.authors.append(authors_f1(authors, truth_authors))
        self.pages += 1

    def summary(self) -> dict[str, float]:
        def mean(values: list) -> float:
            return sum(values) / len(values) if values else 0.0

        precision, recall = mean(self.precisions), mean(self.recalls)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"body_f1": f1, "body_precision": precision, "body_recall": recall, "title": mean(self.titles),
                "date": mean(self.dates), "authors_f1": mean(self.authors),
                "pages_per_s": self.pages / self.seconds if self.seconds else 0.0}
