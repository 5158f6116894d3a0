"""newsflow's event contract: versioned event models, their codec and the topic table.

This package depends on pydantic only, so a downstream producer or consumer can install just it.
"""

from newsflow_schemas.topics import (
    ALL_TOPICS,
    ARTICLES_ENRICHED,
    ARTICLES_PARSED,
    ARTICLES_RAW,
    DEAD_LETTERS,
    FETCH_REQUESTS,
    STAGE_INPUTS,
    Stage,
    TopicSpec,
    dead_letter_topic,
    topic_name,
)

__all__ = [
    "ALL_TOPICS",
    "ARTICLES_ENRICHED",
    "ARTICLES_PARSED",
    "ARTICLES_RAW",
    "DEAD_LETTERS",
    "FETCH_REQUESTS",
    "STAGE_INPUTS",
    "Stage",
    "TopicSpec",
    "dead_letter_topic",
    "topic_name",
]
