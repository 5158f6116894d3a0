"""Clean author bylines into a list of names: no "By", no dates, no e-mails or URLs, no roles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PREFIX = re.compile(
    r"^\s*(?:by|von|par|por|av|af|door|przez|від|от|written by|text|texto|texte|autor(?:in)?|author|"
    r"reporting by|ein (?:kommentar|gastbeitrag) von)\s*[:\-]?\s+", re.IGNORECASE)
_INNER_PREFIX = re.compile(r"^.*?\b(?:Von|By|Par|Por|Door)\s+(?=\S)")  # "Capital Von Jemima Kelly"; not "von der"
# one-letter conjunctions (y, e, i) only in lower case and not as an initial: "Sarah E. Needleman" is one name
_SPLIT = re.compile(r"\s*(?:,|;|\||/|&|\b(?i:and|und|et|og|och)\b|\b[yei]\b(?!\.))\s*")
_NOISE = re.compile(r"(https?://\S+|\S+@\S+|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|\(.*?\))")
# placeholders, not bylines: dropped unless they are the whole byline (agencies such as AFP are real bylines)
_GENERIC = {"staff", "admin", "administrator", "editor", "newsroom", "web desk", "news desk", "user", "guest"}
_MAX_NAME_WORDS = 6


def clean_authors(raw: Iterable[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for value in raw:
        for part in _SPLIT.split(_NOISE.sub(" ", _PREFIX.sub("", value or ""))):
            name = _INNER_PREFIX.sub("", _PREFIX.sub("", part)).strip(" .-–—:·•\u00a0")
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


def names_from_json_ld(value: Any, people_only: bool = False) -> list[str]:
    """JSON-LD authors: a string, an object with a name, or a list of either. With people_only, objects typed
    as an organisation are left out (sites often name themselves as the author)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        kind = value.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if people_only and any(str(k).lower() in ("organization", "newsmediaorganization") for k in kinds):
            return []
        name = value.get("name")
        return [name] if isinstance(name, str) else names_from_json_ld(name, people_only)
    if isinstance(value, list):
        return [n for item in value for n in names_from_json_ld(item, people_only)]
    return []


def json_ld_byline(value: Any) -> list[str]:
    """The JSON-LD authors when they name at least one person, with the organisations listed beside them (an
    agency credited with the reporter: 'Jane Doe', 'SDA'); nothing when only organisations are named."""
    return names_from_json_ld(value) if names_from_json_ld(value, people_only=True) else []


def is_site_name(name: str, site_names: Iterable[str]) -> bool:
    """Whether an 'author' is really the site or publisher (e.g. 'STERN.de' on stern.de)."""
    key = _squash(name)
    return bool(key) and any(key in _squash(site) or _squash(site) in key for site in site_names if _squash(site))


def _squash(text: str) -> str:
    return re.sub(r"\W+|\b(www|de|com|net|org|co|uk|news|nachrichten|the)\b", "", text.casefold())
