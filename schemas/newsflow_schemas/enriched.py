"""The enriched article: a parsed article plus language, entities, quotes, keyphrases, amounts, sentiment,
duplicate cluster and embedding, each with its provenance. Character offsets point into
`full_text()` (title, summary and body blocks joined by blank lines)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from newsflow_schemas.articles import ArticleContent
from newsflow_schemas.base import Model, UtcDatetime
from newsflow_schemas.parts import Provenance


class Language(Model):
    code: str = Field(description="ISO 639-1, lowercase; macro-languages normalised (nb, nn -> no); 'und' if unknown")
    confidence: float = Field(ge=0, le=1, description="the detector's confidence")


class Mention(Model):
    text: str = Field(description="the text as it appears")
    start: int = Field(ge=0, description="character offset in full_text()")
    end: int = Field(ge=0, description="end offset (exclusive)")


class Entity(Model):
    name: str = Field(description="canonical name within this article ('Jens Stoltenberg' for 'Stoltenberg')")
    label: Literal["person", "organization", "location", "other"] = Field(description="entity type")
    mentions: list[Mention] = Field(description="every mention, including variants folded into this entity")
    count: int = Field(ge=1, description="number of mentions")
    salience: float = Field(ge=0, le=1, description="importance in the article (position and frequency)")
    sentiment: float | None = Field(None, ge=-1, le=1, description="sentiment of sentences mentioning it, or null")


class Quote(Model):
    text: str = Field(description="the quotation, without quote marks")
    speaker: str | None = Field(None, description="the speaker as attributed in the text ('he' resolved)")
    speaker_entity: str | None = Field(None, description="canonical name of the speaker's entity, if linked")
    start: int = Field(ge=0, description="offset of the quotation in full_text()")
    end: int = Field(ge=0, description="end offset (exclusive)")


class Keyphrase(Model):
    text: str
    score: float = Field(ge=0, le=1, description="relevance, 1 = most relevant")


class MoneyMention(Model):
    text: str = Field(description="as written, e.g. '$278 billion'")
    amount: float = Field(description="the normalised amount, e.g. 278000000000")
    currency: str | None = Field(None, description="ISO 4217 code, e.g. USD, or null if unknown")
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class DateMention(Model):
    text: str = Field(description="as written, e.g. 'February 2022'")
    value: str = Field(description="ISO 8601 at the precision given: '2022-02', '2024-03-12', '2022'")
    precision: Literal["year", "month", "day"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Sentiment(Model):
    score: float = Field(ge=-1, le=1, description="-1 negative .. +1 positive")
    label: Literal["negative", "neutral", "positive"]


class Duplicates(Model):
    content_sha256: str = Field(description="exact-duplicate fingerprint (same as the parsed article's)")
    cluster_id: str = Field(description="article id of the earliest article of its near-duplicate cluster "
                                        "(its own id when it is the first)")
    duplicate_of: str | None = Field(None, description="article id of the earliest near-duplicate, or null")
    similarity: float | None = Field(None, ge=0, le=1, description="estimated Jaccard similarity to duplicate_of")


class Embedding(Model):
    model: str = Field(description="model name, e.g. sentence-transformers/all-MiniLM-L6-v2")
    dim: int = Field(gt=0)
    vector: list[float] = Field(description="the sentence embedding, L2-normalised")


class EnrichedArticle(ArticleContent):
    """A parsed article with everything the enrich stage adds."""

    SCHEMA = "newsflow.article.enriched"
    VERSION = "1.1"  # 1.1: generation, description

    enriched_at: UtcDatetime = Field(description="when the enrich stage produced this event")
    language: Language = Field(description="detected language of title and body")
    entities: list[Entity] = Field(default_factory=list, description="named entities, most salient first")
    quotes: list[Quote] = Field(default_factory=list, description="direct quotations with speakers")
    keyphrases: list[Keyphrase] = Field(default_factory=list, description="keyphrases, most relevant first")
    money: list[MoneyMention] = Field(default_factory=list, description="amounts of money mentioned")
    dates_mentioned: list[DateMention] = Field(default_factory=list, description="dates mentioned in the text")
    sentiment: Sentiment | None = Field(None, description="document sentiment; null where unsupported")
    duplicates: Duplicates | None = Field(None, description="exact and near-duplicate cluster")
    embedding: Embedding | None = Field(None, description="sentence embedding; null if off or unsupported")
    enrichments: dict[str, Provenance] = Field(
        default_factory=dict, description="per enricher (language, entities, quotes, keyphrases, amounts, "
                                          "sentiment, duplicates, embedding): method, model, version, status")
