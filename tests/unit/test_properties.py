"""Property tests: for any input, each stage's entry point returns or raises only its documented error.

    decode(any bytes, any headers)   -> an event, or DecodeError
    parse(any raw document)          -> ParsedArticle or Rejected, or UnparseableError (poison)
    analyse + enrich(any article)    -> EnrichedArticle

`make test` runs a bounded number of examples (profile "ci"); `make fuzz` runs the same properties for longer
(profile "fuzz", HYPOTHESIS_PROFILE). No deadlines: these machines are noisy, and speed is not what is tested.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsflow.enrich.duplicates import MemoryBandStore
from newsflow.enrich.stage import Tools, analyse, enrich
from newsflow.parse.stage import HTML_TYPES, TEXT_TYPES, Rejected, UnparseableError, parse
from newsflow_schemas import (
    REGISTRY,
    DecodeError,
    EnrichedArticle,
    Event,
    Paragraph,
    ParsedArticle,
    RawDocument,
    SourceInfo,
    decode,
)
from tests.unit.parse.conftest import NOW
from tests.unit.schemas.conftest import EXAMPLES

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                          derandomize=True)
settings.register_profile("fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytestmark = pytest.mark.property

SCHEMAS = sorted(REGISTRY.models)
header_names = st.sampled_from(["schema", "schema-version", "content-type", "x"])
header_values = st.one_of(st.sampled_from([s.encode() for s in SCHEMAS] + [b"1.0", b"9.0", b"1", b"x.y", b""]),
                          st.binary(max_size=20))
headers = st.lists(st.tuples(header_names, st.one_of(st.none(), header_values)), max_size=4)
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
                           lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                           max_leaves=20)


def _example_payloads() -> list[bytes]:
    return [path.read_bytes() for path in EXAMPLES]


@st.composite
def mutated_examples(draw) -> bytes:
    """A real event with bytes flipped, cut or inserted: near misses reach deeper than random bytes."""
    value = bytearray(draw(st.sampled_from(_example_payloads())))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(value) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and value:
            value[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del value[at:at + draw(st.integers(1, 50))]
        else:
            value[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(value)


payloads = st.one_of(st.binary(max_size=2000), json_values.map(lambda v: json.dumps(v).encode()),
                     mutated_examples(), st.integers(1, 6000).map(lambda n: b"[" * n + b"]" * n),
                     st.integers(1, 3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n))


@given(value=st.one_of(st.none(), payloads), headers=headers)
@example(value=b"[" * 5000 + b"]" * 5000,
         headers=[("schema", b"newsflow.article.enriched"), ("schema-version", b"1.0")])
def test_decode_returns_an_event_or_raises_decode_error(value, headers):
    try:
        event = decode(value, headers)
    except DecodeError:
        return
    assert isinstance(event, Event)


FRAGMENTS = ["<html>", "<head>", "</head>", "<body>", "</body>", "<h1>", "</h1>", "<p>", "</p>", "<br>", "<article>",
             "</article>", "<script>", "</script>", "<title>", "</title>", '<meta charset="utf-8">',
             '<meta charset="bogus">', '<link rel="canonical" href="javascript:x">',
             '<link rel="canonical" href="http://[::1">', '<meta property="og:image" content="http://[::1">',
             '<script type="application/ld+json">{"@type":"NewsArticle","headline":"H","datePublished":"x"}</script>',
             "<time datetime='2024-03-12'>", "</time>", "<table><tr><td>", "</td></tr></table>", "<!--", "-->",
             "<![CDATA[", "]]>", "&amp;", "&#0;", "&#x110000;", "<ruby>x<rt>y</rt></ruby>", "<a href='//x'>", "</a>"]
texts = st.text(st.characters(codec="utf-8"), max_size=200)
html_pages = st.lists(st.one_of(st.sampled_from(FRAGMENTS), texts), max_size=40).map("".join)
urls = st.one_of(st.none(), st.just("https://news.example.org/a"),
                 st.sampled_from(["javascript:alert(1)", "mailto:a@b.c", "//x", "http://[::1", "http://", "ftp://x/y",
                                  "https://exa mple.org/%zz", "http://127.0.0.1:99999/"]),
                 st.text(max_size=30))


@st.composite
def raw_documents(draw) -> RawDocument:
    content_type = draw(st.sampled_from([*sorted(HTML_TYPES | TEXT_TYPES), "application/pdf", "image/png", ""]))
    page = draw(st.one_of(html_pages, texts))
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1251", "shift_jis"]))
    body = draw(st.one_of(st.just(page.encode(encoding, "ignore")), st.binary(max_size=500)))
    as_text = draw(st.booleans())
    if as_text:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            as_text = False
    return RawDocument(
        article_id="0" * 64, revision=1, ingested_at=NOW, url=draw(urls), source=SourceInfo(name="x", kind="page"),
        fetched_at=NOW, content_type=content_type,
        charset=draw(st.one_of(st.none(), st.sampled_from(["utf-8", "latin-1", "bogus", "utf-16", ""]))),
        body_encoding="text" if as_text else "base64", body=text if as_text else base64.b64encode(body).decode(),
        body_bytes=len(body), body_sha256=draw(st.sampled_from([hashlib.sha256(body).hexdigest(), "0" * 64])))


@given(raw=raw_documents())
@example(raw=RawDocument(article_id="0" * 64, revision=1, ingested_at=NOW, url="https://news.example.org/a",
                         source=SourceInfo(name="x", kind="page"), fetched_at=NOW, content_type="text/html",
                         body_encoding="text", body="<p>x</p><script></script>\x02 text</script>", body_bytes=44,
                         body_sha256=hashlib.sha256(b"<p>x</p><script></script>\x02 text</script>").hexdigest()))
def test_parse_returns_an_article_or_a_verdict_or_raises_the_poison_error(raw):
    try:
        result = parse(raw, NOW)
    except UnparseableError:
        return
    assert isinstance(result, ParsedArticle | Rejected)


@pytest.fixture(scope="module")
def tools() -> Tools:
    return Tools.load(("en",))


PARSED: ParsedArticle = decode(next(p for p in EXAMPLES if "parsed" in str(p)).read_bytes())
words = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)


@settings(max_examples=40 if os.environ.get("HYPOTHESIS_PROFILE") != "fuzz" else 1000)
@given(title=st.one_of(words.filter(str.strip), st.just("T" * 100_000), st.just("word " * 50 + "x" * 100_000)),
       body=st.lists(words.filter(str.strip), min_size=1, max_size=6))  # a parsed article has a body
def test_enrich_returns_for_any_article(tools, title, body):
    article = PARSED.model_copy(update={"title": title, "summary": None,
                                        "body": [Paragraph(text=text) for text in body]})
    analysis = analyse(article, tools)
    enriched = asyncio.run(enrich(article, analysis, MemoryBandStore(), NOW))
    assert isinstance(enriched, EnrichedArticle)
