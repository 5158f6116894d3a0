"""The enrich service's settings: what it computes and how long one article may take. They extend the search
engine's (near-duplicate bands are kept there, under its prefix)."""

from __future__ import annotations

from pydantic import Field

from newsflow.search.settings import SearchSettings


class EnrichSettings(SearchSettings):
    embeddings: bool = Field(False, description="compute sentence embeddings (needs the 'embeddings' extra)")
    enrich_timeout_s: float = Field(60.0, gt=0, description="longest time to analyse one article before giving up")
    enrich_processes: int = Field(2, ge=1, description="analysis processes of one enrich service: articles of "
                                                      "different partitions are analysed at once (each process "
                                                      "holds its own copy of the models, ~270 MB for English)")
