"""End-to-end and fault tests: the whole pipeline on the real embedded stack, with the integration fixtures."""

from tests.integration.conftest import (  # noqa: F401  (fixtures, found by pytest by name)
    embedded_stack,
    index_settings,
    pipeline_topics,
    search_engine,
    search_engine_name,
    service_factory,
    settings,
    unique_name,
)
