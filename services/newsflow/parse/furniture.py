"""Blocks of a page that are not the story's text, though text extractors let them through: credits, promos,
notices, bylines and date stamps set as lines, placeholders the page repeats, labels before and after the story,
fact and info boxes, cards linking to other stories, the messages of buttons, posts embedded from social networks,
lists of links. Each rule is generic (no site names) and was measured on the three dev sets (`make bench-extract`).
The patterns are lower case and run on lower-cased text: much faster than IGNORECASE over a dozen languages."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from courlan import extract_domain
from lxml import etree

from newsflow.parse.normalise import SENTENCE_END, normalised
from newsflow_schemas import Paragraph

_BOILERPLATE = re.compile(
    r"©|\bcopyright\b|all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos|"
    r"^\W*(advertisement|anzeige|werbung|publicidad|publicité|pubblicità|reklame|annons|mainos)\W*$|"
    r"^\W*(photo|foto|bild|image|picture|credit|fotos?|imagen|immagine|фото|kuva|zdjęcie|写真)\s*:|"
    r"^[^.!?]{0,60}(/|\bvia\s)\s*(getty( images)?|afp|reuters|ap|dpa|picture[ -]alliance|imago|epa|shutterstock|"
    r"keystone|istock|xinhua|anadolu|bloomberg|ntb|tt|ritzau|scanpix|anp|belga|apa)\W*$|"
    r"^\W*(more|read more|read also|also read|see also|related|lesen sie auch|mehr zum thema|auch interessant|"
    r"lire aussi|à lire aussi|leer más|lea también|leia também|leia mais|leggi anche|les også|läs också|læs også|"
    r"lees ook|lees meer|lue myös|czytaj więcej|czytaj także|czytaj też|přečtěte si také|читайте также|"
    r"mehr themen|weitere themen|more topics)\b\s*:?|"
    r"\bexterne[nr]? inhalte?\b|\bexternal content\b|\bcontenu externe\b|\bcontenido externo\b|"
    r"\b(youtube|twitter|instagram|tiktok|facebook|podcast)[- ](inhalt|content|video|post|embed)\b|^\W*embed\W*$|"
    r"réservée? aux abonnés|(s[óo]lo|exclusiva) para suscriptores|nur für abonnenten|for subscribers only|"
    r"(hat )?ihnen (dieser|der) artikel gefallen|did you (like|enjoy) this (article|story)|"
    r"\b(bild|foto|fotos|photo|photos|image|credit|picture)\s*:\s*[^.:!?]{2,60}$|"
    # contribution notes, prompts to comment, follow, report errors, log in or subscribe
    r"^\W*with (files|reporting|reports) (from|by)\b|contributed to this report|^\W*mit (agentur)?material\b|"
    r"fehler gefunden|found an error|spotted (an error|a mistake)|"
    r"\bfollow(st)?( \S+){1,3} (on|auf) (twitter|x|facebook|instagram|whatsapp|google news|telegram|threads)\b|"
    r"\bcomment(ing)? forum\b|before commenting|kommentar abgeben|um einen kommentar|"
    r"log in or (create|register)|create an account to|会員限定|有料会員|url이 복사|"
    r"ihre meinung ist uns wichtig|send us your feedback|have a story to tell|more to follow$|"
    r"^\W*(sendung|dieses thema im programm)\s*:|"
    r"in (unserem|our) live-?blog|for more stories like this|\b(verfügbar bis|available until)\b|"
    r"browser version with limited support|outdated browser|enable javascript|"
    r"(zuerst|ursprünglich) (bei|in|auf) .{1,40} erschienen|(first|originally) (published|appeared) (in|on|by)\b|"
    r"^\W*(redaktion|übersetzung|schlussredaktion|mitarbeit|translated by|editing by|edited by|"
    r"additional reporting by|reporting by)\s*:?\s|"
    r"^\W*[\w.-]{1,20}\s*(\(\w{2,6}(,\s*\w{2,6})*\)|/\w{2,6})\W*$|^\W*\(\w{2,8}(/\w{2,8})*\)\W*$|"
    r"\bsubscribe\b|\babonnieren\b|follow us|folgen sie uns|sign up|get in touch|"
    r"^\W*(lesedauer|reading time|lesezeit|temps de lecture|tiempo de lectura)\b|\b\d+\s*min(ute)?s? read\b")
MAX_BOILERPLATE_WORDS = 25  # longer blocks are text even when they mention a credit or a newsletter
MAX_NOTICE_WORDS = 60
_NOTICE = re.compile(
    r"affiliate-?links?\b|\bearn (us )?an? (affiliate )?commission|independently selected|independently select|"
    r"maschinelle übersetzung|machine[- ]translated|dieser artikel ist eine übersetzung|"
    r"empfohlener redaktioneller inhalt|recommended editorial content|externen? inhalte? angezeigt|"
    r"melden sie den fehler|please bookmark|^\W*stay informed with|partnermarke|^\W*(photos?|fotos?)\s*:|"
    r"um \S+ zu unterstützen|support (our|independent) journalism|unterstützen sie (uns|unabhängigen journalismus)|"
    r"\btu suscripción\b|\byour subscription\b|\babonniere\b|abonelere sunulan|kostenlos testen|free trial|"
    r"durchschnittliche bewertung|average rating|haben sie hinweise|send us a tip|newsletter")
MAX_NON_LINK_SHARE = 0.2  # text with no more of its words outside links than this is link text
_ABSOLUTE = re.compile(r"(?:https?:)?//(?:[^/?#@]*@)?([^/?#:]+)", re.I)  # an absolute address; its group: the host
MAX_REPEATED_FURNITURE_WORDS = 40  # a repeated line longer than this is text, not a placeholder
MAX_LABEL_CHARS = 40  # a line after the story shorter than this, without a sentence mark, heads a box
MAX_LEADING_LABEL_CHARS = 25  # before the story, shorter: a sub-heading may open the text
MAX_DATE_LINE_CHARS = 60
MIN_BLOCKS_KEPT = 3
_BOX_CLASS = re.compile(r"fact-?box|fakta-?bo[xk]|fakten-?box|info-?box|(?<![a-z])bio(?![a-z])")
_BOX_CLASS_HINTS = ("factbox", "fact-box", "fakta", "faktenbox", "fakten-box", "infobox", "info-box", "bio")
_CLASS_NAMES = etree.XPath("//@class", smart_strings=False)
_ELEMENTS_OF_CLASS = etree.XPath("//*[@class = $name]")
# story text is never wholly inside a link; a teaser card is
_LINK_CARDS = etree.XPath("//a[.//p or .//h2 or .//h3 or .//h4 or .//h5 or .//h6]"
                          "/descendant-or-self::*[self::a or self::p or self::h2 or self::h3 or self::h4 or self::h5"
                          " or self::h6]")
_BOX_BLOCK_TAGS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "div", "span")
MAX_BYLINE_WORDS = 8
MAX_WIDGET_CHARS = 500  # about 80 words: a button's message or a teaser's card, not a part of the story
# (one XPath: pages have many buttons, most in menus and bars, and each is looked at once, in C)
_BUTTON_WIDGETS = etree.XPath(
    f"//button/parent::*[string-length(normalize-space(.)) <= {MAX_WIDGET_CHARS}]"
    "[not(.//*[self::img or self::picture or self::figure or self::video or self::iframe])]")
_IS_CARD = etree.XPath(f"string-length(normalize-space(.)) <= {MAX_WIDGET_CHARS} and "
                       "count(.//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]) = 1")
_BYLINE = re.compile(r"^(by|von|par|por|door|av|af|di|przez|od)\s+\w", re.IGNORECASE)
_CAPITALS_PROMPT = re.compile(r"^[^\w]*[A-ZÀ-ÞĀ-Ž]{2,}(?:\s+[A-ZÀ-ÞĀ-Ž]{2,})+\s*[|:»>]\s*\w")
_DATE_WORD_LIST = (
    r"uhr|am|um|on|at|updated?|published|posted|aktualisiert|"
    r"veröffentlicht|stand|le|à|mis à jour|publié|publicado|actualizado|atualizado|aggiornato|pubblicato|"
    r"bijgewerkt|gepubliceerd|uppdaterad|publicerad|oppdatert|publisert|opdateret|udgivet|päivitetty|julkaistu|"
    r"aktualizacja|aktualizováno|güncelleme|pm|am|gmt|utc|cet|cest|mez|jst|kst|est|edt|pst|pdt|bst|ist|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    r"september|october|november|december|januar|februar|märz|mai|juni|juli|oktober|dezember|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag")
_DATE_WORD = re.compile(rf"\b({_DATE_WORD_LIST})\b", re.IGNORECASE)
_DATE_WORDS = re.compile(rf"[\d\W_]+|年|月|日|時|分|秒|更新|午前|午後|\b({_DATE_WORD_LIST})\b", re.IGNORECASE)
_DATE_SHAPE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|\d\s*[年月日時]")
_SOCIAL_EMBEDS = etree.XPath(
    "//blockquote[re:test(@class, 'twitter-tweet|twitter-video|instagram-media|tiktok-embed|bluesky-embed|"
    "reddit-embed|threads-embed|telegram-post|fb-xfbml-parse-ignore')]",
    namespaces={"re": "http://exslt.org/regular-expressions"})


def is_furniture(text: str) -> bool:
    """One block, on its own text: a credit, promo, notice, date stamp or byline."""
    return _is_boilerplate(text) or _is_date_line(text) or _is_promo(text) or _is_byline(text)


def _is_byline(text: str) -> bool:
    """'Von Nina Magoley', 'By Jane Doe, Berlin', 'Par Les Echos': the byline, set as a line of the text."""
    return len(text.split()) <= MAX_BYLINE_WORDS and not SENTENCE_END.search(text) and bool(_BYLINE.match(text))


def without_furniture(blocks: list[Paragraph], tree: Any, min_chars: int) -> list[Paragraph]:
    """The blocks without those that are furniture by their place in the page; all of them when less than
    `min_chars` would be left (then the page is better judged as it is)."""
    kept = _without_repeated_blocks(_without_labels_around(_without_boxes(_without_embeds(blocks, tree), tree)))
    return kept if sum(len(block.text) for block in kept) >= min_chars else blocks


def _without_embeds(blocks: list[Paragraph], tree: Any) -> list[Paragraph]:
    """Posts embedded from social networks (the blockquotes their embed scripts turn into cards) are not the
    article's text."""
    embedded = " ".join(normalised(quote.text_content()) for quote in _SOCIAL_EMBEDS(tree))
    if not embedded:
        return blocks
    return [block for block in blocks if normalised(block.text) not in embedded]


