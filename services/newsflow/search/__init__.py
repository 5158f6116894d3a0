"""The search adapter: one small interface (`SearchEngine`) in front of OpenSearch or Elasticsearch."""

from __future__ import annotations

import httpx

from newsflow.common.settings import redact_url
from newsflow.search.base import (
    BulkItemResult,
    IndexedDoc,
    Revision,
    SearchEngine,
    SearchEngineError,
    SearchHit,
    SearchHits,
    SearchUnavailableError,
)
from newsflow.search.elasticsearch import ElasticsearchEngine
from newsflow.search.opensearch import OpenSearchEngine
from newsflow.search.settings import SearchSettings

__all__ = [
    "BulkItemResult",
    "ElasticsearchEngine",
    "IndexedDoc",
    "OpenSearchEngine",
    "Revision",
    "SearchEngine",
    "SearchEngineError",
    "SearchHit",
    "SearchHits",
    "SearchUnavailableError",
    "connect",
    "detect_engine",
]


async def detect_engine(settings: SearchSettings) -> str:
    """Ask the server which engine it is ('opensearch' or 'elasticsearch'): Elasticsearch names itself in a
    header of every response (its integration-test archive has no root endpoint: GET / answers 405)."""
    auth = settings.search_basic_auth()
    headers = {}
    if settings.search_api_key:
        headers["Authorization"] = f"ApiKey {settings.search_api_key.get_secret_value()}"
    verify: bool | str = str(settings.search_ca_file) if settings.search_ca_file else settings.search_verify_certs
    try:
        async with httpx.AsyncClient(auth=auth, headers=headers, verify=verify, timeout=10) as client:
            response = await client.get(settings.search_url)
            if response.headers.get("x-elastic-product") == "Elasticsearch":
                return "elasticsearch"
            root = response.raise_for_status().json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SearchUnavailableError(f"cannot reach the search engine at {redact_url(settings.search_url)}: "
                                     f"{exc}; is it running (make run), and is NEWSFLOW_SEARCH_URL right?") from exc
    return "opensearch" if root.get("version", {}).get("distribution") == "opensearch" else "elasticsearch"


async def connect(settings: SearchSettings) -> SearchEngine:
    """The configured engine's implementation (detected from the server when the setting is 'auto'), having
    asked the server which optional modules it runs."""
    name = settings.search_engine if settings.search_engine != "auto" else await detect_engine(settings)
    engine = OpenSearchEngine.from_settings(settings) if name == "opensearch" else ElasticsearchEngine.from_settings(
        settings)
    try:
        await engine.probe()
    except BaseException:
        await engine.close()
        raise
    return engine
