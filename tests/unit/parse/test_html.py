"""HTML pages: the field cascade, where each field came from, and what is not an article."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from newsflow.parse.stage import Rejected, parse
from newsflow_schemas import ParsedArticle, article_id_for_url
from tests.unit.parse.conftest import NOW, PAGES, raw_html

CANONICAL = "https://news.example.org/city/2024/05/harbour-bridge-reopens"


def _article() -> ParsedArticle:
    page = (PAGES / "article-jsonld.html").read_bytes()
    result = parse(raw_html(page, url=CANONICAL + "?utm_source=feed"), NOW)
    assert isinstance(result, ParsedArticle), result
    return result


def test_metadata_comes_from_json_ld_and_open_graph():
    article = _article()
    assert article.title == "Harbour bridge reopens after repairs"
    assert article.authors == ["Jane Doe", "Ahmed Khan"]
    assert article.published is not None and article.published.tz_known
    assert article.published.utc == datetime(2024, 5, 3, 15, 45, tzinfo=UTC)
    assert article.published.utc_offset_minutes == 120 and article.published.precision == "datetime"
    assert article.modified is not None and article.modified.utc == datetime(2024, 5, 4, 6, 0, tzinfo=UTC)
    assert (article.section, article.tags) == ("City", ["transport", "infrastructure"])
    assert (article.site_name, article.publisher) == ("The Example Gazette", "Example Gazette Ltd")
    assert article.language_hint == "en"
    assert article.image is not None
    assert article.image.url == "https://news.example.org/img/bridge.jpg"
    assert (article.image.caption, article.image.credit) == ("The bridge at dawn", "Example Photo Agency")


def test_every_field_records_its_source_and_the_extractor_versions():
    article = _article()
    assert article.field_sources["title"].method == "json-ld"
    assert article.field_sources["published"].method == "json-ld"
    assert article.field_sources["authors"].method == "json-ld"
    assert article.field_sources["summary"].method == "opengraph"
    assert article.field_sources["body"].method == "trafilatura"
    assert {"newsflow", "trafilatura", "htmldate"} <= set(article.extractors)


def test_the_canonical_url_on_the_same_site_becomes_the_url_and_the_id_stays_the_one_minted_at_entry():
    article = _article()  # fetched as CANONICAL?utm_source=feed: the raw document's id is that URL's
    assert article.url == CANONICAL
    assert article.article_id == article_id_for_url(CANONICAL + "?utm_source=feed")  # the key stays the raw key


def test_a_canonical_url_on_another_site_is_not_trusted():
    page = (PAGES / "article-jsonld.html").read_bytes()
    result = parse(raw_html(page, url="https://mirror.example.net/copy"), NOW)
    assert isinstance(result, ParsedArticle) and result.url == "https://mirror.example.net/copy"


def test_body_keeps_order_marks_subheadings_and_drops_boilerplate_and_the_lede():
    article = _article()
    assert article.summary == ("Engineers finished the repairs two weeks ahead of schedule, the city council said "
                               "on Friday.")
    assert [p.kind for p in article.body] == ["paragraph", "paragraph", "heading", "paragraph", "paragraph"]
    assert article.body[0].text.startswith("The harbour bridge, which carries")
    assert article.body[2].text == "What changed"
    text = article.full_text()
    assert "All rights reserved" not in text and "Privacy" not in text and "Sport" not in text
    blocks = [article.summary, *(p.text for p in article.body)]
    assert article.word_count == sum(len(re.findall(r"\w+", b)) for b in blocks)  # words are \w+ runs


def test_listing_error_and_paywall_pages_are_rejected_with_a_reason():
    reasons = {}
    for name in ("listing", "not-found", "paywall"):
        result = parse(raw_html((PAGES / f"{name}.html").read_bytes()), NOW)
        assert isinstance(result, Rejected), name
        reasons[name] = result.reason
    assert "no article text" in reasons["listing"]
    assert "error page" in reasons["not-found"]
    assert "paywall" in reasons["paywall"]


@pytest.mark.parametrize(("metadata_title", "sharing_title", "expected"), [
    # trailing labels the visible <h1> lacks go
    ("Harbour bridge reopens after repairs | City | 03.05.2024", None, "Harbour bridge reopens after repairs"),
    ("Harbour bridge reopens after repairs - Local news", None, "Harbour bridge reopens after repairs"),
    # a leading kicker goes when og:title is the headline without it, and stays otherwise
    ("Transport: Harbour bridge reopens after repairs", None, "Harbour bridge reopens after repairs"),
    ("Transport: Harbour bridge reopens after repairs", "Transport: Harbour bridge reopens after repairs",
     "Transport: Harbour bridge reopens after repairs"),
])
def test_labels_and_kickers_around_the_headline(metadata_title: str, sharing_title: str | None, expected: str):
    page = (PAGES / "article-jsonld.html").read_text()
    page = page.replace('"headline": "Harbour bridge reopens after repairs"', f'"headline": "{metadata_title}"')
    if sharing_title:
        page = page.replace('og:title" content="Harbour bridge reopens after repairs"',
                            f'og:title" content="{sharing_title}"')
    assert metadata_title in page and "<h1>Harbour bridge reopens after repairs</h1>" in page
    result = parse(raw_html(page.encode(), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.title == expected


def test_the_next_story_appended_by_infinite_scroll_is_left_out():
    story = " ".join(["The council approved part {n} of the harbour plan on Monday."] * 8)
    other = " ".join(["A striker scored goal number {n} in the derby at the weekend."] * 8)
    paragraphs = "".join(f"<p>{story.format(n=n)}</p>" for n in range(4))
    next_story = "".join(f"<p>{other.format(n=n)}</p>" for n in range(10))  # longer: trafilatura keeps both
    page = f"""<html lang="en"><head><title>Harbour plan approved</title></head><body><main>
      <article><h1>Harbour plan approved</h1>{paragraphs}</article>
      <article><h1>Derby ends in a draw</h1>{next_story}</article>
    </main></body></html>"""
    result = parse(raw_html(page.encode(), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.title == "Harbour plan approved"
    text = result.full_text()
    assert text.count("harbour plan on Monday") == 4 * 8 and "striker" not in text


def _story_page(head: str = "", before: str = "", after: str = "", byline: str = "") -> bytes:
    sentence = "The council approved part {n} of the harbour plan on Monday after a long debate."
    paragraphs = "".join(f"<p>{' '.join([sentence.format(n=n)] * 4)}</p>" for n in range(5))
    return f"""<html lang="en"><head><title>Harbour plan approved</title>{head}</head><body>
      <article><h1>Harbour plan approved</h1>{byline}{before}{paragraphs}{after}</article></body></html>""".encode()


# the site names itself as the author, in JSON-LD and in the author meta tag
ORGANISATION_AUTHOR = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour plan '
                       'approved", "author": {"@type": "Organization", "name": "Example Gazette"}}</script>'
                       '<meta property="og:site_name" content="Example Gazette">'
                       '<meta name="author" content="Example Gazette">')


@pytest.mark.parametrize(("where", "byline"), [("before", "<p><strong>Jane Doe/Ahmed Khan</strong></p>"),
                                              ("after", "<p><b>JANE DOE</b></p>")])
def test_a_bold_name_paragraph_is_the_byline_when_the_metadata_names_no_person(where: str, byline: str):
    page = _story_page(head=ORGANISATION_AUTHOR, **{where: byline})
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    assert result.authors == (["Jane Doe", "Ahmed Khan"] if where == "before" else ["JANE DOE"])
    assert result.field_sources["authors"].detail == "bold byline paragraph"
    assert not any(name in result.full_text() for name in ("Jane Doe", "JANE DOE"))


def test_bold_lines_that_are_not_a_byline_stay_in_the_body():
    subheading = "<p><strong>Flawed Approach</strong></p>"  # title case, but in the middle of the story
    sentence = "<p>" + "The harbour plan was debated for a long time by everyone involved in it. " * 3 + "</p>"
    page = _story_page(head=ORGANISATION_AUTHOR, after=sentence * 2 + subheading + sentence * 4)
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and "Flawed Approach" in result.full_text()
    assert result.authors == ["Example Gazette"] and result.field_sources["authors"].detail == "organisation"


@pytest.mark.parametrize("byline", ['<span class="article__author">Von Jane Doe, Berlin</span>',
                                    '<p class="meta">Text: <a href="/autoren/name/jane-doe">Jane Doe</a></p>',
                                    '<li><span class="person-link"><a href="/jane-doe">Jane Doe</a></span></li>'])
def test_the_laid_out_byline_names_the_author_when_the_metadata_names_only_the_site(byline: str):
    page = _story_page(head=ORGANISATION_AUTHOR, byline=byline)
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.authors == ["Jane Doe"]
    assert result.field_sources["authors"].method == "html"


def test_one_word_layout_bylines_are_not_taken_for_people():
    page = _story_page(head=ORGANISATION_AUTHOR, byline='<span class="author">Folgen</span>')
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.authors == ["Example Gazette"]


def test_headings_of_the_boxes_after_the_story_are_left_out():
    boxes = "<p>Weiterführende Links</p><p>Beiträge aus dem Forum</p><p>関連キーワード</p>"
    page = _story_page(after="<p>Sources: the council.</p>" + boxes)
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.body[-1].text == "Sources: the council."


def test_repeated_placeholders_go_and_repeated_sentences_stay_every_copy():
    placeholder = "<p>External content not available</p>"
    step = "<p>Stir the sauce for two minutes.</p>"
    page = _story_page(before=placeholder + step, after=placeholder + step + "<p>The end of the story.</p>")
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    texts = [block.text for block in result.body]
    assert "External content not available" not in texts
    assert texts.count("Stir the sauce for two minutes.") == 2  # a step the recipe repeats is its text


def test_a_metered_page_is_continued_from_its_json_ld_article_body():
    shown = [f"Part {n} of the harbour story, told at length so that it reads as a real paragraph of text."
             for n in range(1, 4)]
    hidden = [f"Part {n} of the harbour story, which the page only sends to subscribers, in [JSON-LD]"
              f"(https://example.org/ld) with *emphasis*{{: .small}}." for n in range(4, 8)]
    article_body = json.dumps("\n\n".join(["+++dropcap", *shown, *hidden]))
    head = f'<script type="application/ld+json">{{"@type": "NewsArticle", "articleBody": {article_body}}}</script>'
    page = f"""<html lang="en"><head><title>Harbour plan approved</title>{head}</head><body><article>
      <h1>Harbour plan approved</h1>{"".join(f"<p>{text}</p>" for text in shown)}</article></body></html>"""
    result = parse(raw_html(page.encode(), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    assert [block.text for block in result.body] == shown + [
        f"Part {n} of the harbour story, which the page only sends to subscribers, in JSON-LD with emphasis."
        for n in range(4, 8)]
    assert result.field_sources["body"].detail == "continued from JSON-LD articleBody"


def test_an_article_body_that_does_not_continue_the_shown_text_is_not_appended():
    shown = "<p>" + "The harbour plan was debated for a long time by everyone involved in it. " * 3 + "</p>"
    other = json.dumps("Another story entirely.\n\n" + "It goes on about something else for a while. " * 10)
    head = f'<script type="application/ld+json">{{"@type": "NewsArticle", "articleBody": {other}}}</script>'
    result = parse(raw_html(_story_page(head=head, after=shown), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and "something else" not in result.full_text()


def test_a_by_line_names_the_desk_when_nothing_else_names_an_author():
    byline = '<p class="small">By Harbour Desk, in <a href="/news">News</a> · 3 May 2024</p>'
    result = parse(raw_html(_story_page(byline=byline), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.authors == ["Harbour Desk"]
    assert result.field_sources["authors"].detail == "organisation"


@pytest.mark.parametrize("stamp", ["03.05.2024, 15:45 Uhr", "Updated: May 3, 2024 at 3:45 pm GMT",
                                   "2025年1月14日 01時28分 (1月14日 01時40分更新)",
                                   "Uppdaterad 15.59 | Publicerad 14.14"])
def test_date_stamp_lines_are_left_out_of_the_body(stamp: str):
    page = _story_page(before=f"<p>{stamp}</p>", after="<p>On 3 May 2024 the plan was signed.</p>")
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    texts = [block.text for block in result.body]
    assert stamp not in texts and "On 3 May 2024 the plan was signed." in texts


def test_posts_embedded_from_social_networks_are_left_out():
    tweet = ('<blockquote class="twitter-tweet"><p lang="en">Breaking: the harbour plan has been approved by the '
             'council tonight, more soon.</p>— City Desk (@citydesk) <a href="https://x.com/s/1">May 3, 2024</a>'
             '</blockquote>')
    result = parse(raw_html(_story_page(after=tweet), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and "more soon" not in result.full_text()
    assert result.full_text().count("harbour plan on Monday") == 5 * 4


@pytest.mark.parametrize("promo", ["READ MORE | Council backs the harbour plan", "ALSO READ: Bridge reopens today"])
def test_promos_in_capitals_are_left_out_and_a_dateline_stays(promo: str):
    dateline = "NEW YORK: The council approved the harbour plan on Monday after a long debate about it."
    page = _story_page(after=f"<p>{promo}</p><p>{dateline}</p>")
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    texts = [block.text for block in result.body]
    assert promo not in texts and dateline in texts


def test_a_block_repeating_any_version_of_the_headline_is_left_out():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour plan approved"}'
            '</script><meta property="og:title" content="Council backs harbour plan at last">')
    page = _story_page(head=head, before="<h2>Council backs harbour plan at last</h2>")
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.title == "Harbour plan approved"
    assert "Council backs harbour plan at last" not in [block.text for block in result.body]


@pytest.mark.parametrize("byline", ["Von Nina Muster", "By Jane Doe, Berlin", "Par Les Échos"])
def test_a_byline_set_as_a_line_of_the_text_is_left_out(byline: str):
    sentence = "<p>Von den Plänen des Rates war lange die Rede, und am Montag wurden sie beschlossen. " * 2 + "</p>"
    page = _story_page(before=f"<p>{byline}</p>", after=sentence)
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    texts = [block.text for block in result.body]
    assert byline not in texts and any(text.startswith("Von den Plänen") for text in texts)


@pytest.mark.parametrize("notice", ["STR/AFP via Getty Images", "Andrea Verdelli/Getty Images", "Jane Doe / dpa",
                                    "Фото: Дмитрий Азаров", "Los geht's: ab Montag für 49 Euro. Bild: Max Muster",
                                    "Link zum YouTube-Inhalt", "Externer Inhalt nicht verfügbar", "Czytaj więcej",
                                    "La suite est réservée aux abonnés.", "Hat Ihnen dieser Artikel gefallen?",
                                    "With files from The Associated Press", "Fehler gefunden? Jetzt melden.",
                                    "Follow the Gazette on Google News for the latest news.",
                                    "Join our commenting forum", "(dmk)", "SDA/sep", "Editing by Jane Doe",
                                    "This article was first published in The Example Review.",
                                    "In diesem Artikel sind Affiliate-Links enthalten. Durch einen Klick darauf "
                                    "gelangen Sie direkt zum Anbieter. Sollten Sie sich dort für einen Kauf "
                                    "entscheiden, erhalten wir eine kleine Provision.",
                                    "Tu suscripción se está usando en otro dispositivo",
                                    "Durchschnittliche Bewertung: 0,0"])
def test_credits_placeholders_and_notices_in_many_languages_are_left_out(notice: str):
    sentence = "<p>" + "The harbour plan was debated for a long time by everyone involved in it. " * 3 + "</p>"
    page = _story_page(after=sentence + f"<p>{notice}</p>" + sentence * 2)
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and notice not in [block.text for block in result.body]


def test_a_note_on_the_writer_after_the_story_is_left_out():
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour plan approved", '
            '"author": {"@type": "Person", "name": "Jane Doe"}}</script>')
    note = "<p>Correspondent Jane Doe has covered the city council for The Example Gazette since 2015.</p>"
    result = parse(raw_html(_story_page(head=head, after=note), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.authors == ["Jane Doe"]
    assert "covered the city council" not in result.full_text()


@pytest.mark.parametrize("box_class", ["article-factbox", "infobox", "author-bio"])
def test_fact_boxes_and_notes_beside_the_story_are_left_out(box_class: str):
    box = (f'<div class="{box_class}"><h3>Facts about the harbour</h3>'
           "<p>The harbour was built in 1850 and has been rebuilt twice since then, in 1920 and 1975.</p></div>")
    result = parse(raw_html(_story_page(after=box), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and "built in 1850" not in result.full_text()
    assert result.full_text().count("harbour plan on Monday") == 5 * 4


def test_cards_linking_to_other_stories_are_left_out():
    cards = "".join(f'<li><a href="/story/{n}"><div><h3>Harbour {n} on alert</h3><p>OTHER STORY {n}: An official '
                    f'said that a council elsewhere voted on a long plan for its own harbour this week, and that '
                    f'the vote was close.</p></div></a></li>' for n in range(3))
    result = parse(raw_html(_story_page(after=f"<ul>{cards}</ul>"), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and "OTHER STORY" not in result.full_text()


def test_the_message_of_a_button_is_left_out_and_a_gallery_caption_repeating_the_text_is_not():
    placeholder = ("<div><h3>Media unavailable</h3><p>PLACEHOLDER: your settings stop us from showing posts, videos "
                   "and charts from other services here. To see them, change what you allow.</p>"
                   "<button>Change settings</button></div>")
    first_paragraph = " ".join(["The council approved part 0 of the harbour plan on Monday after a long debate."] * 4)
    gallery = (f"<div class='gallery'><button>Full screen</button><figure><img src='/harbour.jpg'>"
               f"<figcaption><span>{first_paragraph}</span></figcaption></figure></div>")
    result = parse(raw_html(_story_page(before=gallery, after=placeholder * 3), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and "PLACEHOLDER" not in result.full_text()
    assert result.full_text().count("harbour plan on Monday") == 5 * 4


def test_the_headline_again_with_a_kicker_above_the_text_is_left_out():
    page = _story_page(before="<h2>Harbour works: Harbour plan approved by the council</h2>").replace(
        b"<title>Harbour plan approved</title>", b"<title>Harbour plan approved by the council</title>").replace(
        b"<h1>Harbour plan approved</h1>", b"<h1>Harbour plan approved by the council</h1>")
    result = parse(raw_html(page, url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.title == "Harbour plan approved by the council"
    assert result.body[0].text.startswith("The council approved part 0")


def test_section_labels_and_landmarks_above_the_text_are_left_out():
    result = parse(raw_html(_story_page(before="<p>World</p><h2>Article content</h2>"), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.body[0].text.startswith("The council approved part 0")


def test_paragraphs_set_as_bare_text_between_blocks_are_read():
    loose = "".join(f"<h2>Part {n}</h2>The council debated part {n} of the harbour plan for a long time, and "
                    f'<a href="/plan">the plan</a> was approved on Monday by a large majority of members.'
                    for n in range(4))
    page = f"""<html lang="en"><head><title>Harbour plan approved</title></head><body><article>
      <h1>Harbour plan approved</h1><div class="text">{loose}</div></article></body></html>"""
    result = parse(raw_html(page.encode(), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    texts = [block.text for block in result.body]
    assert [t for t in texts if t.startswith("The council debated")] == [
        f"The council debated part {n} of the harbour plan for a long time, and the plan was approved on Monday "
        f"by a large majority of members." for n in range(4)]


def test_ruby_readings_are_kept_as_a_plain_rendering_shows_them():
    sentence = ("韓国の<ruby><rb>尹錫悦</rb><rp>（</rp><rt>ユンソンニョル</rt><rp>）</rp></ruby>大統領は３日夜、"
                "緊急談話を出し、野党が国政をまひさせているとして「非常戒厳」を宣言した。")
    page = f"""<html lang="ja"><head><title>非常戒厳を宣言</title></head><body><article><h1>非常戒厳を宣言</h1>
      {"".join(f"<p>{sentence}{n}</p>" for n in range(6))}</article></body></html>"""
    result = parse(raw_html(page.encode(), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle)
    assert result.body[0].text.startswith("韓国の尹錫悦（ユンソンニョル）大統領は")


def test_a_description_the_page_does_not_show_stays_out_of_the_article_text():
    teaser = "Read how the council finally settled the long-running harbour argument this week."
    article = parse(raw_html(_story_page(head=f'<meta name="description" content="{teaser}">')), NOW)
    assert isinstance(article, ParsedArticle)
    assert (article.summary, article.description) == (None, teaser)
    assert article.field_sources["description"].method == "meta"
    assert teaser not in article.full_text()

    shown = parse(raw_html(_story_page(head=f'<meta name="description" content="{teaser}">',
                                       before=f"<p class='lede'>{teaser}</p>")), NOW)
    assert isinstance(shown, ParsedArticle)
    assert (shown.summary, shown.description) == (teaser, None) and "description" not in shown.field_sources


def test_a_short_story_without_a_title_is_kept_and_titled_by_its_text():
    short = parse(raw_html(b"<html><body><div><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>"
                           b"</div></body></html>"), NOW)
    assert isinstance(short, ParsedArticle)
    assert short.title == "Lorem ipsum dolor sit amet, consectetur adipiscing elit."
    assert short.field_sources["title"].detail == "opening words of the text (no title or headline)"
    headed = parse(raw_html(b"<html><body><article><h2>Council meets</h2><p>The council met on Monday and "
                            b"approved the plan for the harbour.</p></article></body></html>"), NOW)
    assert isinstance(headed, ParsedArticle) and headed.title == "Council meets"
    empty = parse(raw_html(b"<html><body><div></div></body></html>"), NOW)
    assert isinstance(empty, Rejected) and "no title, no headline and no text" in empty.reason


def test_a_description_that_is_the_whole_story_is_not_put_before_it_again():
    first = "The council approved the harbour plan on Monday after a long debate about its cost."
    second = "It will be built next year, the mayor said, and finished two years later."
    story = f"{first} {second}"  # the description holds both paragraphs of a short story
    page = (f'<html><head><title>Harbour plan</title><meta name="description" content="{story}"></head><body>'
            f'<article><h1>Harbour plan</h1><p>{first}</p><p>{second}</p></article></body></html>').encode()
    article = parse(raw_html(page), NOW)
    assert isinstance(article, ParsedArticle)
    assert article.full_text().count("approved the harbour plan") == 1
    assert article.description == story and article.summary is None


_PARAGRAPHS = "".join(f"<p>The harbour committee met on day {n} and agreed on the next step of the plan for the "
                      f"old bridge, which the city council will vote on before the summer.</p>" for n in range(4))


def _parsed(body: str, head: str = "<title>Harbour bridge vote set for June</title>") -> ParsedArticle:
    result = parse(raw_html(f"<html><head>{head}</head><body><article>{body}</article></body></html>".encode()), NOW)
    assert isinstance(result, ParsedArticle), result
    return result


def test_the_declared_title_comes_before_a_banner_h1():
    article = _parsed(f"<h1>City Hall News Centre</h1>{_PARAGRAPHS}")
    assert article.title == "Harbour bridge vote set for June"
    assert article.field_sources["title"].detail == "title"


def test_h1_section_headings_that_are_not_the_headline_stay_in_the_text():
    article = _parsed(f"<h1>Harbour bridge vote set for June</h1>{_PARAGRAPHS}<h1>What the plan costs</h1>"
                      f"{_PARAGRAPHS}")
    headings = [block.text for block in article.body if block.kind == "heading"]
    assert headings == ["What the plan costs"]  # the headline itself is not repeated in the text


def test_a_table_of_figures_is_kept_and_not_taken_for_date_stamps():
    rows = "".join(f"<tr><td><div><p>{mb} MB</p></div></td><td><div><p>{mb / 5:.1f} MB (-{n}%)</p></div></td></tr>"
                   for n, mb in ((81, 71.1), (89, 32.7), (46, 17.8)))
    article = _parsed(f"{_PARAGRAPHS}<table>{rows}</table>{_PARAGRAPHS}")
    text = " ".join(block.text for block in article.body)
    assert "14.2 MB (-81%)" in text and "3.6 MB (-46%)" in text


def test_text_inside_an_anchor_that_leads_nowhere_is_the_pages_own():
    result = parse(raw_html(b"<html><head><title>Replace javascript: links</title></head><body>"
                            b"<a href='javascript:'><p>abc</p><p>def</p> ghi</a></body></html>"), NOW)
    assert isinstance(result, ParsedArticle), result
    assert [block.text for block in result.body] == ["abc", "def", "ghi"]


_REFRAIN = "We shall walk the bridge again, over the water, in the morning light, and sing of the old harbour."


@pytest.mark.parametrize("block", ["p", "div"])
def test_a_paragraph_the_story_repeats_is_kept_as_often_as_the_page_shows_it(block: str):
    refrain = f"<{block}>{_REFRAIN}</{block}>"
    article = _parsed(f"{_PARAGRAPHS}{refrain}{refrain}<aside class='share'><a href='/s'>Share</a></aside>{refrain}")
    assert [block.text for block in article.body].count(_REFRAIN) == 3  # trafilatura keeps one of the run


def test_a_teaser_copy_of_a_paragraph_elsewhere_on_the_page_does_not_double_it():
    page = (f"<html><head><title>Harbour bridge vote set for June</title></head><body><article>{_PARAGRAPHS}"
            f"<p>{_REFRAIN}</p></article><div class='teasers'><p>{_REFRAIN}</p></div></body></html>")
    result = parse(raw_html(page.encode()), NOW)
    assert isinstance(result, ParsedArticle), result
    assert [block.text for block in result.body].count(_REFRAIN) == 1


@pytest.mark.parametrize(("href", "kept"), [("https://games.example.com/rez-infinite", True),
                                            ("https://www.example.org/city/rez-infinite", False),
                                            ("/city/rez-infinite", False)])
def test_a_heading_linking_to_another_site_names_its_section_and_one_linking_within_the_site_is_a_teaser(
        href: str, kept: bool):
    article = _parsed(f"{_PARAGRAPHS}<h3><a href='{href}'>Rez Infinite ($30)</a></h3>{_PARAGRAPHS}")
    assert ("Rez Infinite ($30)" in [block.text for block in article.body]) is kept


def test_a_short_post_whose_whole_text_is_its_shown_description_is_kept():
    post = "M: Who slips next on the ice? Me: I bet that you will slip next... ouch. M: I won!"
    article = _parsed(f"<h1>Monster talks #1</h1><p>{post}</p>",
                      head=f"<title>Monster talks #1</title><meta property='og:description' content='{post}'>")
    assert [block.text for block in article.body] == [post] and article.full_text().count("ouch") == 1
    assert (article.summary, article.description) == (None, post)
    assert article.field_sources["body"].detail == "the lede the page shows is all of its text"


def test_a_table_of_contents_and_the_headings_it_repeats_stay():
    headings = ["What the plan costs the city", "When the council votes on it", "Who pays for the new bridge",
                "How long the works will take"]
    contents = "".join(f"<li><a href='#part-{n}'>{heading}</a></li>" for n, heading in enumerate(headings))
    sections = "".join(f"<h2 id='part-{n}'>{heading}</h2>{_PARAGRAPHS}" for n, heading in enumerate(headings))
    texts = [block.text for block in _parsed(f"{_PARAGRAPHS}<ul>{contents}</ul>{sections}").body]
    assert all(texts.count(heading) == 2 for heading in headings)


def test_a_heading_that_is_also_a_link_elsewhere_on_the_page_is_not_a_teaser():
    entry = "Council agrees to reopen the harbour bridge"  # a live blog's entry, also listed in its key points
    article = _parsed(f"<ul><li><a href='/city/live#entry-2'>{entry}</a></li></ul>{_PARAGRAPHS}"
                      f"<h3>{entry}</h3>{_PARAGRAPHS}")
    assert entry in [block.text for block in article.body if block.kind == "heading"]


@pytest.mark.parametrize(("container", "kept"), [("article", True), ("div", False)])
def test_pictures_under_headings_are_kept_when_the_page_says_it_is_an_article(container: str, kept: bool):
    pictures = "".join(f"<h2>Harbour at dawn, day {n}</h2><img src='/photos/{n}.jpg' alt='harbour'>" for n in (1, 2))
    page = f"<html><head><title>The harbour in pictures</title></head><body><{container}>{pictures}</{container}>"
    result = parse(raw_html(f"{page}</body></html>".encode()), NOW)
    if kept:
        assert isinstance(result, ParsedArticle), result
        assert [block.text for block in result.body] == ["Harbour at dawn, day 1", "Harbour at dawn, day 2"]
    else:
        assert isinstance(result, Rejected) and "none beyond its headings" in result.reason


def test_a_teaser_card_goes_with_its_summary_and_writer():
    cards = "".join(f"<div class='card'><h2><span class='sr-only'>Bridge tolls rise in {month}</span> "
                    f"<a href='/city/tolls-{month}'>Bridge tolls rise in {month}</a></h2><p>DEK: The city will "
                    f"charge drivers more to cross the old bridge from {month}, the council said.</p>"
                    f"<p><a href='/authors/jane-doe'>Jane Doe</a></p></div>" for month in ("May", "June"))
    text = _parsed(f"{_PARAGRAPHS}{cards}").full_text()
    assert "DEK" not in text and "Bridge tolls" not in text and text.count("harbour committee met") == 4


def test_sub_headlines_stay_when_one_of_them_links_on():
    subtitles = ("<div class='subtitles'><h2>Four people were rescued from the water by boat crews</h2>"
                 "<h2>The bridge stays closed until the inspectors report</h2>"
                 "<h2><a href='/city/harbour-live'>Live: the latest from the harbour</a></h2></div>")
    texts = [block.text for block in _parsed(f"{subtitles}{_PARAGRAPHS}").body]
    assert "Four people were rescued from the water by boat crews" in texts
    assert "The bridge stays closed until the inspectors report" in texts


def test_a_title_linking_to_its_own_page_is_not_a_teaser():
    post = ("Walking through the old town I saw a basket on a long string hanging from a fourth floor balcony, "
            "with a note asking for a coin for a drawing. Twenty cents well spent.")
    page = (f"<html><head><title>Small joys</title></head><body><div class='post'><h1><a href='{CANONICAL}/' "
            f"rel='bookmark'>Small joys</a></h1><p>{post}</p></div></body></html>")
    result = parse(raw_html(page.encode(), url=CANONICAL), NOW)
    assert isinstance(result, ParsedArticle) and result.full_text().count("Twenty cents well spent") == 1
