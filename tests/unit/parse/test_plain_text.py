"""Plain text pushed by feeds: the seed article must come out exactly right, and the rules must generalise."""

from __future__ import annotations

from datetime import UTC, datetime

from newsflow.parse.stage import Rejected, parse
from newsflow_schemas import ParsedArticle, decode, encode
from tests.unit.parse.conftest import NOW, raw_text


def test_seed_article_is_parsed_exactly(seed_text):
    article = parse(raw_text(seed_text), NOW)
    assert isinstance(article, ParsedArticle)
    assert article.section == "NATO–Russia relations"
    assert article.title == "NATO chief refutes Macron comment"
    assert article.authors == ["Editors Desk"]
    assert article.site_name == "RT" and article.publisher == "RT"
    assert article.published is not None
    assert article.published.utc == datetime(2024, 3, 12, 6, 39, tzinfo=UTC)
    assert article.published.tz_known is False and article.published.precision == "datetime"
    assert article.published.original == "March 12, 2024 at 06:39"
    assert article.image is not None and article.image.credit == "Getty Images / Omar Havana"
    assert article.summary == "The French president previously implied that the bloc could send troops to Ukraine"
    assert len(article.body) == 8
    assert all(p.kind == "paragraph" for p in article.body)
    assert article.body[0].text.startswith("NATO is not planning to deploy troops to Ukraine")
    assert article.body[-1].text.endswith("prolonging the hostilities.")
    text = article.full_text()
    for junk in ("Keywords", "Click here", "Timeout", "©"):
        assert junk not in text


def test_seed_article_survives_the_codec(seed_text):
    article = parse(raw_text(seed_text), NOW)
    assert decode(*encode(article)) == article


def test_by_line_without_section_and_other_junk():
    text = """Storm closes coastal road

By Jane Doe and Ahmed Khan
2024-05-03 17:45 CEST

A storm closed the coastal road on Friday morning after waves washed gravel and debris onto the carriageway.

Police said the road would stay closed until engineers had checked the sea wall, probably until Sunday evening.

Residents were asked to avoid the seafront and to keep away from the harbour walls while the warning is in force.

Share this article
Subscribe to our newsletter
"""
    article = parse(raw_text(text, source="example"), NOW)
    assert isinstance(article, ParsedArticle)
    assert (article.section, article.title) == (None, "Storm closes coastal road")
    assert article.authors == ["Jane Doe", "Ahmed Khan"]
    assert article.published is not None and article.published.tz_known
    assert article.published.utc == datetime(2024, 5, 3, 15, 45, tzinfo=UTC)
    assert len(article.body) == 3 and "newsletter" not in article.full_text()


def test_sub_headings_are_marked():
    paragraph = "The council met on Tuesday and agreed a budget that raises spending on roads and schools."
    text = f"Council agrees budget\n\n{paragraph}\n\nWhat happens next\n\n{paragraph}\n\n{paragraph}\n"
    article = parse(raw_text(text, source="example"), NOW)
    assert isinstance(article, ParsedArticle)
    assert [p.kind for p in article.body] == ["paragraph", "heading", "paragraph", "paragraph"]


def test_text_without_article_body_is_rejected():
    result = parse(raw_text("Just a headline\n\nand a line\n", source="example"), NOW)
    assert isinstance(result, Rejected) and "no article text" in result.reason
