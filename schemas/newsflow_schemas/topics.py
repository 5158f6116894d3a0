"""The topic table: every topic the pipeline uses, declared once.

Names carry the schema's major version (`.v1`); a breaking change gets a new topic. A prefix (the
`NEWSFLOW_TOPIC_PREFIX` setting) lets tests and side-by-side deployments use their own topics. Use
`topic_name(...)`, never a string literal, anywhere a topic is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

_DAY_MS = 24 * 3600 * 1000


class Stage(StrEnum):
    """The pipeline's stages, in order; each has one dead-letter topic."""

    FETCH = "fetch"
    PARSE = "parse"
    ENRICH = "enrich"
    INDEX = "index"


@dataclass(frozen=True)
class TopicSpec:
    name: str  # without the deployment prefix
    schema: str  # the `schema` of every event on it
    key: str  # what the message key is
    partitions: int
    retention_ms: int  # -1: kept forever (a compacted topic keeps the latest record of each key)
    description: str
    cleanup_policy: str = "delete"  # "compact": the latest record per key stays, a tombstone removes the key

    @property
    def retention(self) -> str:
        """The retention in words, for tables and messages."""
        if self.retention_ms < 0:
            return "latest per key, forever" if self.cleanup_policy == "compact" else "forever"
        return f"{self.retention_ms / _DAY_MS:g} days"


FETCH_REQUESTS = TopicSpec(
    "newsflow.fetch.requests.v1", "newsflow.fetch.request", "host of the URL (politeness per partition)",
    partitions=6, retention_ms=3 * _DAY_MS, description="URLs, feeds and sitemaps to fetch or poll",
)
ARTICLES_RAW = TopicSpec(
    "newsflow.articles.raw.v1", "newsflow.article.raw", "article id",
    # compacted, never expired: the latest revision of every article stays replayable (reprocessing after a
    # parser change, a rejected article replayed) and a takedown's tombstone removes the article for good
    partitions=6, retention_ms=-1, cleanup_policy="compact",
    description="fetched pages and pushed documents (HTML or plain text); replayable source of truth",
)
ARTICLES_PARSED = TopicSpec(
    "newsflow.articles.parsed.v1", "newsflow.article.parsed", "article id",
    partitions=6, retention_ms=7 * _DAY_MS, description="structured articles extracted from raw documents",
)
ARTICLES_ENRICHED = TopicSpec(
    "newsflow.articles.enriched.v1", "newsflow.article.enriched", "article id",
    partitions=6, retention_ms=14 * _DAY_MS,
    description="parsed articles with language, entities, quotes, keyphrases, sentiment, duplicates, embedding",
)
FETCH_STATE = TopicSpec(
    "newsflow.fetch.state.v1", "newsflow.fetch.memory", "<kind>:<subject>, in the partition of its host",
    # as many partitions as the fetch requests, and placed by host as they are: partition n holds what the
    # requests of partition n need (a worker reads it when it takes the partition over)
    partitions=FETCH_REQUESTS.partitions, retention_ms=-1, cleanup_policy="compact",
    description="what the fetch stage remembers: page validators, feed items seen, feed schedules, host backoff",
)
DEAD_LETTERS = {
    stage: TopicSpec(
        f"newsflow.dlq.{stage}.v1", "newsflow.dead_letter", "the failed message's key",
        partitions=1, retention_ms=30 * _DAY_MS,
        description=f"what the {stage} stage could not process, with the reason and the original bytes",
    )
    for stage in Stage
}

#: the input topic of each stage (what its dead letters are replayed into)
STAGE_INPUTS = {
    Stage.FETCH: FETCH_REQUESTS,
    Stage.PARSE: ARTICLES_RAW,
    Stage.ENRICH: ARTICLES_PARSED,
    Stage.INDEX: ARTICLES_ENRICHED,
}

ALL_TOPICS: tuple[TopicSpec, ...] = (
    FETCH_REQUESTS, FETCH_STATE, ARTICLES_RAW, ARTICLES_PARSED, ARTICLES_ENRICHED, *DEAD_LETTERS.values(),
)


def topic_name(spec: TopicSpec, prefix: str = "") -> str:
    """The topic's name in a deployment: the prefix (may be empty) and the versioned name."""
    return f"{prefix}{spec.name}"


def dead_letter_topic(stage: Stage | str, prefix: str = "") -> str:
    return topic_name(DEAD_LETTERS[Stage(stage)], prefix)