def _without_boxes(blocks: list[Paragraph], tree: Any) -> list[Paragraph]:
    """Fact boxes, info boxes and notes on the writer set beside the story (marked so by their class), and
    cards linking to other stories (a paragraph or heading inside a link), are not its text, though trafilatura
    keeps them when they sit inside the article's container."""
    boxed = _block_texts(_boxes(tree))
    boxed |= {_words(element) for element in _LINK_CARDS(tree)}
    boxed |= _button_messages(tree)
    return [block for block in blocks if normalised(block.text) not in boxed] if boxed else blocks


def _button_messages(tree: Any) -> set[str]:
    """The blocks of a small container that holds a button: the button's message (a blocked embed's consent
    placeholder, a sign-up or paywall prompt), not the story. A container with a picture is a media player or
    gallery: its caption may be a line of the story too."""
    return _block_texts(_BUTTON_WIDGETS(tree))


def _boxes(tree: Any) -> list[Any]:
    """Elements whose class marks a box. All class names are first looked at together, for a hint (fast);
    only pages with one are searched further."""
    classes = _CLASS_NAMES(tree)
    joined = " ".join(classes).lower()
    if not any(hint in joined for hint in _BOX_CLASS_HINTS):
        return []
    marked = {name for name in set(classes) if _BOX_CLASS.search(name.lower())}
    return [element for name in marked for element in _ELEMENTS_OF_CLASS(tree, name=name)]


