"""Named entities from spaCy, normalised per document: one canonical name per entity.

The small models make predictable mistakes; rules after the model fix them, generically:
- possessives and a leading "the" are stripped ("Macron's" -> "Macron");
- organisation spans joined by "for the"/"of the" are merged ("the Kiel Institute" + "the World Economy");
- a surname is folded into the full name mentioned in the same article ("Stoltenberg" -> "Jens Stoltenberg");
- a near-miss spelling of a known name is folded into it ("Marcon" beside "Macron", Damerau-Levenshtein 1);
- a name in the gazetteer of places is a location ("Kiev" is not a person); otherwise the majority label wins.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import jellyfish

from newsflow.enrich.places import is_place
from newsflow_schemas import Entity, Mention

LABELS = {"PERSON": "person", "PER": "person", "ORG": "organization", "GPE": "location", "LOC": "location",
          "FAC": "location", "NORP": "other", "EVENT": "other", "WORK_OF_ART": "other", "LAW": "other",
          "PRODUCT": "other", "LANGUAGE": "other", "MISC": "other"}
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_JOINERS = {" for the ", " of the ", " for ", " of ", " on ", " and the "}


@dataclass
class Span:
    text: str
    label: str
    start: int
    end: int


@dataclass
class _Group:
    name: str
    spans: list[Span] = field(default_factory=list)


def clean_spans(raw: list[Span], text: str) -> list[Span]:
    """Drop labels that are not named entities, strip possessives and a leading 'the', merge split names."""
    spans = []
    for span in raw:
        if span.label not in LABELS:
            continue
        start, end, value = span.start, span.end, span.text
        if value.lower().startswith("the "):
            start, value = start + 4, value[4:]
        stripped = _POSSESSIVE.sub("", value)
        end -= len(value) - len(stripped)
        if stripped.strip():
            spans.append(Span(stripped, LABELS[span.label], start, end))
    return _merge_joined(spans, text)


def _merge_joined(spans: list[Span], text: str) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        previous = merged[-1] if merged else None
        gap = text[previous.end:span.start].lower() if previous else ""
        if previous and previous.label == span.label == "organization" and gap in _JOINERS:
            merged[-1] = Span(text[previous.start:span.end], "organization", previous.start, span.end)
        else:
            merged.append(span)
    return merged


def normalise(spans: list[Span], text_length: int) -> list[Entity]:
    groups: dict[str, _Group] = {}
    for span in spans:
        groups.setdefault(span.text, _Group(span.text)).spans.append(span)
    _fold_surnames(groups)
    _fold_near_misses(groups)
    entities = [_entity(group, text_length) for group in groups.values()]
    return sorted(entities, key=lambda e: (-e.salience, e.name))


def _persons(groups: dict[str, _Group]) -> dict[str, str]:
    """Surname -> full name, for multi-word names tagged person most of the time."""
    surnames: dict[str, str] = {}
    for name, group in groups.items():
        labels = Counter(span.label for span in group.spans)
        if " " in name and labels.most_common(1)[0][0] == "person":
            surnames.setdefault(name.split()[-1], name)
    return surnames


def _fold_surnames(groups: dict[str, _Group]) -> None:
    surnames = _persons(groups)
    for name in list(groups):
        full = surnames.get(name)
        if full and full != name:
            groups[full].spans += [Span(s.text, "person", s.start, s.end) for s in groups.pop(name).spans]


def _fold_near_misses(groups: dict[str, _Group]) -> None:
    """A single word one edit away from a person's surname (or another, more frequent name) is a misspelling."""
    surnames = _persons(groups)
    for name in list(groups):
        if " " in name or len(name) < 5 or name not in groups:
            continue
        for surname, full in surnames.items():
            if surname != name and jellyfish.damerau_levenshtein_distance(name, surname) == 1:
                groups[full].spans += [Span(s.text, "person", s.start, s.end) for s in groups.pop(name).spans]
                break


def _entity(group: _Group, text_length: int) -> Entity:
    labels = Counter(span.label for span in group.spans)
    label = "location" if is_place(group.name) else labels.most_common(1)[0][0]
    if labels.get("person") and " " in group.name and not is_place(group.name):
        label = "person"
    first = min(span.start for span in group.spans)
    count = len(group.spans)
    # salience: frequent and early mentions matter most
    salience = min(1.0, 0.5 * min(count, 10) / 10 + 0.5 * (1 - first / max(text_length, 1)))
    mentions = [Mention(text=s.text, start=s.start, end=s.end) for s in sorted(group.spans, key=lambda s: s.start)]
    return Entity(name=group.name, label=label, mentions=mentions, count=count, salience=round(salience, 4))


def entity_index(entities: list[Entity]) -> dict[int, Entity]:
    """Start offset of each mention -> its entity (to resolve speakers and pronouns)."""
    index: dict[int, Entity] = {}
    for entity in entities:
        for mention in entity.mentions:
            index[mention.start] = entity
    return index


def mentions_by_label(entities: list[Entity], label: str) -> list[tuple[int, Entity]]:
    found = defaultdict(list)
    for entity in entities:
        if entity.label == label:
            for mention in entity.mentions:
                found[mention.start].append(entity)
    return sorted((start, items[0]) for start, items in found.items())
