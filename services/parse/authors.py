"""Clean author bylines into a list of names: no "By", no dates, no e-mails or URLs, no roles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PREFIX = re.compile(
    r"^\s*(?:by|von|par|por|av|af|door|przez|від|от|written by|text|texto|texte|autor(?:in)?|author|"
    r"reporting by|ein (?:kommentar|gastbeitrag) von)\s*[:\-]?\s+", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|;|\||/|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bog\b|\boch\b|\bi\b)\s*",
                    re.IGNORECASE)
_NOISE = re.compile(r"(https?://\S+|\S+@\S+|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|\(.*?\))")
_GENERIC = {"staff", "editor", "editors", "redaktion", "newsroom", "admin", "desk", "news desk", "web desk",
            "reuters", "afp", "ap", "dpa", "apa", "ansa", "efe", "sda", "kna", "epd"}
_MAX_NAME_WORDS = 6


def clean_authors(raw: Iterable[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for value in raw:
        for part in _SPLIT.split(_NOISE.sub(" ", _PREFIX.sub("", value or ""))):
            name = _PREFIX.sub("", part).strip(" .-–—:·•\u00a0")
            key = name.casefold()
            if not name or key in seen or not _looks_like_name(name):
                continue
            seen.add(key)
            names.append(name)
    # "Staff" and agency names only when they are the whole byline
    real = [n for n in names if n.casefold() not in _GENERIC]
    return real or names


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return (0 < len(words) <= _MAX_NAME_WORDS and any(c.isalpha() for c in name)
            and not name.startswith(("http", "@")) and "<" not in name)


def names_from_json_ld(value: Any) -> list[str]:
    """JSON-LD authors: a string, an object with a name, or a list of either."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else names_from_json_ld(name)
    if isinstance(value, list):
        return [n for item in value for n in names_from_json_ld(item)]
    return []
