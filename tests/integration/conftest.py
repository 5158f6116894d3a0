"""Integration fixtures: the real embedded stack, started or reused once per session, and per-test resources
with random names so that tests never collide with each other or with a developer's running pipeline."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from newsflow.common.kafka import client_options, ensure_topics
from newsflow.common.settings import Settings
from newsflow.index.settings import IndexSettings
from newsflow.search import SearchEngine, connect
from tests.conftest import REPO
from tests.fetch_server import FetchServer, free_port

#: run a test against OpenSearch (the embedded default) and Elasticsearch (Elastic's integration-test archive)
both_engines = pytest.mark.parametrize("search_engine_name", ["opensearch", "elasticsearch"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path) or "tests/e2e" in str(item.path):
            item.add_marker(pytest.mark.integration)


def _start_stack(servers: str) -> dict:
    """Start servers of the embedded stack (or reuse running ones). A server that cannot start fails the tests
    that need it with the reason; it never skips them."""
    proc = subprocess.run([sys.executable, str(REPO / "infra/embedded/stack.py"), "start", "--json",
                           "--only", servers], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"the embedded stack ({servers}) did not start:\n{proc.stderr[-3000:]}", pytrace=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def embedded_stack() -> dict:
    return _start_stack("broker,opensearch")


@pytest.fixture(scope="session")
def elasticsearch_url() -> str:
    """Elasticsearch from Maven Central, started on first use (only the tests of both engines need it)."""
    return _start_stack("elasticsearch")["elasticsearch_url"]


@pytest.fixture
def search_engine_name() -> str:
    """The engine a test runs against: OpenSearch unless the test is marked `both_engines`."""
    return "opensearch"


@pytest.fixture
def unique_name() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings(embedded_stack: dict, unique_name: str) -> Settings:
    """The shared settings pointing at the embedded broker, with this test's own topic prefix."""
    return Settings(kafka_bootstrap=embedded_stack["kafka_bootstrap"], topic_prefix=f"{unique_name}.",
                    log_format="console")


@pytest.fixture
async def index_settings(embedded_stack: dict, unique_name: str, search_engine_name: str,
                         request: pytest.FixtureRequest) -> AsyncIterator[IndexSettings]:
    """The search engine's and the index's settings, pointing at the embedded engine, with this test's own index
    prefix. The index templates made under the prefix are deleted afterwards (each test deletes its indices)."""
    search_url = (request.getfixturevalue("elasticsearch_url") if search_engine_name == "elasticsearch"
                  else embedded_stack["opensearch_url"])
    index_settings = IndexSettings(search_url=search_url, search_engine=search_engine_name, index_prefix=unique_name)
    yield index_settings
    engine = await connect(index_settings)
    try:
        await engine.delete_templates(f"{unique_name}*")
    finally:
        await engine.close()


@pytest.fixture
async def topic_factory(settings: Settings) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Create topics with unique names; they are deleted after the test."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    created: list[str] = []

    async def create(partitions: int = 1) -> str:
        name = f"{settings.topic_prefix}t{len(created)}"
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
        created.append(name)
        return name

    yield create
    if created:
        await admin.delete_topics(created)
    await admin.close()


@pytest.fixture
async def search_engine(index_settings: IndexSettings) -> AsyncIterator[SearchEngine]:
    engine = await connect(index_settings)
    yield engine
    await engine.close()


@pytest.fixture
async def index_factory(search_engine: SearchEngine, index_settings: IndexSettings) -> AsyncIterator[Callable[[], str]]:
    """Unique index names for one test; every index created under them is deleted afterwards."""
    names: list[str] = []

    def new_name() -> str:
        names.append(f"{index_settings.index_prefix}-i{len(names)}")
        return names[-1]

    yield new_name
    for name in names:
        await search_engine.delete_index(name)


@pytest.fixture
async def pipeline_topics(settings: Settings) -> AsyncIterator[Settings]:
    """Every pipeline topic under this test's prefix, created as `make run` does; deleted afterwards."""
    report = await ensure_topics(settings)
    yield settings
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        await admin.delete_topics(report.created)
    finally:
        await admin.close()


READY_MARKER = "service consuming"  # logged by the shared runner once it has subscribed


@pytest.fixture
async def service_factory(settings: Settings, index_settings: IndexSettings,
                          tmp_path) -> AsyncIterator[Callable[..., Awaitable[subprocess.Popen]]]:
    """Start `newsflow serve STAGE` processes with this test's settings; each is killed after the test.
    `await start(stage)` returns once the worker reports ready (its log is in tmp_path); the event loop keeps
    running meanwhile (a test's proxy or server may have to answer the service). `command` replaces
    `newsflow serve STAGE` (a test's own wrapper around a service)."""
    processes: list[subprocess.Popen] = []

    async def start(stage: str, ready_timeout: float = 90, command: list[str] | None = None,
                    **overrides: str) -> subprocess.Popen:
        log_path = tmp_path / f"{stage}-{len(processes)}.log"
        port = free_port()
        env = {**os.environ, **settings.environment(), **index_settings.environment(),
               "NEWSFLOW_LOG_FORMAT": "console", "NEWSFLOW_OPS_PORT": str(port),
               **{f"NEWSFLOW_{k.upper()}": v for k, v in overrides.items()}}
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(command or [sys.executable, "-m", "newsflow.cli", "serve", stage], env=env,
                                    stdout=log_file, stderr=subprocess.STDOUT, cwd=tmp_path)
        processes.append(proc)
        proc.ops_url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]  # health and metrics
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if READY_MARKER in log_path.read_text(errors="replace"):
                return proc
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.2)
        pytest.fail(f"{stage} service did not become ready:\n{log_path.read_text(errors='replace')[-3000:]}")

    yield start
    for proc in processes:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


@pytest.fixture
async def server() -> AsyncIterator[FetchServer]:
    """The loopback HTTP server of the fetch tests (feeds, sitemaps, robots.txt, every failure case)."""
    running = FetchServer()
    await running.start()
    yield running
    await running.stop()
