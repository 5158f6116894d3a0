"""A person's view: headless Chromium opens Dashboards Discover on the article index with a query and finds the
hits, and opens the dashboard at the URL `make run` prints and finds its panels filled. Screenshots are kept in
test-artifacts/ for a look."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import httpx
import pytest

from newsflow.index.dashboards import dashboard_url, import_saved_objects, saved_objects
from newsflow.index.document import to_document
from newsflow.index.setup import ensure_index_setup
from newsflow.search import IndexedDoc
from newsflow_schemas import Duplicates
from tests.conftest import REPO
from tests.integration.enriched import enriched

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,900", "--virtual-time-budget=30000"]


@pytest.fixture(scope="session")
def dashboards_url(embedded_stack) -> str:
    proc = subprocess.run([sys.executable, str(REPO / "infra/embedded/stack.py"), "start", "--json",
                           "--only", "dashboards"], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"OpenSearch Dashboards did not start:\n{proc.stderr[-3000:]}", pytrace=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])["dashboards_url"]


def _chromium(url: str, tmp_path, *args: str) -> str:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.fail("chromium is not installed (make test installs it: apt-get install chromium)", pytrace=False)
    proc = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}", *args, url],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


async def test_discover_finds_the_indexed_articles(index_settings, search_engine, dashboards_url, tmp_path):
    settings = index_settings.model_copy(update={"dashboards_url": dashboards_url})
    plan = await ensure_index_setup(search_engine, settings)
    articles = [enriched(n, title=f"NATO chief refutes Macron comment, part {n}") for n in range(3)]
    articles.append(enriched(9, title="Harbour bridge reopens"))
    try:
        docs = [IndexedDoc(a.article_id, to_document(a, a.ingested_at), a.external_version) for a in articles]
        await search_engine.bulk_index(plan.write_alias, docs)
        await search_engine.refresh(plan.write_alias)
        imported = await import_saved_objects(settings)
        assert imported["success"] and imported["successCount"] == len(saved_objects(settings.index_prefix))

        discover = (f"{dashboards_url}/app/discover#/?_g=(time:(from:now-10y,to:now))"
                    f"&_a=(index:'{plan.read_alias}',query:(language:kuery,query:'title:NATO'))")
        dom = _chromium(discover, tmp_path, "--dump-dom")
        hits = re.search(r'data-test-subj="discoverQueryHits">(\d+)<', dom)
        assert hits is not None, "Discover showed no hit count"
        assert int(hits.group(1)) == 3
        assert "refutes Macron comment, part 1" in dom and "Harbour bridge" not in dom

        ARTIFACTS.mkdir(exist_ok=True)
        _chromium(discover, tmp_path, f"--screenshot={ARTIFACTS / 'discover.png'}")
        assert (ARTIFACTS / "discover.png").stat().st_size > 10_000
    finally:
        await search_engine.delete_index(plan.physical)
        await _delete_saved_objects(settings)


async def test_the_dashboard_make_run_links_to_shows_the_articles_just_ingested(index_settings, search_engine,
                                                                               dashboards_url, tmp_path):
    """Opened with the very URL `make run` prints, no time range added: articles published long ago but ingested
    now fill every panel; a near-duplicate copy is counted but left out of the saved search."""
    settings = index_settings.model_copy(update={"dashboards_url": dashboards_url})
    plan = await ensure_index_setup(search_engine, settings)
    original = enriched(1, title="Harbour bridge reopens after repairs")  # the example was published in 2024
    copy = enriched(2, title="Harbour bridge reopens after repairs (syndicated)",
                    duplicates=Duplicates(content_sha256="0" * 64, cluster_id=original.article_id,
                                          duplicate_of=original.article_id, similarity=0.9))
    try:
        docs = [IndexedDoc(a.article_id, to_document(a, a.ingested_at), a.external_version) for a in (original, copy)]
        await search_engine.bulk_index(plan.write_alias, docs)
        await search_engine.refresh(plan.write_alias)
        await import_saved_objects(settings)

        url = dashboard_url(dashboards_url, settings.index_prefix)
        dom = _chromium(url, tmp_path, "--dump-dom")
        assert "No results found" not in dom
        for panel in ("Articles over time by source (ingestion time)", "Top entities", "Languages", "Sentiment",
                      "Largest duplicate clusters"):
            assert panel in dom, f"panel {panel!r} missing"
        entity = original.entities[0].name
        assert dom.count(f">{entity}<") >= 1, "the entities table shows no data"
        assert ">Harbour bridge reopens after repairs<" in dom and "(syndicated)<" not in dom  # roots only
        assert dom.count("<svg") >= 3, "the chart panels drew nothing"
        _chromium(url, tmp_path, "--window-size=1400,1400", f"--screenshot={ARTIFACTS / 'dashboard.png'}")
        assert "publication time" in dom  # the note linking to the same dashboard by publication time
    finally:
        await search_engine.delete_index(plan.physical)
        await _delete_saved_objects(settings)


async def _delete_saved_objects(settings) -> None:
    """This test's saved objects out of Dashboards again (a developer's .kibana index keeps no test leftovers)."""
    async with httpx.AsyncClient(headers={"osd-xsrf": "true"}, timeout=30) as client:
        for obj in saved_objects(settings.index_prefix):
            response = await client.delete(f"{settings.dashboards_url}/api/saved_objects/{obj['type']}/{obj['id']}")
            assert response.status_code in (200, 404), response.text
