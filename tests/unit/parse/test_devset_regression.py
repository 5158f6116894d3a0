"""Regression guard on the three shared dev sets, with the shared scorer's own metrics: every page parses (or is
rejected) without an exception, and quality stays at what `make bench-extract` last measured (minus a small
margin). Scores are deterministic, so this is not a timed or flaky assertion. On fundus-testdata, whose truth
has them, dates and authors are guarded too."""

from __future__ import annotations

import pytest

from benchmarks.bench_extract import DEVSET_FOLDERS, scorer
from benchmarks.devset import DEVSET, pages, raw_document
from benchmarks.devsets_adapter import extract
from benchmarks.extraction_metrics import Scores
from newsflow.parse.source_time import local_date
from newsflow.parse.stage import Rejected, parse
from tests.conftest import require_devset
from tests.unit.parse.conftest import NOW

#: measured at the last change (fundus 0.9735 / 0.872, readability 0.9466 / 0.795, trafilatura-eval 0.9346)
FLOORS = {("fundus", "body_f1"): 0.97, ("fundus", "title_exact"): 0.865, ("readability", "body_f1"): 0.945,
          ("readability", "title_exact"): 0.79, ("trafilatura-eval", "snippet_f1"): 0.93}
FUNDUS_FLOORS = {"date": 0.97, "authors_f1": 0.915}


@pytest.fixture(scope="module")
def scored() -> dict[str, dict]:
    for folder in DEVSET_FOLDERS.values():
        require_devset(DEVSET.parent / folder)  # the three sets sit side by side
    scoring = scorer()
    return {name: scoring.score(name, extract) for name in DEVSET_FOLDERS}


@pytest.mark.parametrize(("devset", "metric"), sorted(FLOORS))
def test_dev_set_quality_does_not_regress(scored: dict[str, dict], devset: str, metric: str):
    assert scored[devset][metric] >= FLOORS[(devset, metric)]


@pytest.fixture(scope="module")
def fundus() -> Scores:
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


@pytest.mark.parametrize("metric", sorted(FUNDUS_FLOORS))
def test_dates_and_authors_on_fundus_do_not_regress(fundus: Scores, metric: str):
    assert fundus.pages == 258
    assert fundus.summary()[metric] >= FUNDUS_FLOORS[metric]
