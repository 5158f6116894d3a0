"""The index service's settings: the shape of the article index and how writes are batched. They extend the
search engine's (the index lives there, under its prefix)."""

from __future__ import annotations

from pydantic import Field

from newsflow.common.settings import MIB
from newsflow.search.settings import SearchSettings


class IndexSettings(SearchSettings):
    index_shards: int = Field(1, ge=1, description="primary shards of the article index")
    index_replicas: int = Field(0, ge=0, description="replicas of the article index (0 on a single node)")
    index_refresh_interval: str = Field("500ms", description="how soon written articles become searchable")
    embedding_dims: int = Field(384, gt=0, description="dimensions of the article embedding vector field")
    index_batch_docs: int = Field(500, gt=0, description="index service: most documents per bulk request")
    index_batch_bytes: int = Field(8 * MIB, gt=0, description="index service: most bytes per bulk request")
    index_linger_ms: int = Field(100, ge=0, description="index service: longest wait to fill a batch")
