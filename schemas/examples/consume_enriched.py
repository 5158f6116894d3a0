"""A downstream consumer: subscribe to enriched articles and print one line per article.

Needs only `pip install ./schemas aiokafka` (newsflow-schemas depends on pydantic alone):

    python schemas/examples/consume_enriched.py --bootstrap 127.0.0.1:9092 --group my-app

Events that cannot be read (a newer major version, bad bytes) are reported and skipped: a real consumer
would dead-letter them. Offsets are committed after each printed batch.
"""

from __future__ import annotations

import argparse
import asyncio

from aiokafka import AIOKafkaConsumer

from newsflow_schemas import ARTICLES_ENRICHED, DecodeError, EnrichedArticle, decode, topic_name


def describe(article: EnrichedArticle) -> str:
    published = article.published.utc.date().isoformat() if article.published else "undated"
    people = ", ".join(e.name for e in article.entities if e.label == "person")[:80]
    return f"{published} [{article.language.code}] {article.source.name}: {article.title} | {people}"


async def consume(bootstrap: str, group: str, prefix: str, max_messages: int | None) -> None:
    consumer = AIOKafkaConsumer(topic_name(ARTICLES_ENRICHED, prefix), bootstrap_servers=bootstrap, group_id=group,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    seen = 0
    try:
        async for record in consumer:
            try:
                article = decode(record.value, record.headers, expect=EnrichedArticle)
                print(describe(article), flush=True)
            except DecodeError as exc:
                print(f"skipped offset {record.partition}:{record.offset}: {exc.kind}: {exc}", flush=True)
            await consumer.commit()
            seen += 1
            if max_messages is not None and seen >= max_messages:
                break
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--group", default="enriched-printer")
    parser.add_argument("--topic-prefix", default="", help="the deployment's NEWSFLOW_TOPIC_PREFIX")
    parser.add_argument("--max-messages", type=int, default=None, help="stop after this many (default: run on)")
    args = parser.parse_args()
    asyncio.run(consume(args.bootstrap, args.group, args.topic_prefix, args.max_messages))


if __name__ == "__main__":
    main()
