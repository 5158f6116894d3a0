"""Encodings in the order header/BOM/meta/detection, and bad input that must never crash or yield garbage."""

from __future__ import annotations

import base64
import codecs

import pytest

from newsflow.parse.decoding import UndecodableError, decode_body
from newsflow.parse.stage import Rejected, UnparseableError, parse
from newsflow_schemas import ParsedArticle
from tests.unit.parse.conftest import NOW, PAGES, raw_html

RUSSIAN = ("Правительство объявило о новом плане строительства дорог и мостов в северных регионах страны. "
           "Работы начнутся весной и продлятся до конца следующего года, сообщили в министерстве. ") * 3


def _page(body: str, meta: str = "") -> str:
    return (f"<html><head>{meta}<title>Новости</title></head><body><article><h1>Новости</h1>"
            f"<p>{body}</p><p>{body}</p></article></body></html>")


def test_http_header_charset_is_used():
    decoded = decode_body(_page(RUSSIAN).encode("cp1251"), declared="windows-1251")
    assert decoded.method == "header" and "Правительство" in decoded.text


def test_byte_order_mark_wins():
    decoded = decode_body(codecs.BOM_UTF8 + _page(RUSSIAN).encode(), declared="iso-8859-1")
    assert decoded.method == "bom" and "Правительство" in decoded.text


def test_meta_charset_is_used_without_a_header():
    page = _page(RUSSIAN, '<meta charset="koi8-r">').encode("koi8-r")
    decoded = decode_body(page)
    assert decoded.method == "meta" and "Правительство" in decoded.text


def test_undeclared_legacy_charset_is_detected():
    decoded = decode_body(_page(RUSSIAN).encode("cp1251"))
    assert decoded.method == "detected" and "Правительство" in decoded.text


def test_utf8_mislabelled_as_latin1_is_read_as_utf8():
    page = _page("Grüße aus Köln – „Straßenbahn“ fährt wieder", '<meta charset="iso-8859-1">').encode()
    decoded = decode_body(page)
    assert decoded.encoding == "utf-8" and "Straßenbahn" in decoded.text


@pytest.mark.parametrize(("body", "what"), [
    (b"", "empty"), (b"   \n ", "empty"), (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"), (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
    (bytes(range(256)) * 4, "NUL"),
])
def test_binary_and_empty_bodies_are_refused_with_what_they_are(body, what):
    with pytest.raises(UndecodableError, match=what):
        decode_body(body)
    with pytest.raises(UnparseableError, match=what):
        parse(raw_html(body), NOW)


def test_over_the_limit_body_is_refused_before_decoding():
    page = (PAGES / "article-jsonld.html").read_bytes()
    with pytest.raises(UnparseableError, match="over the limit"):
        parse(raw_html(page), NOW, max_body_bytes=len(page) - 1)


def test_truncated_or_corrupted_body_is_refused():
    raw = raw_html((PAGES / "article-jsonld.html").read_bytes())
    truncated = base64.b64decode(raw.body)[:-500]
    corrupted = raw.model_copy(update={"body": base64.b64encode(truncated).decode()})
    with pytest.raises(UnparseableError, match="sha256"):
        parse(corrupted, NOW)
    with pytest.raises(UnparseableError, match="base64"):
        parse(raw.model_copy(update={"body": "not base64 at all!"}), NOW)


def test_unsupported_content_type_is_refused():
    with pytest.raises(UnparseableError, match="content type"):
        parse(raw_html(b"{}", content_type="application/json"), NOW)


def test_pages_in_other_scripts_parse_to_clean_text():
    page = _page(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251")
    article = parse(raw_html(page), NOW)
    assert isinstance(article, ParsedArticle)
    assert "Правительство" in article.full_text() and "\ufffd" not in article.full_text()


GERMAN = "Die Straßen in München sind am Wochenende voll, berichtet die Stadtverwaltung über die Feiertage. " * 6


def _german(charset_meta: str = '<meta charset="utf-8">') -> str:
    return (f"<html><head>{charset_meta}<title>Straßen in München</title></head><body><article>"
            f"<h1>Straßen in München</h1><p>{GERMAN}</p><p>{GERMAN}</p></article></body></html>")


def test_a_utf8_page_with_one_stray_byte_is_read_as_utf8_with_only_that_byte_replaced():
    page = _german().encode().replace(b"voll,", b"voll\xff,", 1)
    decoded = decode_body(page)
    assert decoded.encoding == "utf-8" and decoded.method == "meta (1 invalid byte sequence replaced)"
    assert "Straßen in München" in decoded.text and decoded.text.count("\ufffd") == 1
    article = parse(raw_html(page), NOW)
    assert isinstance(article, ParsedArticle) and article.title == "Straßen in München"
    assert article.field_sources["encoding"].method == "meta (1 invalid byte sequence replaced)"


def test_a_latin1_page_mislabelled_utf8_is_still_detected_not_riddled_with_replacements():
    decoded = decode_body(_german().encode("latin-1"))
    assert "Straßen in München" in decoded.text and "\ufffd" not in decoded.text and decoded.method == "detected"


def test_control_characters_no_page_may_hold_are_dropped_not_an_error():
    page = b"<html><body><h1>Headline of the story</h1><p>" + b"Some text here. " * 30 + b"</p>" \
           b"<script></script>\x02 text</script>\x1f\x0b</body></html>"
    article = parse(raw_html(page), NOW)
    assert isinstance(article, ParsedArticle) and article.title == "Headline of the story"
    tiny = parse(raw_html(b"<p>x</p><script></script>\x02 text</script>"), NOW)  # a short text is still a text
    assert isinstance(tiny, ParsedArticle) and "\x02" not in tiny.full_text()
    assert isinstance(parse(raw_html(b"<script></script>\x02</script>"), NOW), Rejected)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "mailto:desk@example.org", "//x", "http://[::1",
                                 "ftp://example.org/a", "https://"])
def test_a_raw_document_whose_url_is_not_http_is_poison_with_the_reason(url):
    raw = raw_html(b"<html><body><h1>Title</h1><p>" + b"word " * 100 + b"</p></body></html>")
    with pytest.raises(UnparseableError, match="is not an absolute http"):
        parse(raw.model_copy(update={"url": url}), NOW)


@pytest.mark.parametrize("canonical", ["javascript:alert(1)", "http://[::1", "mailto:desk@example.org"])
def test_a_canonical_link_that_is_not_http_is_ignored(canonical):
    page = (f'<html><head><link rel="canonical" href="{canonical}"></head><body><h1>A title of the story</h1>'
            f"<p>{'Some words of the story. ' * 30}</p></body></html>").encode()
    article = parse(raw_html(page), NOW)
    assert isinstance(article, ParsedArticle) and article.url == "https://news.example.org/city/story"
