"""A user's clone has no ../shared: the seed comes from the repository, and a test that needs a dev set skips,
naming the set and how to get it, except in CI (NEWSFLOW_REQUIRE_DEVSETS=1), where its absence is an error."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO, REQUIRE_DEVSETS, SEED, SHARED, require_devset


def test_the_seed_is_read_from_the_repository():
    assert SEED.is_relative_to(REPO) and "NATO chief refutes Macron comment" in SEED.read_text()
    original = SHARED / "seed" / SEED.name.removeprefix("seed-")
    if original.exists():
        assert original.read_bytes() == SEED.read_bytes()


def test_a_missing_dev_set_skips_with_its_name_and_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.delenv(REQUIRE_DEVSETS, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"dev set 'fundus-testdata' not found .*NEWSFLOW_SHARED_DIR"):
        require_devset(tmp_path / "fundus-testdata")


def test_a_missing_dev_set_fails_where_ci_requires_them(tmp_path, monkeypatch):
    monkeypatch.setenv(REQUIRE_DEVSETS, "1")
    with pytest.raises(pytest.fail.Exception, match="'fundus-testdata' not found"):
        require_devset(tmp_path / "fundus-testdata")


def test_the_ci_script_requires_the_dev_sets():
    assert re.search(rf"{REQUIRE_DEVSETS}=1\b", (REPO / ".ci" / "run").read_text())


def test_no_test_reads_the_shared_folder_but_through_require_devset():
    offenders = [str(path.relative_to(REPO)) for path in (REPO / "tests").rglob("*.py")
                 if path.name != "conftest.py" and path != REPO / "tests/unit/test_devsets.py"
                 and re.search(r"\bSHARED\b|\.\./shared", path.read_text())]
    assert offenders == []
