"""Bylines a page lays out rather than declares: trafilatura's byline search, author classes, links to the
writers' pages, "By ..." lines and a bold name set in the text. The cascade in `html_article.py` reaches for
them in that order, after the metadata; names are cleaned by `authors.py`."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from lxml import etree
from trafilatura import metadata as trafilatura_metadata

from newsflow.parse.authors import clean_authors
from newsflow.parse.normalise import SENTENCE_END, clean_space
from newsflow_schemas import Paragraph

_EXSLT = {"re": "http://exslt.org/regular-expressions"}
_AUTHOR_PAGE_LINKS = etree.XPath(
    "//a[re:test(@href, '/(authors?|autor(in|en)?|auteurs?|autores?|journalists?|journalisten|redakteur|"
    "redaktion/team|people|staff|profiles?)/', 'i') or contains(@class, 'person') or contains(../@class, 'person')]"
    "[not(ancestor::nav or ancestor::footer or ancestor::aside)]", namespaces=_EXSLT)
_BY_LINES = etree.XPath(
    "//body//*[re:test(normalize-space(text()), '^(By|Von|Par|Por|Door|Av|Af|Przez)\\s+\\w', '')]"
    "[not(ancestor::nav or ancestor::footer or ancestor::aside or self::script or self::style)]", namespaces=_EXSLT)
_STORY_ARTICLES = etree.XPath("//article[not(ancestor::article)][.//h1]")
_BY_LINE_TAIL = re.compile(r",?\s+(in|on|am|le|el|en|im)\s*$|\s*[·|•].*$", re.IGNORECASE)
MAX_BY_LINE_WORDS = 8
BOLD_BYLINE_FIRST_BLOCKS = 3  # a bold name further into the text is a sub-heading ("Flawed Approach")


BylineSearch = Callable[[Any], "str | None"]


def byline_search() -> BylineSearch:
    """trafilatura's byline search in an element's layout (author/byline classes, rel=author), remembering
    what it found: one parse may search the same page from two steps of the cascade, and a search of a whole
    page costs about 10 ms (regular expressions over every element's class and id). One per parse."""
    return cache(trafilatura_metadata.extract_author)


def metadata_byline(tree: Any, search: BylineSearch) -> list[str]:
    """trafilatura's byline search in the page's metadata (meta tags, then JSON-LD), as its extract_metadata
    does it, without the rest of that call (dates, categories, licence: a sixth of the parse time); the
    layout's byline is layout_byline's."""
    found = trafilatura_metadata.examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # as trafilatura does: a one-word meta author is a handle or a site
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader has bugs of its own; its caller does this
        found = trafilatura_metadata.extract_meta_json(tree, found)
    author = found.author or search(tree) or ""
    return [a.strip() for a in author.split(";") if a.strip()]


def layout_byline(tree: Any, search: BylineSearch) -> list[str]:
    """The byline as the page lays it out (author/byline classes, rel=author), without the metadata
    trafilatura's own search reads first; else the links to the writers' pages, by their address (/autoren/...)
    or marked as a person's. Only names that look like a person's."""
    # within the story's own <article> when the page has one (trafilatura copies what it searches: less to copy)
    articles = _STORY_ARTICLES(tree)
    found = search(articles[0] if len(articles) == 1 else tree)
    names = clean_authors(a for a in (found or "").split(";"))
    if not names:
        names = clean_authors(clean_space(a.text_content()) for a in _AUTHOR_PAGE_LINKS(tree))
    return [name for name in names if is_person_name(name)]


def by_line(tree: Any) -> list[str]:
    """A short line that starts with 'By' (or its translation) and names the writer, often a desk or agency."""
    for element in _BY_LINES(tree):
        text = _BY_LINE_TAIL.sub("", clean_space(element.text))  # "By Desk, in News" -> "By Desk"
        if len(text.split()) <= MAX_BY_LINE_WORDS:
            return [text]
    return []


def bold_byline(blocks: list[Paragraph], tree: Any) -> tuple[int, list[str]] | None:
    """Some sites set the byline in the text: a paragraph that is only a bold name ('Jane Doe', 'A Writer/B
    Writer') among the first blocks or the last. Its index among the blocks, and the names."""
    if len(blocks) < 2:
        return None
    bold_lines = _bold_paragraphs(tree)
    for index in (*range(min(BOLD_BYLINE_FIRST_BLOCKS, len(blocks) - 1)), len(blocks) - 1):
        names = _byline_names(blocks[index].text) if blocks[index].text in bold_lines else []
        if names:
            return index, names
    return None


def is_person_name(text: str) -> bool:
    """Two to four capitalised words without digits or a sentence mark: how a person's name looks in a byline
    ('Jane Doe', 'MTHOBISI SITHOLE'); one word ('Folgen', 'APA') is more often a button or an agency."""
    words = text.split()
    return (2 <= len(words) <= 4 and all(w[0].isupper() and not any(c.isdigit() for c in w) for w in words)
            and not SENTENCE_END.search(text))


def _bold_paragraphs(tree: Any) -> set[str]:
    """Texts of the paragraphs that are wholly bold."""
    found = set()
    for p in tree.iter("p"):
        children = [c for c in p if isinstance(c.tag, str)]
        if len(children) == 1 and children[0].tag in ("strong", "b") and not (p.text or "").strip() \
                and not (children[0].tail or "").strip():
            found.add(clean_space(p.text_content()))
    return found


def _byline_names(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\s*(?:/|,|&)\s*", text)]
    return parts if 0 < len(parts) <= 4 and all(is_person_name(part) for part in parts) else []
