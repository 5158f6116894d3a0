"""Plain text pushed by feeds (an article saved as text) to article fields.

The shape recognised, from the top: an optional section label, the headline, a byline block (an
"Author: … Source: …" or "By …" line, a date line, photo-credit lines such as "© Agency / Photographer"), the
lede, the body paragraphs (separated by blank lines), and trailing site junk ("Keywords", "Click here …",
share/subscribe/cookie lines), which is dropped. Nothing here knows any particular site.
"""

from __future__ import annotations

import re
from datetime import datetime

from newsflow.parse.authors import clean_authors
from newsflow.parse.extracted import ExtractedArticle, NotAnArticle
from newsflow.parse.source_time import parse_source_time
from newsflow_schemas import FieldSource, Image, Paragraph

_BYLINE = re.compile(
    r"^(?:(?:author|authors|by|written by|autor|auteur|von)\s*:?\s*(?P<author>.+?))?\s*"
    r"(?:\b(?:source|quelle|fuente|via)\s*:\s*(?P<source>.+?))?\s*$", re.IGNORECASE)
_CREDIT = re.compile(r"^(?:©|\(c\)|copyright\b|photo\s*:|foto\s*:|image\s*:|picture\s*:|credit\s*:)\s*(?P<credit>.+)$",
                     re.IGNORECASE)
_DATE_HINT = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DATE_NOISE = re.compile(r"\b(at|um|à|a las|alle|published|updated|posted|on)\b|[|•]", re.IGNORECASE)
# site furniture: short lines that start like this, or any line with one of the phrases below
_JUNK_SHORT = re.compile(
    r"^(keywords?|tags?|topics?|related|read more|more on this|share|follow us|subscribe|sign up|advertisement|"
    r"comments?|print|email this)\b", re.IGNORECASE)
_JUNK_ANY = re.compile(
    r"click here|cookies?\b|timeout\s*:|all rights reserved|you did not use the site|newsletter", re.IGNORECASE)
MAX_JUNK_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?…»”\"')\]]$")
MIN_PARAGRAPH_WORDS = 12
MAX_LABEL_WORDS = 6


def extract_text(text: str, now: datetime) -> ExtractedArticle:
    blocks = _blocks(text)
    blocks = _drop_trailing_junk(blocks)
    if not blocks:
        raise NotAnArticle("the text is empty")
    header, body_blocks = _split_header(blocks)
    article = _read_header(header, now)
    article.body = [_paragraph(block) for block in body_blocks]
    if sum(len(p.text) for p in article.body) < 200:
        raise NotAnArticle("no article text: the body is shorter than 200 characters")
    return article


def _blocks(text: str) -> list[list[str]]:
    """Blank-line separated blocks of stripped, non-empty lines."""
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = " ".join(line.split())
        if stripped:
            blocks[-1].append(stripped)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _drop_trailing_junk(blocks: list[list[str]]) -> list[list[str]]:
    """Cut the tail from the first junk line on, if nothing after it looks like article prose."""
    for index, block in enumerate(blocks):
        for line_no, line in enumerate(block):
            if _is_junk(line) and not any(_is_paragraph(later) for later in _lines_after(blocks, index, line_no)):
                kept = block[:line_no]
                return blocks[:index] + ([kept] if kept else [])
    return blocks


def _is_junk(line: str) -> bool:
    return bool(_JUNK_ANY.search(line)) or (len(line.split()) <= MAX_JUNK_WORDS and bool(_JUNK_SHORT.match(line)))


def _lines_after(blocks: list[list[str]], index: int, line_no: int) -> list[str]:
    return blocks[index][line_no + 1:] + [line for block in blocks[index + 1:] for line in block]


def _is_paragraph(line: str) -> bool:
    return len(line.split()) >= MIN_PARAGRAPH_WORDS and bool(_SENTENCE_END.search(line))


def _split_header(blocks: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Header lines up to the first block that reads as prose; the body is that block and the rest."""
    for index, block in enumerate(blocks):
        if index > 0 and len(block) == 1 and _is_paragraph(block[0]):
            return [line for b in blocks[:index] for line in b], blocks[index:]
    return blocks[0], blocks[1:]


def _read_header(lines: list[str], now: datetime) -> ExtractedArticle:
    labels_before: list[str] = []
    labels_after: list[str] = []
    authors: list[str] = []
    site = credit = published = None
    sources: dict[str, FieldSource] = {}
    for line in lines:
        meta_seen = bool(authors or site or credit or published)
        if (match := _CREDIT.match(line)) and not credit:
            credit = match.group("credit").strip()
        elif _CREDIT.match(line):
            continue  # the same credit repeated (one per image)
        elif (byline := _byline(line)) is not None:
            authors, site = byline[0] or authors, byline[1] or site
        elif published is None and (moment := _date_line(line, now)) is not None:
            published = moment
            sources["published"] = FieldSource(method="text-rules", detail="date line")
        else:
            (labels_after if meta_seen else labels_before).append(line)
    section, title, extra_summary = _title_parts(labels_before)
    summary = " ".join(extra_summary + labels_after) or None
    for name in ("title", "section", "summary", "authors", "site_name", "image"):
        sources.setdefault(name, FieldSource(method="text-rules"))
    return ExtractedArticle(
        title=title, body=[], summary=summary, authors=authors, published=published, section=section,
        site_name=site, publisher=site, image=Image(credit=credit) if credit else None, sources=sources)


def _byline(line: str) -> tuple[list[str], str | None] | None:
    match = _BYLINE.match(line)
    if not match or not (match.group("author") or match.group("source")) or len(line.split()) > 12:
        return None
    authors = clean_authors([match.group("author")]) if match.group("author") else []
    # "Editors Desk" is this byline's whole author: keep it even if it sounds generic
    return authors or ([match.group("author").strip()] if match.group("author") else []), (
        match.group("source").strip() if match.group("source") else None)


def _date_line(line: str, now: datetime):
    if len(line) > 60 or not _DATE_HINT.search(line):
        return None
    moment = parse_source_time(" ".join(_DATE_NOISE.sub(" ", line).split()), now=now)
    return moment.model_copy(update={"original": line}) if moment else None


def _title_parts(labels: list[str]) -> tuple[str | None, str, list[str]]:
    """(section, title, summary lines) from the lines above the byline."""
    if not labels:
        raise NotAnArticle("the text has no headline")
    if len(labels) == 1:
        return None, labels[0], []
    first_is_label = len(labels[0].split()) <= MAX_LABEL_WORDS and not _SENTENCE_END.search(labels[0])
    if first_is_label:
        return labels[0], labels[1], labels[2:]
    return None, labels[0], labels[1:]


def _paragraph(block: list[str]) -> Paragraph:
    text = " ".join(block)
    is_heading = len(block) == 1 and len(text.split()) <= 10 and not _SENTENCE_END.search(text)
    return Paragraph(text=text, kind="heading" if is_heading else "paragraph")
