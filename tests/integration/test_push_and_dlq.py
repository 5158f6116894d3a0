"""`newsflow push` and `newsflow dlq list|show|replay` against the real broker."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from typer.testing import CliRunner

from newsflow.cli import app
from newsflow.common.outcomes import Outcome
from newsflow.common.routing import Incoming, dead_letter_for
from newsflow_schemas import ARTICLES_RAW, Stage, article_id_for_text, dead_letter_topic, decode, encode
from tests.conftest import SEED
from tests.integration.kafka_helpers import produce, read
from tests.unit.parse.conftest import raw_html


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_push_makes_the_seed_a_raw_document_with_the_contract_id(pipeline_topics, monkeypatch, tmp_path):
    settings = pipeline_topics
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    result = _cli("push", str(SEED), "--source", "RT")
    assert result.exit_code == 0, result.output
    (record,) = asyncio.run(read(settings, settings.topic_prefix + ARTICLES_RAW.name, 1))
    document = decode(record.value, record.headers)
    expected = article_id_for_text("RT", "NATO chief refutes Macron comment", date(2024, 3, 12))
    assert document.article_id == expected == record.key.decode()
    assert dict(record.headers)["schema"] == b"newsflow.article.raw" and document.body == SEED.read_text()

    undated = tmp_path / "undated.txt"
    undated.write_text("A headline\n\n" + "A paragraph of text that says something about the world today. " * 5)
    refused = _cli("push", str(undated), "--source", "RT")
    assert refused.exit_code == 1 and "no stable id" in refused.output


def test_dead_letters_are_listed_shown_and_replayed(pipeline_topics, monkeypatch):
    settings = pipeline_topics
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    fixed = raw_html(b"<html><body><p>now fixed</p></body></html>")
    value, headers = encode(fixed)
    message = Incoming(topic=settings.topic_prefix + ARTICLES_RAW.name, partition=2, offset=41,
                       key=fixed.article_id.encode(), value=value, headers=headers)
    letter = dead_letter_for(message, Stage.PARSE, Outcome.POISON, "UnparseableError", "the body is a PDF")
    asyncio.run(produce(settings, dead_letter_topic(Stage.PARSE, settings.topic_prefix),
                        [(message.key, *encode(letter))]))

    listed = _cli("dlq", "list", "--stage", "parse")
    assert listed.exit_code == 0 and "1 dead letter(s) of the parse stage" in listed.output
    assert "0:0" in listed.output and "PDF" in listed.output  # (the table wraps the reason in 80 columns)
    shown = _cli("dlq", "show", "--stage", "parse", "0:0")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["original"]["value"]["article_id"] == fixed.article_id

    replayed = _cli("dlq", "replay", "--stage", "parse", "0:0")
    assert replayed.exit_code == 0, replayed.output
    (record,) = asyncio.run(read(settings, settings.topic_prefix + ARTICLES_RAW.name, 1))
    assert record.value == value and record.key == fixed.article_id.encode()
    assert dict(record.headers)["newsflow-replay-of"].endswith(b":0:0")