def _block_texts(containers: Iterable[Any]) -> set[str]:
    """The normalised texts of the containers' blocks (themselves included, if they are blocks)."""
    return {_words(element) for container in containers for element in container.iter(*_BOX_BLOCK_TAGS)}


def _words(element: Any) -> str:
    return normalised(" ".join(element.itertext()))  # text nodes apart, as the extractor joins them


def _without_labels_around(blocks: list[Paragraph]) -> list[Paragraph]:
    """Short lines without a sentence mark after the story ('Weiterführende Links', 'Related coverage',
    '関連キーワード') are the headings of the page's boxes that follow it; before it ('World', 'Article content',
    'Hauptinhalt'), section labels and landmarks. Neither is text."""
    end = len(blocks)
    while end > MIN_BLOCKS_KEPT and len(blocks[end - 1].text) < MAX_LABEL_CHARS \
            and not SENTENCE_END.search(blocks[end - 1].text):
        end -= 1
    start = 0
    while end - start > MIN_BLOCKS_KEPT and len(blocks[start].text) < MAX_LEADING_LABEL_CHARS \
            and not SENTENCE_END.search(blocks[start].text):
        start += 1
    return blocks[start:end]


def _without_repeated_blocks(blocks: list[Paragraph]) -> list[Paragraph]:
    """A short line without a sentence mark that the page repeats word for word is furniture: placeholders of
    blocked embeds ('External content not available'), photo credits, 'Read more'. Every copy goes. Sentences
    the page repeats stay, every copy: recipe steps, the days of a plan, a refrain are the page's text. So do
    the headings of the text, and the lines repeating them (a table of contents)."""
    counts = Counter(block.text for block in blocks)
    headings = {block.text for block in blocks if block.kind == "heading"}
    return [block for block in blocks if counts[block.text] == 1 or block.text in headings
            or not _is_repeatable_furniture(block.text)]


