"""newsflow's event contract: versioned event models, their codec and the topic table.

This package depends on pydantic only, so a downstream producer or consumer can install just it:

    from newsflow_schemas import decode, encode, EnrichedArticle, ARTICLES_ENRICHED, topic_name
"""

from newsflow_schemas.articles import MAX_GENERATION, ArticleContent, ParsedArticle, RawDocument
from newsflow_schemas.base import Event, SourceTime, UtcDatetime, now_utc
from newsflow_schemas.codec import REGISTRY, DecodeError, Registry, decode, encode, header_dict, headers_for
from newsflow_schemas.dead_letter import DeadLetter, OriginalMessage, SourcePosition, original_message
from newsflow_schemas.enriched import (
    DateMention,
    Duplicates,
    Embedding,
    EnrichedArticle,
    Entity,
    Keyphrase,
    Language,
    Mention,
    MoneyMention,
    Quote,
    Sentiment,
)
from newsflow_schemas.fetch import FeedSchedule, FetchMemory, FetchRequest, HostBackoff, PageValidators
from newsflow_schemas.ids import (
    IdentityError,
    article_id_for_text,
    article_id_for_url,
    mint_article_id,
    normalise_title,
    revision_at,
)
from newsflow_schemas.parts import FeedItem, FieldSource, HttpInfo, Image, Paragraph, Provenance, SourceInfo
from newsflow_schemas.topics import (
    ALL_TOPICS,
    ARTICLES_ENRICHED,
    ARTICLES_PARSED,
    ARTICLES_RAW,
    DEAD_LETTERS,
    FETCH_REQUESTS,
    FETCH_STATE,
    STAGE_INPUTS,
    Stage,
    TopicSpec,
    dead_letter_topic,
    topic_name,
)

EVENTS: tuple[type[Event], ...] = (FetchRequest, FetchMemory, RawDocument, ParsedArticle, EnrichedArticle, DeadLetter)

__all__ = [
    "ALL_TOPICS",
    "ARTICLES_ENRICHED",
    "ARTICLES_PARSED",
    "ARTICLES_RAW",
    "DEAD_LETTERS",
    "EVENTS",
    "FETCH_REQUESTS",
    "FETCH_STATE",
    "MAX_GENERATION",
    "REGISTRY",
    "STAGE_INPUTS",
    "ArticleContent",
    "DateMention",
    "DeadLetter",
    "DecodeError",
    "Duplicates",
    "Embedding",
    "EnrichedArticle",
    "Entity",
    "Event",
    "FeedItem",
    "FeedSchedule",
    "FetchMemory",
    "FetchRequest",
    "FieldSource",
    "HostBackoff",
    "HttpInfo",
    "IdentityError",
    "Image",
    "Keyphrase",
    "Language",
    "Mention",
    "MoneyMention",
    "OriginalMessage",
    "PageValidators",
    "Paragraph",
    "ParsedArticle",
    "Provenance",
    "Quote",
    "RawDocument",
    "Registry",
    "Sentiment",
    "SourceInfo",
    "SourcePosition",
    "SourceTime",
    "Stage",
    "TopicSpec",
    "UtcDatetime",
    "article_id_for_text",
    "article_id_for_url",
    "dead_letter_topic",
    "decode",
    "encode",
    "header_dict",
    "headers_for",
    "mint_article_id",
    "normalise_title",
    "now_utc",
    "original_message",
    "revision_at",
    "topic_name",
]
