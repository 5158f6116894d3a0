"""The documented downstream consumer reads enriched events from a real topic using only the schemas package."""

from __future__ import annotations

import subprocess
import sys

from aiokafka import AIOKafkaProducer

from newsflow.common.kafka import producer_options
from newsflow_schemas import ARTICLES_ENRICHED, decode, encode, topic_name
from tests.conftest import REPO
from tests.unit.schemas.conftest import EXAMPLES


async def test_consumer_example_prints_one_line_per_article_and_skips_bad_bytes(pipeline_topics):
    settings = pipeline_topics
    topic = topic_name(ARTICLES_ENRICHED, settings.topic_prefix)
    article = decode(next(p for p in EXAMPLES if "enriched" in str(p)).read_bytes())
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        value, headers = encode(article)
        await producer.send_and_wait(topic, value, key=article.article_id.encode(), headers=headers, partition=0)
        await producer.send_and_wait(topic, b"not json", key=b"poison", partition=0)
    finally:
        await producer.stop()

    proc = subprocess.run(
        [sys.executable, str(REPO / "schemas/examples/consume_enriched.py"), "--bootstrap", settings.kafka_bootstrap,
         "--topic-prefix", settings.topic_prefix, "--group", f"{topic}-printer", "--max-messages", "2"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "2024-03-12 [en] RT: NATO chief refutes Macron comment | Jens Stoltenberg"
    assert lines[1].startswith("skipped offset 0:1: not_json")