def _is_repeatable_furniture(text: str) -> bool:
    return len(text.split()) <= MAX_REPEATED_FURNITURE_WORDS and not SENTENCE_END.search(text)


def _is_promo(text: str) -> bool:
    """'READ MORE | Headline', 'FUNDA OLUNYE UDABA LAPHA | Headline': a prompt in capitals, then a headline."""
    return (len(text.split()) <= MAX_BOILERPLATE_WORDS and not text.endswith(".")
            and bool(_CAPITALS_PROMPT.match(text)))


def _is_date_line(text: str) -> bool:
    """A line that is only a date or time stamp ('03.05.2024, 15:45 Uhr', '2025年1月14日 01時28分 (更新)'): made
    of date words and numbers only, with a date's or time's shape (a table's '13.4 MB (-81%)' or '2, 2, 3' is
    numbers, not a date)."""
    if len(text) > MAX_DATE_LINE_CHARS or sum(c.isdigit() for c in text) < 4:
        return False
    if len(_DATE_WORDS.sub("", text)) > 2:  # more than numbers and date words
        return False
    return bool(_DATE_SHAPE.search(text) or _DATE_WORD.search(text))


def _is_boilerplate(text: str) -> bool:
    """Site furniture that text extractors let through: short blocks of credits, promos and notices, and the
    longer notices about links, consent, translation and support that no story sentence reads like."""
    words, lowered = len(text.split()), text.lower()
    return (words <= MAX_BOILERPLATE_WORDS and bool(_BOILERPLATE.search(lowered))) or \
        (words <= MAX_NOTICE_WORDS and bool(_NOTICE.search(lowered)))


@dataclass(frozen=True)
class PageLinks:
    """The normalised texts of the page's links to other pages (`elsewhere`), and of its headings that link to
    another page of its own site (`teaser_headings`: relative, or on its registered domain), as the teasers
    of other stories do; a heading linking to another site names what its section is about. `teaser_cards`:
    the other blocks of such a heading's card (its summary, its writer). An anchor with no target, a script
    action (`javascript:`), a jump within the page or a link to the page itself leads nowhere else, so its
    text is the page's own."""

    elsewhere: frozenset[str]
    teaser_headings: frozenset[str]
    teaser_cards: frozenset[str]


