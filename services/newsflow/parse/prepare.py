"""The page as trafilatura should read it: two things it would lose are mended, in a copy of the page, before
it reads the body. Pages that need neither go through untouched (no copy)."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from lxml import etree

# text of at least this many characters directly in a container, after a block, is a paragraph without its <p>
_LOOSE_TEXT = etree.XPath("//*[self::div or self::article or self::section or self::main or self::td]"
                          "/text()[string-length(normalize-space(.)) >= 40]")
_RUBY = etree.XPath("//ruby//*[self::rt or self::rp or self::rb]")
_BLOCK_TAGS = {"p", "div", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "figure"}
_INLINE_TAGS = {"a", "b", "strong", "i", "em", "span", "u", "sup", "sub", "small", "mark", "abbr", "cite", "q",
                "code", "time"}


def prepared_for_extraction(tree: Any) -> Any:
    """The page as trafilatura should read it. Two things it would lose are mended, in a copy of the page:
    paragraphs set as bare text between blocks ('<h2>…</h2>Text <a>…</a> more text<h2>…') are wrapped in a <p>
    of their own, as readability does; ruby readings (<rt>, with their <rp> parentheses) become text, as a plain
    rendering shows them: '尹錫悦（ユンソンニョル）'. Pages with neither go through untouched."""
    if not (_loose_text(tree) or _RUBY(tree)):
        return tree
    copy = deepcopy(tree)
    for loose in _loose_text(copy):
        _wrap_run_after(loose.getparent())
    for annotation in _RUBY(copy):
        annotation.drop_tag()
    return copy


def _loose_text(tree: Any) -> list[Any]:
    """Text nodes that follow a block directly inside a container."""
    return [text for text in _LOOSE_TEXT(tree) if text.is_tail and text.getparent().tag in _BLOCK_TAGS]


def _wrap_run_after(block: Any) -> None:
    paragraph = etree.Element("p")
    paragraph.text, block.tail = block.tail, None
    following = block.getnext()
    while following is not None and isinstance(following.tag, str) and following.tag in _INLINE_TAGS:
        after = following.getnext()
        paragraph.append(following)  # moves it (with its tail) into the paragraph
        following = after
    block.addnext(paragraph)
