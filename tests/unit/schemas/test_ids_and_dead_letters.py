from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from newsflow_schemas import (
    DeadLetter,
    IdentityError,
    SourcePosition,
    article_id_for_text,
    article_id_for_url,
    decode,
    encode,
    normalise_title,
    original_message,
    revision_at,
)


def test_url_id_is_the_sha256_of_the_canonical_url():
    url = "https://example.org/world/story.html"
    assert article_id_for_url(url) == hashlib.sha256(url.encode()).hexdigest()
    with pytest.raises(IdentityError):
        article_id_for_url("example.org/story")


def test_text_id_is_stable_across_title_spacing_case_and_time_of_day():
    a = article_id_for_text("RT", "NATO chief refutes Macron comment", datetime(2024, 3, 12, 6, 39, tzinfo=UTC))
    b = article_id_for_text(" RT ", "NATO  chief refutes MACRON comment!", date(2024, 3, 12))
    expected = hashlib.sha256(b"urn:newsflow:RT:nato chief refutes macron comment:2024-03-12").hexdigest()
    assert a == b == expected
    assert article_id_for_text("RT", "NATO chief refutes Macron comment", date(2024, 3, 13)) != a


def test_text_without_source_or_title_gets_no_id():
    with pytest.raises(IdentityError, match="needs a source and a title"):
        article_id_for_text("", "Title", date(2024, 3, 12))
    with pytest.raises(IdentityError):
        article_id_for_text("RT", " … ", date(2024, 3, 12))


def test_normalised_title_folds_width_case_and_punctuation():
    assert normalise_title("ＮＡＴＯ chief — refutes “Macron”") == "nato chief refutes macron"


def test_revision_is_epoch_milliseconds_of_an_aware_instant():
    assert revision_at(datetime(2024, 3, 12, 6, 39, 0, 250000, tzinfo=UTC)) == 1710225540250
    with pytest.raises(ValueError):
        revision_at(datetime(2024, 3, 12))


def test_dead_letter_keeps_the_original_bytes_and_round_trips():
    value = b"\x00\xffbinary garbage"
    now = datetime(2024, 3, 12, tzinfo=UTC)
    letter = DeadLetter(stage="parse", outcome="poison", error_type="DecodeError", reason="payload is not JSON",
                        attempts=1, first_failed_at=now, last_failed_at=now, ingested_at=now,
                        source=SourcePosition(topic="newsflow.articles.raw.v1", partition=0, offset=7),
                        original=original_message(value, {"schema": "newsflow.article.raw"}))
    again = decode(*encode(letter))
    assert again.original.value() == value and not again.original.truncated
    assert again.original.sha256 == hashlib.sha256(value).hexdigest() and again.original.size == len(value)


def test_dead_letter_truncates_beyond_the_limit_and_says_so():
    value = b"x" * 5000
    original = original_message(value, max_bytes=1000)
    assert original.truncated and original.size == 5000 and len(original.value()) == 1000
    assert original.sha256 == hashlib.sha256(value).hexdigest()  # of the whole original, to match a replay
