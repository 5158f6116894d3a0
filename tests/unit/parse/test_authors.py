"""Bylines into names: prefixes, dates and roles go; the site naming itself is not a person."""

from __future__ import annotations

import pytest

from newsflow.parse.authors import clean_authors, is_site_name, json_ld_byline, names_from_json_ld

PERSON = {"@type": "Person", "name": "Jane Doe"}
AGENCY = {"@type": "Organization", "name": "SDA"}


@pytest.mark.parametrize(("raw", "expected"), [
    (["By Jane Doe and Ahmed Khan"], ["Jane Doe", "Ahmed Khan"]),
    (["Von Jane Doe, 03.05.2024 15:45"], ["Jane Doe"]),
    (["Staff", "Jane Doe"], ["Jane Doe"]),
    (["Staff"], ["Staff"]),  # the whole byline: kept
    (["jane@example.org", "https://example.org/jane"], []),
])
def test_bylines_are_cleaned_into_names(raw: list[str], expected: list[str]):
    assert clean_authors(raw) == expected


def test_organisations_count_only_beside_a_person_in_json_ld():
    assert json_ld_byline([PERSON, AGENCY]) == ["Jane Doe", "SDA"]
    assert json_ld_byline(AGENCY) == [] and json_ld_byline([AGENCY]) == []
    assert names_from_json_ld([AGENCY, [PERSON]], people_only=True) == ["Jane Doe"]


def test_the_site_naming_itself_is_recognised():
    assert is_site_name("STERN.de", ["stern.de"]) and is_site_name("The Gazette", ["www.gazette.com"])
    assert not is_site_name("Jane Doe", ["The Gazette", "gazette.com"])


def test_a_middle_initial_is_part_of_the_name_not_a_conjunction():
    assert clean_authors(["Sarah E. Needleman"]) == ["Sarah E. Needleman"]
    assert clean_authors(["By Sarah E. Needleman and John Q. Public"]) == ["Sarah E. Needleman", "John Q. Public"]
    assert clean_authors(["Maria Rossi e Luca Bianchi"]) == ["Maria Rossi", "Luca Bianchi"]  # Italian "and"
