"""How the page readers clean and compare text: whitespace collapsed for output, casefolded words for matching."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"\W+")
# how prose ends (with the full-width marks of CJK text); labels, headings and names do not
SENTENCE_END = re.compile(r"[.!?…:;»”\"')。！？）]$")


def clean_space(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def normalised(text: str) -> str:
    """Casefolded words joined by single spaces: 'Headline – Site!' and 'headline site' compare equal."""
    return _NON_WORD.sub(" ", text.casefold()).strip()
