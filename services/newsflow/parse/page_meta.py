"""Structured metadata a page declares about itself: JSON-LD, OpenGraph/meta tags, <title>, <h1>, canonical link.

Read once from the parsed lxml tree; the extraction cascade (`html_article.py`) votes between these and the
text extractors. Pure: no network, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

from newsflow.parse.normalise import clean_space

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "webpage", "scholarlyarticle", "techarticle", "report", "askpublicnewsarticle", "satiricalarticle",
}


@dataclass
class PageMeta:
    json_ld: list[dict[str, Any]] = field(default_factory=list)  # article-like objects, best first
    meta: dict[str, list[str]] = field(default_factory=dict)  # lowercased property/name/itemprop -> contents
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    canonical: str | None = None
    lang: str | None = None

    def first(self, *names: str) -> str | None:
        for name in names:
            for value in self.meta.get(name, []):
                if clean_space(value):
                    return clean_space(value)
        return None

    def all(self, *names: str) -> list[str]:
        return [clean_space(v) for name in names for v in self.meta.get(name, []) if clean_space(v)]

    def ld(self, key: str) -> Any:
        """The first value of `key` among the article-like JSON-LD objects."""
        for obj in self.json_ld:
            if obj.get(key) not in (None, "", []):
                return obj[key]
        return None

    def declares_article(self) -> bool:
        """OpenGraph's type or a JSON-LD object says the page is an article (a plain web page is not one)."""
        return self.first("og:type") == "article" or any(_types(obj) - {"webpage"} for obj in self.json_ld)


def read_page_meta(tree: lxml_html.HtmlElement) -> PageMeta:
    meta = PageMeta()
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        content = node.get("content")
        if key and content is not None:
            meta.meta.setdefault(key, []).append(content)
    title = tree.find(".//title")
    meta.title_tag = clean_space(title.text_content()) if title is not None else None
    meta.h1 = [t for t in (clean_space(h.text_content()) for h in tree.iter("h1")) if t]
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            meta.canonical = link.get("href").strip()
            break
    meta.lang = (tree.get("lang") or tree.get("xml:lang") or meta.first("og:locale") or "").strip() or None
    meta.json_ld = sorted(_article_objects(tree), key=_article_rank)
    return meta


def _article_objects(tree: lxml_html.HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"), strict=False)
        except ValueError:
            continue  # broken JSON-LD is common; the other sources still vote
        yield from (obj for obj in _walk(data) if _types(obj) & ARTICLE_TYPES)


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _walk(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in data:
                yield from _walk(data[key])


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _article_rank(obj: dict[str, Any]) -> int:
    """News articles before generic articles before web pages; richer objects first among equals."""
    types = _types(obj)
    if types & {"webpage"} and not types - {"webpage"}:
        return 3
    if any("news" in t for t in types):
        return 0 if "headline" in obj else 1
    return 2
