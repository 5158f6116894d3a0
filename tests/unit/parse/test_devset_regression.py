"""Regression guard on the shared dev set: every real page parses (or is rejected) without an exception, and the
quality stays at what `make bench-extract` last measured (minus a small margin). Scores are deterministic, so
this is not a timed or flaky assertion."""

from __future__ import annotations

import pytest

from benchmarks.bench_extract import raw_document
from benchmarks.devset import pages
from benchmarks.extraction_metrics import Scores
from newsflow.parse.source_time import local_date
from newsflow.parse.stage import Rejected, parse
from tests.conftest import require_devset
from tests.unit.parse.conftest import NOW

FLOORS = {"body_f1": 0.965, "title": 0.85, "date": 0.97, "authors_f1": 0.915}


@pytest.fixture(scope="module")
def scores() -> Scores:
    require_devset()
    result = Scores()
    for page in pages():
        article = parse(raw_document(page, NOW), NOW)
        if isinstance(article, Rejected):
            result.add("", page.body, None, page.title, None, page.day, [], page.authors)
            continue
        text = "\n\n".join([*([article.summary] if article.summary else []), *(p.text for p in article.body)])
        day = local_date(article.published) if article.published else None
        result.add(text, page.body, article.title, page.title, day, page.day, article.authors, page.authors)
    return result


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_dev_set_quality_does_not_regress(scores: Scores, metric: str):
    assert scores.pages == 258
    assert scores.summary()[metric] >= FLOORS[metric]
