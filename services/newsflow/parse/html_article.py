"""HTML to article fields: a cascade over what the page declares (JSON-LD, OpenGraph/meta) and what the text
extractors find (trafilatura for the body, htmldate for dates), each field recording where it came from.

Order of trust, field by field, is the result of measuring on the dev set (`make bench-extract`): structured
metadata is usually right for titles, dates and authors; trafilatura is best for the body. Beside this module:
`prepare` mends the page before trafilatura reads it, `furniture` tells blocks that are not the story's text,
`bylines` reads bylines from the layout, `authors` cleans names.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import htmldate
import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from newsflow.parse.authors import clean_authors, is_site_name, json_ld_byline, names_from_json_ld
from newsflow.parse.bylines import bold_byline, by_line, byline_search, layout_byline, metadata_byline
from newsflow.parse.extracted import ExtractedArticle, NotAnArticle
from newsflow.parse.furniture import (
    PageLinks,
    is_furniture,
    is_link_list,
    is_mostly_links,
    page_links,
    without_furniture,
)
from newsflow.parse.normalise import clean_space, normalised
from newsflow.parse.page_meta import PageMeta, read_page_meta
from newsflow.parse.prepare import prepared_for_extraction
from newsflow.parse.source_time import parse_source_time
from newsflow_schemas import FieldSource, Image, Paragraph, SourceTime

MIN_BODY_CHARS = 200  # less text than this may be a stub, listing or error page: looked at more closely
TITLE_FROM_TEXT_WORDS = 12
AUTHOR_BIO_LAST_BLOCKS = 3
MIN_HEADLINE_WORDS = 4
HEADLINE_SHARED_WORDS = 0.75  # share of the shorter one's words: an <h1> this close to the title is the headline
AUTHOR_BIO_OPENING_WORDS = 6
REPEAT_MIN_CHARS = 50  # trafilatura's MIN_DUPLICATE_LENGTH: shorter repeats it keeps itself
_REPEATABLE_TAGS = ("p", "li", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6", "div")
_HEADINGS_IN_ARTICLE = etree.XPath("//article//*[self::h1 or self::h2 or self::h3 or self::h4]")
_ERROR_TITLE = re.compile(r"\b(404|not found|page not found|seite nicht gefunden|page introuvable|error)\b", re.I)
_VISIBLE_TEXT = etree.XPath(  # parent, not ancestor: those elements hold only text (and it is much faster)
    "//body//text()[not(parent::script or parent::style or parent::noscript)]", smart_strings=False)
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\((?:https?://|/)[^)\s]*\)")
_MARKDOWN_NOISE = re.compile(r"\{:[^}\n]*\}|(?<!\w)\*{1,2}(?=\w)|(?<=[\w.,!?])\*{1,2}(?!\w)")  # {: .small}, *emphasis*
_MARKUP_DIRECTIVE = re.compile(r"^[+#=*\[{<]{2,}\w*\W*$")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—\-·:•»]\s+")
_TRAILING_LABEL_SEPARATORS = re.compile(r"\s+[|–—\-·•»]\s+")
_KICKER_SEPARATORS = re.compile(r":\s+|\s+[|–—\-]\s+")
EXTRACTOR_VERSIONS = {"trafilatura": trafilatura.__version__, "htmldate": htmldate.__version__}

PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "publishdate", "pubdate",
                  "publish-date", "dc.date.issued", "dc.date", "dcterms.created", "date", "sailthru.date",
                  "parsely-pub-date", "cxenseparse:recs:publishtime", "article.published")
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
AUTHOR_META = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")


def extract_html(text: str, url: str | None, now: datetime) -> ExtractedArticle:
    tree = load_html(text)  # parsed once, as trafilatura parses a page (it works on a copy of this tree)
    if tree is None:
        raise NotAnArticle("not parseable as HTML")
    meta = read_page_meta(tree)
    sources: dict[str, FieldSource] = {}
    published = _published(meta, tree, url, now, sources)
    authors = _authors(meta, tree, url, sources)
    modified = _first_time(meta, "dateModified", MODIFIED_META, now, sources, "modified")
    visible = normalised(" ".join(_VISIBLE_TEXT(tree)))
    summary, description = _summary(meta, visible, sources)
    title = _title(meta, sources)
    headlines = _headlines_and_lede(meta, title, summary) if title else set()
    links = page_links(tree, _canonical(meta, url))
    body = _without_other_articles(_body(prepared_for_extraction(tree), url, headlines, links), tree, title)
    body = _without_leading_headline(body, headlines)
    body = _with_page_repeats(body, tree, visible)
    body, authors = _with_bold_byline(body, tree, authors, sources)
    body = without_furniture(body, tree, MIN_BODY_CHARS)
    body = _without_author_bio(body, authors)
    if body:
        sources["body"] = FieldSource(method="trafilatura")
        body = _with_json_ld_continuation(body, meta, sources)
    else:
        body = _json_ld_body(meta, summary, sources) or _lede_as_body(summary, sources)
    summary, description = _lede_not_repeated(summary, description, body, sources)
    title = title or _title_from_body(body, sources)
    _check_is_article(meta, tree, title, summary, body, links)
    return ExtractedArticle(
        title=title, body=body, summary=summary, description=description, published=published, modified=modified,
        authors=authors, section=_section(meta, sources), tags=_tags(meta),
        site_name=meta.first("og:site_name", "application-name") or _publisher(meta),
        publisher=_publisher(meta), image=_image(meta, url), canonical_url=_canonical(meta, url),
        language_hint=_language(meta.lang), sources=sources,
    )


def _title(meta: PageMeta, sources: dict[str, FieldSource]) -> str | None:
    """The first title the page declares (JSON-LD, OpenGraph, Twitter, <title>), else its first <h1>: an <h1>
    is often a section or site banner ('Allergies Health Center', 'Lorem'), while a declared title names the
    document; this order measured best on all three dev sets (voting between them measured worse: SEO titles
    often agree with each other, not with the page). Then a kicker og:title leaves out, and trailing labels the
    visible <h1> lacks, are dropped."""
    headline = meta.ld("headline")
    candidates = (("json-ld", "headline", headline if isinstance(headline, str) else None),
                  ("opengraph", "og:title", meta.first("og:title")),
                  ("meta", "twitter:title", meta.first("twitter:title")),
                  ("html", "title", meta.title_tag),
                  ("html", "h1", meta.h1[0] if meta.h1 else None))
    shared = _strip_site_name(_clean_title(meta.first("og:title")), meta)
    visible = _clean_title(meta.h1[0] if meta.h1 else None)
    for method, detail, value in candidates:
        title = _strip_site_name(_clean_title(value), meta)
        if not title:
            continue
        if shared and _is_kicker_added_to(shared, title):
            method, detail, title = "opengraph", f"og:title ({detail} adds a kicker)", shared
        if _is_label_added_to(visible, title):
            method, detail, title = "html", f"h1 ({detail} adds a trailing label)", visible
        sources["title"] = FieldSource(method=method, detail=detail)
        return title
    return None


def _title_from_body(body: list[Paragraph], sources: dict[str, FieldSource]) -> str:
    """A page without a title or headline is titled by its first heading, else by the opening words of its
    text; with no text either, it is no article."""
    heading = next((block.text for block in body if block.kind == "heading"), None)
    if heading:
        sources["title"] = FieldSource(method="html", detail="first heading of the text (no title or headline)")
        return heading
    if not body:
        raise NotAnArticle("the page has no title, no headline and no text")
    words = body[0].text.split()
    sources["title"] = FieldSource(method="html", detail="opening words of the text (no title or headline)")
    return " ".join(words[:TITLE_FROM_TEXT_WORDS]) + ("…" if len(words) > TITLE_FROM_TEXT_WORDS else "")


def _headlines_and_lede(meta: PageMeta, title: str, summary: str | None) -> set[str]:
    """What a block repeating the headline (in any of the page's versions of it) or the lede looks like. An
    <h1> that does not resemble the title is a heading of the text (pages that set every section heading as an
    <h1>), not the headline: it stays."""
    headline = meta.ld("headline")
    versions = [title, summary, headline if isinstance(headline, str) else None, meta.first("og:title"),
                meta.first("twitter:title")]
    found = {normalised(_clean_title(v)) for v in versions if v} - {""}
    return found | {h1 for h1 in (normalised(_clean_title(v)) for v in meta.h1) if _resembles(h1, found)}


def _resembles(text: str, versions: set[str]) -> bool:
    """Most of the words of `text`, or of one of the versions, are in the other."""
    words = set(text.split())
    for version in versions:
        other = set(version.split())
        if words and other and len(words & other) >= HEADLINE_SHARED_WORDS * min(len(words), len(other)):
            return True
    return False


def _without_leading_headline(blocks: list[Paragraph], headlines: set[str]) -> list[Paragraph]:
    """A heading above the text that contains a version of the headline is the headline again, with a kicker
    ('SVP-Sonderparteitag zur MigrationChiesa ruft ...', 'Spionagedrehscheibe Schweiz : Ein großer ...')."""
    long_versions = [h for h in headlines if len(h.split()) >= MIN_HEADLINE_WORDS]
    start = 0
    while start < len(blocks) and blocks[start].kind == "heading" \
            and any(h in normalised(blocks[start].text) for h in long_versions):
        start += 1
    return blocks[start:]


def _clean_title(value: str | None) -> str:
    return clean_space(html.unescape(value or "").replace("\xad", ""))


def _is_label_added_to(headline: str, title: str) -> bool:
    """'Headline | Sport', 'Headline | DW | 28.04.2023', 'Headline - Site': the metadata title is the visible
    headline with trailing labels (section, site, date) that no site-name check caught."""
    if not headline or normalised(headline) == normalised(title):
        return False
    return any(normalised(title[:separator.start()]) == normalised(headline)
               for separator in _TRAILING_LABEL_SEPARATORS.finditer(title))


def _is_kicker_added_to(headline: str, title: str) -> bool:
    """'Topic: Headline' where the page's sharing title (og:title) is 'Headline': the topic is a kicker, set
    above the headline, not part of it. Without og:title saying so, a leading label is kept: some sites write
    it as part of the headline."""
    if normalised(headline) == normalised(title):
        return False
    return any(normalised(title[separator.end():]) == normalised(headline)
               for separator in _KICKER_SEPARATORS.finditer(title))


def _strip_site_name(title: str | None, meta: PageMeta) -> str | None:
    """'Headline - Site' -> 'Headline' when the tail is the site's name (or the shorter end of a title tag)."""
    if not title:
        return title
    site = normalised(meta.first("og:site_name", "application-name") or "")
    parts = _TITLE_SEPARATORS.split(title)
    tail = normalised(parts[-1]) if len(parts) > 1 else ""
    if site and tail and (tail in site or site in tail):
        return clean_space(title[: title.rfind(parts[-1])]).rstrip(" |–—-·:•»")
    return title


def _published(meta: PageMeta, tree: Any, url: str | None, now: datetime,
               sources: dict[str, FieldSource]) -> SourceTime | None:
    found = _first_time(meta, "datePublished", PUBLISHED_META, now, sources, "published")
    if found is None:
        day = htmldate.find_date(tree, url=url, original_date=True, extensive_search=False,
                                 max_date=now.strftime("%Y-%m-%d"))
        found = parse_source_time(day, now=now)
        if found is not None:
            sources["published"] = FieldSource(method="htmldate")
    return found


def _first_time(meta: PageMeta, ld_key: str, meta_names: tuple[str, ...], now: datetime,
                sources: dict[str, FieldSource], field_name: str) -> SourceTime | None:
    ld_value = meta.ld(ld_key)
    candidates = [("json-ld", ld_key, ld_value if isinstance(ld_value, str) else None)]
    candidates += [("meta", name, value) for name in meta_names for value in meta.all(name)]
    for method, detail, value in candidates:
        parsed = parse_source_time(value, now=now)
        if parsed is not None:
            sources[field_name] = FieldSource(method=method, detail=detail)
            return parsed
    return None


def _authors(meta: PageMeta, tree: Any, url: str | None, sources: dict[str, FieldSource]) -> list[str]:
    """People named as authors by JSON-LD (with the agencies listed beside them), meta tags, trafilatura's
    byline search or the page's laid-out byline, in that order; only when no person is named anywhere, the
    organisation the page names as its author (often the site itself)."""
    site_names = [n for n in (meta.first("og:site_name", "application-name"), _publisher(meta),
                              urlsplit(url or "").hostname) if n]
    meta_authors = [v for v in meta.all(*AUTHOR_META) if not v.startswith("http")]
    search = byline_search()
    people = (("json-ld", lambda: json_ld_byline(meta.ld("author"))),
              ("meta", lambda: meta_authors),
              ("trafilatura", lambda: metadata_byline(tree, search)),
              ("html", lambda: layout_byline(tree, search)))
    for method, raw in people:
        names = [n for n in clean_authors(raw()) if not is_site_name(n, site_names)]
        if names:
            sources["authors"] = FieldSource(method=method)
            return names
    for method, raw in (("json-ld", lambda: names_from_json_ld(meta.ld("author"))), ("meta", lambda: meta_authors),
                        ("html", lambda: by_line(tree))):
        names = clean_authors(raw())
        if names:
            sources["authors"] = FieldSource(method=method, detail="organisation")
            return names
    return []


def _lede_not_repeated(summary: str | None, description: str | None, body: list[Paragraph],
                       sources: dict[str, FieldSource]) -> tuple[str | None, str | None]:
    """The article text never repeats itself: a lede the body already holds (the description is the whole
    story, or its opening paragraphs) is not put before it again; it stays the description."""
    if not summary or normalised(summary) not in normalised(" ".join(block.text for block in body)):
        return summary, description
    sources["description"] = sources.pop("summary")
    return None, summary


def _summary(meta: PageMeta, visible_page: str, sources: dict[str, FieldSource]) -> tuple[str | None, str | None]:
    """(the lede, the description): a description the page declares and also shows is the lede; one it only
    declares (a meta-only teaser) is kept apart as the description, out of the article text."""
    declared = None
    for method, value in (("json-ld", meta.ld("description")), ("opengraph", meta.first("og:description")),
                          ("meta", meta.first("description"))):
        text = clean_space(value) if isinstance(value, str) else ""
        if len(text) >= 40 and normalised(text) in visible_page:
            sources["summary"] = FieldSource(method=method)
            return text, None
        if text and declared is None:
            declared = (method, text)
    if declared is None:
        return None, None
    sources["description"] = FieldSource(method=declared[0])
    return None, declared[1]


def _body(page: Any, url: str | None, skip: set[str], links: PageLinks) -> list[Paragraph]:
    """Body blocks in reading order; blocks repeating the headline or the lede (in `skip`) are left out.
    Every piece of text trafilatura keeps becomes part of a block (its own text is the floor that the rules
    after it must justify removing from): text set directly after a heading or between blocks, list items,
    table rows and code included."""
    document = trafilatura.bare_extraction(page, url=url, include_comments=False, include_tables=True,
                                           with_metadata=False)
    if not isinstance(document, trafilatura.settings.Document) or document.body is None:
        return []
    blocks: list[Paragraph] = []
    for kind, block_text in _blocks(document.body, "paragraph", links):
        text_of_block = clean_space(block_text)
        words = normalised(text_of_block)
        if text_of_block and words not in skip and not is_furniture(text_of_block) \
                and not (kind == "heading" and words in links.teaser_headings) and words not in links.teaser_cards:
            blocks.append(Paragraph(text=text_of_block, kind=kind))  # type: ignore[arg-type]
    return blocks


def _with_page_repeats(body: list[Paragraph], tree: Any, visible: str) -> list[Paragraph]:
    """A paragraph the page sets more than once in one container is printed as often as the page shows it:
    trafilatura keeps one copy of a long block repeating the previous one (it may be its own overlap
    artifact), while the page's elements say whether the repeats are really there (a refrain, a repeated step).
    A copy in another container (a teaser of the lede) is not the story's repeat."""
    repeated = {block.text for block in body if len(block.text) > REPEAT_MIN_CHARS
                and visible.count(normalised(block.text)) > 1}
    if not repeated:
        return body
    copies = _copies_in_one_container(tree, repeated)
    shown = Counter(block.text for block in body)
    out: list[Paragraph] = []
    for block in body:
        out.append(block)
        missing = copies.get(block.text, 1) - shown[block.text]
        if missing > 0:
            out += [block] * missing
            shown[block.text] += missing
    return out


def _copies_in_one_container(tree: Any, texts: set[str]) -> dict[str, int]:
    """The most copies of each of `texts` that one container of the page holds as its blocks."""
    counts: Counter[tuple[Any, str]] = Counter()
    for element in tree.iter(*_REPEATABLE_TAGS):
        if any(child.tag in _REPEATABLE_TAGS for child in element):
            continue  # a container of blocks: its blocks are counted (and reading its whole text is slow)
        text = clean_space(element.text_content())
        if text in texts:
            counts[(element.getparent(), text)] += 1
    copies: dict[str, int] = {}
    for (_, text), count in counts.items():
        copies[text] = max(copies.get(text, 1), count)
    return copies


def _blocks(container: Any, kind: str, links: PageLinks) -> Iterator[tuple[str, str]]:
    """(kind, text) of each block in `container`, in reading order: its block children one by one, and each
    run of loose text between them (the container's own text, inline elements, tails) as a block of its own."""
    loose: list[str] = [container.text or ""]
    for child in container:
        if child.tag not in _ALL_BLOCKS:  # inline (hi, ref, lb, graphic): part of the loose text around it
            loose += ["".join(child.itertext()), child.tail or ""]
            continue
        yield from _loose_block(loose, kind)
        loose = [child.tail or ""]
        if child.tag == "list" and is_link_list(child, links.elsewhere):
            continue
        if _is_leaf(child):
            yield _leaf(child, kind)
        else:
            yield from _blocks(child, _KINDS.get(child.tag, kind), links)
    yield from _loose_block(loose, kind)


def _is_leaf(element: Any) -> bool:
    """A block whose text is read in one piece: a paragraph, heading or code, a container holding no blocks,
    or a table row whose cells hold no blocks (read as one line)."""
    if element.tag in _LEAF_BLOCKS:
        return True
    parts = element.iter("cell") if element.tag == "row" else [element]
    return not any(child.tag in _ALL_BLOCKS for part in parts for child in part)


def _leaf(element: Any, kind: str) -> tuple[str, str]:
    if element.tag == "row":
        return kind, " | ".join(" ".join(cell.itertext()) for cell in element.iter("cell"))
    return _KINDS.get(element.tag, kind), " ".join(element.itertext())


def _loose_block(loose: list[str], kind: str) -> Iterator[tuple[str, str]]:
    text = " ".join(loose)
    if text.strip():
        yield kind, text


_LEAF_BLOCKS = {"p", "head", "code"}
_ALL_BLOCKS = _LEAF_BLOCKS | {"list", "item", "quote", "table", "row", "cell", "div", "body", "section", "article"}
_KINDS = {"head": "heading", "item": "list_item", "quote": "quote"}  # else the kind of the container


def _without_other_articles(blocks: list[Paragraph], tree: Any, title: str | None) -> list[Paragraph]:
    """Leave out the text of other articles the page carries (infinite scroll appends the next story, with its
    own <h1>, in its own <article>): when exactly one top-level <article> has the headline as its <h1>, blocks
    found only in the other <h1>-bearing articles go."""
    articles = tree.xpath("//article[not(ancestor::article)]")
    if len(articles) < 2 or not title:
        return blocks
    headline = normalised(title)
    with_h1 = [(article, _h1_texts(article)) for article in articles]
    own = [article for article, h1s in with_h1 if headline in h1s]
    others = [article for article, h1s in with_h1 if h1s and headline not in h1s]
    if len(own) != 1 or not others:
        return blocks
    own_text = normalised(own[0].text_content())
    others_text = " ".join(normalised(article.text_content()) for article in others)
    kept = [b for b in blocks if normalised(b.text) in own_text or normalised(b.text) not in others_text]
    return kept if sum(len(b.text) for b in kept) >= MIN_BODY_CHARS else blocks


def _with_bold_byline(blocks: list[Paragraph], tree: Any, authors: list[str],
                      sources: dict[str, FieldSource]) -> tuple[list[Paragraph], list[str]]:
    """A bold name paragraph at the edge of the text names the authors when the metadata named no person, and
    leaves the body when it is the authors' byline."""
    found = bold_byline(blocks, tree)
    if found is None:
        return blocks, authors
    index, names = found
    without = blocks[:index] + blocks[index + 1:]
    if not authors or sources["authors"].detail == "organisation":
        sources["authors"] = FieldSource(method="html", detail="bold byline paragraph")
        return without, names
    if {n.casefold() for n in names} & {n.casefold() for n in authors}:
        return without, authors
    return blocks, authors


def _without_author_bio(blocks: list[Paragraph], authors: list[str]) -> list[Paragraph]:
    """'Manuela Conrad ist ZDF-Reporterin für ...', 'Korrespondent Ulrich Exner ist bei WELT ...': a note on the
    writer after the story, which names an author in its first words."""
    names = [normalised(a) for a in authors if len(a.split()) >= 2]
    if not names or len(blocks) <= AUTHOR_BIO_LAST_BLOCKS:
        return blocks
    tail = [block for block in blocks[-AUTHOR_BIO_LAST_BLOCKS:] if not _opens_with_a_name(block.text, names)]
    return blocks[:-AUTHOR_BIO_LAST_BLOCKS] + tail


def _opens_with_a_name(text: str, names: list[str]) -> bool:
    opening = " ".join(normalised(text).split()[:AUTHOR_BIO_OPENING_WORDS])
    return any(name in opening for name in names)


def _h1_texts(element: Any) -> list[str]:
    return [text for text in (normalised(h1.text_content()) for h1 in element.iter("h1")) if text]


def _json_ld_body(meta: PageMeta, summary: str | None, sources: dict[str, FieldSource]) -> list[Paragraph]:
    """The publisher's own articleBody, when the text extractor found nothing (often a script-rendered page)."""
    paragraphs = _json_ld_paragraphs(meta)
    if sum(len(p) for p in paragraphs) < MIN_BODY_CHARS:
        return []
    skip = normalised(summary) if summary else None
    sources["body"] = FieldSource(method="json-ld", detail="articleBody")
    return [Paragraph(text=p) for p in paragraphs if normalised(p) != skip]


def _lede_as_body(summary: str | None, sources: dict[str, FieldSource]) -> list[Paragraph]:
    """A short post whose whole text is the lede the page shows (and declares as its description)."""
    if not summary:
        return []
    sources["body"] = FieldSource(method=sources["summary"].method, detail="the lede the page shows is all of its text")
    return [Paragraph(text=summary)]


def _with_json_ld_continuation(blocks: list[Paragraph], meta: PageMeta,
                               sources: dict[str, FieldSource]) -> list[Paragraph]:
    """Metered pages show the start of the story and declare all of it as JSON-LD articleBody: when the shown
    text ends at one of its paragraphs, the paragraphs after it that the page does not show are added."""
    paragraphs = _json_ld_paragraphs(meta)
    last = normalised(blocks[-1].text)
    ends = [index for index, paragraph in enumerate(paragraphs) if normalised(paragraph) == last]
    if not ends:
        return blocks
    shown = normalised(" ".join(block.text for block in blocks))
    missing = [p for p in paragraphs[ends[-1] + 1:] if normalised(p) not in shown]
    if sum(len(p) for p in missing) < MIN_BODY_CHARS:
        return blocks
    sources["body"] = FieldSource(method="trafilatura", detail="continued from JSON-LD articleBody")
    return blocks + [Paragraph(text=p) for p in missing]


def _json_ld_paragraphs(meta: PageMeta) -> list[str]:
    """JSON-LD articleBody in paragraphs, as text: some publishers leave Markdown in it (links, emphasis,
    attribute lists) and markup directives ('+++dropcap')."""
    value = meta.ld("articleBody")
    if not isinstance(value, str):
        return []
    text = _MARKDOWN_NOISE.sub("", _MARKDOWN_LINK.sub(r"\1", html.unescape(value)))
    blocks = [clean_space(b) for b in re.split(r"\n\s*\n|\r\n\s*\r\n|<br\s*/?>\s*<br\s*/?>", text)]
    return [b for b in blocks if b and not _MARKUP_DIRECTIVE.match(b)]


def _check_is_article(meta: PageMeta, tree: Any, title: str, summary: str | None, body: list[Paragraph],
                      links: PageLinks) -> None:
    """A short story is still a story: only what is clearly no article is refused, and the reason says what
    the page is (an error page, a paywall stub, a listing whose text is links to other pages, a page with no
    text). A paywalled page that still shows an article's worth of text (a teaser with its metadata) is kept:
    it is searchable. The lede the page shows is text of the story: on a short post it may be all of it. A page
    that says it is an article (OpenGraph, JSON-LD, its headings in an <article>) but shows no text under its
    headings (pictures under headings) is kept: searchable by what it shows."""
    text = [summary or "", *(p.text for p in body if p.kind != "heading")]
    chars = sum(len(part) for part in text)
    if chars >= MIN_BODY_CHARS:
        return
    if _ERROR_TITLE.search(title):
        raise NotAnArticle(f"an error page ({title!r})")
    if str(meta.ld("isAccessibleForFree")).lower() == "false":
        raise NotAnArticle(f"a paywall stub: only {chars} characters are free")
    if chars == 0:
        if body and (meta.declares_article() or _HEADINGS_IN_ARTICLE(tree)):
            return
        raise NotAnArticle("no article text: the page shows none beyond its headings")
    if is_mostly_links(normalised(" ".join(text)), links.elsewhere):
        raise NotAnArticle(f"no article text: a listing ({chars} characters, all of them links to other pages)")


def _section(meta: PageMeta, sources: dict[str, FieldSource]) -> str | None:
    value = meta.ld("articleSection")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and clean_space(value):
        sources["section"] = FieldSource(method="json-ld", detail="articleSection")
        return clean_space(value)
    section = meta.first("article:section", "section", "parsely-section")
    if section:
        sources["section"] = FieldSource(method="meta", detail="article:section")
    return section


def _tags(meta: PageMeta) -> list[str]:
    raw = meta.all("article:tag", "news_keywords", "keywords", "parsely-tags")
    ld = meta.ld("keywords")
    raw += ld if isinstance(ld, list) else [ld] if isinstance(ld, str) else []
    tags: dict[str, str] = {}
    for value in raw:
        for tag in str(value).split(","):
            if clean_space(tag):
                tags.setdefault(clean_space(tag).casefold(), clean_space(tag))
    return list(tags.values())[:50]


def _publisher(meta: PageMeta) -> str | None:
    publisher = meta.ld("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    name = publisher.get("name") if isinstance(publisher, dict) else publisher
    return clean_space(name) if isinstance(name, str) and clean_space(name) else None


def _image(meta: PageMeta, url: str | None) -> Image | None:
    image = meta.ld("image")
    if isinstance(image, list):
        image = image[0] if image else None
    caption = credit = None
    if isinstance(image, dict):
        caption = image.get("caption") if isinstance(image.get("caption"), str) else None
        holder = image.get("creditText") or image.get("copyrightHolder") or image.get("author")
        credit = names_from_json_ld(holder)[0] if names_from_json_ld(holder) else None
        image = image.get("url") or image.get("contentUrl")
    src = image if isinstance(image, str) else meta.first("og:image", "twitter:image")
    if not src:
        return None
    return Image(url=_absolute(url, src.strip()), caption=caption or meta.first("og:image:alt"),
                 credit=clean_space(credit).lstrip("© ") if credit else None)


def _canonical(meta: PageMeta, url: str | None) -> str | None:
    for candidate in (meta.canonical, meta.first("og:url")):
        if candidate and candidate.startswith(("http://", "https://", "/")):
            absolute = _absolute(url, candidate)
            if absolute:
                return absolute
    return url


def _absolute(base: str | None, href: str) -> str | None:
    """href resolved against the page's URL; None for one urllib cannot read ('http://[::1')."""
    try:
        return urljoin(base or "", href)
    except ValueError:
        return None


def _language(lang: str | None) -> str | None:
    primary = (lang or "").replace("_", "-").split("-")[0].strip().lower()
    return {"nb": "no", "nn": "no"}.get(primary, primary) if re.fullmatch(r"[a-z]{2}", primary) else None
