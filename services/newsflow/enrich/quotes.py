"""Direct quotations and their speakers: a quoted passage followed (or preceded) by an attribution verb —
“…,” he stated / “…,” he was cited as saying / X said: “…”. A pronoun speaker is resolved to the nearest person
mentioned before the quote; the speaker is linked to that person's canonical entity."""

from __future__ import annotations

import re

from newsflow.enrich.entities import mentions_by_label
from newsflow_schemas import Entity, Quote

_QUOTED = re.compile(r"[“\"«„]([^“”\"«»„]{12,}?)[”\"»“]")
_VERBS = (r"said|says|stated|states|added|adds|told|insisted|insists|wrote|writes|noted|explained|warned|"
          r"argued|claimed|declared|stressed|emphasised|emphasized|continued|asked|replied|"
          r"(?:was|were)\s+(?:cited|quoted)\s+as\s+saying")
_SPEAKER = r"(he|she|they|[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){0,3})"
_AFTER = re.compile(rf"^\s*,?\s*{_SPEAKER}\s+(?:{_VERBS})\b|^\s*,?\s*(?:{_VERBS})\s+{_SPEAKER}")
_BEFORE = re.compile(rf"{_SPEAKER}\s+(?:{_VERBS})\s*[:,]\s*$")
_PRONOUNS = {"he", "she", "they"}
_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")


def _mention_end(entity: Entity, start: int) -> int:
    return next(m.end for m in entity.mentions if m.start == start)
MIN_WORDS = 3


def find_quotes(text: str, entities: list[Entity]) -> list[Quote]:
    # a possessive mention ("Macron's statement") is almost never the one a pronoun refers back to
    persons = [(start, entity) for start, entity in mentions_by_label(entities, "person")
               if not _POSSESSIVE_AFTER.match(text, _mention_end(entity, start))]
    quotes = []
    for match in _QUOTED.finditer(text):
        quoted = match.group(1).strip().rstrip(",")
        if len(quoted.split()) < MIN_WORDS:
            continue
        after = _AFTER.match(text[match.end():match.end() + 80])
        before = _BEFORE.search(text[max(0, match.start() - 80):match.start()])
        speaker = (after.group(1) or after.group(2)) if after else before.group(1) if before else None
        if speaker is None:
            continue
        entity = _resolve(speaker, match.start(), persons)
        quotes.append(Quote(text=quoted, speaker=speaker, speaker_entity=entity.name if entity else None,
                            start=match.start(1), end=match.start(1) + len(match.group(1).rstrip().rstrip(","))))
    return quotes


def _resolve(speaker: str, position: int, persons: list[tuple[int, Entity]]) -> Entity | None:
    if speaker.lower() in _PRONOUNS:
        before = [entity for start, entity in persons if start < position]
        return before[-1] if before else None
    for _, entity in persons:
        if speaker == entity.name or speaker.split()[-1] == entity.name.split()[-1]:
            return entity
    return None