def page_links(tree: Any, page_url: str | None) -> PageLinks:
    site = _domain_of(page_url) if page_url else None
    here = _Here(page_url)
    texts = {" ".join(anchor.itertext()) for anchor in tree.iter("a") if here.leads_elsewhere(anchor)}
    elsewhere = {normalised(text) for text in texts}  # menus repeat link texts: each is normalised once
    teasers, cards = set(), set()
    for heading in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        linked = " ".join(" ".join(anchor.itertext()) for anchor in heading.iter("a")
                          if here.leads_elsewhere(anchor) and _is_on_site(anchor.get("href").strip(), site))
        text = normalised(" ".join(heading.itertext()))
        words = set(text.split())  # a word twice (a title repeated for screen readers) is one word
        if linked and len(words & set(normalised(linked).split())) >= (1 - MAX_NON_LINK_SHARE) * len(words):
            teasers.add(text)
            cards |= _card_texts(heading)
    return PageLinks(frozenset(elsewhere - {""}), frozenset(teasers - {""}), frozenset(cards - {""}))


def _card_texts(heading: Any) -> set[str]:
    """The blocks beside a teaser heading in a container no bigger than a card (its summary, its writer). A
    container of several headings is a list, such as the story's own sub-headlines, one of which links on."""
    card = heading.getparent()
    if card is None or not _IS_CARD(card):
        return set()
    return _block_texts(card.iterchildren())  # not the card itself: all its text joined is no one block


class _Here:
    """Whether a link leads to another page than `page_url`: an anchor with no target, a script action, a jump
    within the page or a link to the page itself (a post's permalink title) leads back."""

    def __init__(self, page_url: str | None) -> None:
        self.page_url = page_url
        self.key = _page_key(page_url, page_url) if page_url else None
        self.last_step = self.key[1].rsplit("/", 1)[-1] if self.key else ""  # in every address of the page

    def leads_elsewhere(self, anchor: Any) -> bool:
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "#")):
            return False
        if self.key is None or self.last_step not in href:  # cheap: most links plainly lead elsewhere
            return True
        return _page_key(href, self.page_url) != self.key


def _page_key(href: str, base: str | None) -> tuple[str, str] | None:
    """Host (without 'www.') and path (without a final '/') of an address, read against the page's own: two
    addresses with one key name one page."""
    try:
        parts = urlsplit(urljoin(base or "", href))
    except ValueError:  # 'http://[::1' and the like
        return None
    return parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/")


def _is_on_site(href: str, site: str | None) -> bool:
    if not _ABSOLUTE.match(href):
        return True  # relative
    return site is not None and _domain_of(href) == site


def _domain_of(url: str) -> str | None:
    """The registered domain of an absolute address: a site's sections and editions share it, so its teasers
    link within it. (Trusting a canonical URL, in `stage`, asks more: the very host the page was fetched from.)"""
    host = _ABSOLUTE.match(url)  # not urlsplit: it raises on some addresses pages hold ('http://[::1')
    return _registered_domain(host.group(1).lower()) if host else None


@lru_cache(maxsize=1024)
def _registered_domain(host: str | None) -> str | None:
    """'finance.yahoo.com' -> 'yahoo.com', 'www.bbc.co.uk' -> 'bbc.co.uk' (links of a page share few hosts)."""
    return extract_domain(f"https://{host}/") if host else None


def is_link_list(container: Any, links: frozenset[str]) -> bool:
    """A list of links to other pages ("read also", related stories, a menu) rather than the story's own list:
    most of its items are link text. Items of the story's own lists (steps, bullets, deals, a plan) are kept,
    with or without a sentence mark."""
    if container is None:
        return False
    items = [normalised(" ".join(item.itertext())) for item in container.iterchildren("item")]
    linked = sum(1 for item in items if item and is_mostly_links(item, links))
    return bool(items) and linked > len(items) / 2


def is_mostly_links(text: str, links: frozenset[str]) -> bool:
    """At most MAX_NON_LINK_SHARE of the (normalised) text's words are outside the page's link texts."""
    if text in links:
        return True
    words = len(text.split())
    rest = f" {text} "
    for link in sorted((link for link in links if link in text), key=len, reverse=True):
        rest = rest.replace(f" {link} ", " ")
    return len(rest.split()) <= MAX_NON_LINK_SHARE * words
