"""Index management, idempotent at start-up: template, versioned physical index, read and write aliases.

    <prefix>-articles-<mapping hash>   the physical index (a new one when mappings or settings change)
    <prefix>-articles-write            the alias the index service writes to
    <prefix>-articles                  the alias searches and dashboards read

`migrate` moves to the current mapping without downtime: create the new index, copy the documents (external
versions: an older revision never overwrites a newer one), move the write alias, copy again what arrived in
between, then move the read alias.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from newsflow.index.mapping import article_mappings, mapping_hash
from newsflow.index.settings import IndexSettings
from newsflow.search import SearchEngine, SearchEngineError

log = structlog.get_logger()


@dataclass(frozen=True)
class IndexLayout:
    template: str
    pattern: str
    physical: str
    write_alias: str
    read_alias: str
    body: dict[str, Any]  # settings and mappings of the physical index


def layout(engine: SearchEngine, settings: IndexSettings) -> IndexLayout:
    index_settings = {"number_of_shards": settings.index_shards, "number_of_replicas": settings.index_replicas,
                      "refresh_interval": settings.index_refresh_interval,
                      **engine.index_settings(vectors=True)}
    mappings = article_mappings(engine.vector_mapping(settings.embedding_dims), engine.language_analysis)
    base = f"{settings.index_prefix}-articles"
    physical = f"{base}-v{mapping_hash(mappings, index_settings)}"
    return IndexLayout(template=base, pattern=f"{base}-v*", physical=physical,
                       write_alias=f"{base}-write", read_alias=base,
                       body={"settings": index_settings, "mappings": mappings})


async def ensure_index_setup(engine: SearchEngine, settings: IndexSettings) -> IndexLayout:
    """Template and aliases, created if missing; an index of an older mapping is kept (and reported)."""
    plan = layout(engine, settings)
    await engine.ensure_template(plan.template, {"index_patterns": [plan.pattern], "priority": 100,
                                                 "template": plan.body})
    current = await engine.aliases(plan.write_alias)
    if not current:
        await engine.ensure_index(plan.physical, plan.body)
        await engine.update_aliases([
            {"add": {"index": plan.physical, "alias": plan.write_alias, "is_write_index": True}},
            {"add": {"index": plan.physical, "alias": plan.read_alias}},
        ])
    elif current != [plan.physical]:
        log.warning("index mapping changed", writing_to=current, current_mapping=plan.physical,
                    action="run `newsflow index migrate` to reindex and swap the aliases")
    return plan


async def migrate(engine: SearchEngine, settings: IndexSettings) -> tuple[list[str], str, int]:
    """Move both aliases to an index of the current mapping; returns (old indices, new index, documents)."""
    plan = await ensure_index_setup(engine, settings)
    old = await engine.aliases(plan.write_alias)
    if old == [plan.physical]:
        return old, plan.physical, 0
    await engine.ensure_index(plan.physical, plan.body)
    copied = sum([await engine.copy_documents(index, plan.physical) for index in old])
    await engine.update_aliases([*({"remove": {"index": i, "alias": plan.write_alias}} for i in old),
                                 {"add": {"index": plan.physical, "alias": plan.write_alias, "is_write_index": True}}])
    copied += sum([await engine.copy_documents(index, plan.physical) for index in old])  # what arrived meanwhile
    await engine.update_aliases([*({"remove": {"index": i, "alias": plan.read_alias}} for i in old),
                                 {"add": {"index": plan.physical, "alias": plan.read_alias}}])
    return old, plan.physical, copied


async def remove_articles(engine: SearchEngine, settings: IndexSettings, article_ids: Sequence[str]) -> set[str]:
    """Delete the articles from every index behind the read alias (a migration may have left two); returns the
    ids that were there."""
    plan = layout(engine, settings)
    removed: set[str] = set()
    for index in await engine.aliases(plan.read_alias):
        results = await engine.bulk_delete(index, list(article_ids))
        refused = [r for r in results if r.outcome == "failed"]
        if refused:
            raise SearchEngineError(f"deleting {refused[0].id} from {index} failed: {refused[0].reason}",
                                    refused[0].status)
        removed |= {r.id for r in results if r.outcome == "written"}
    await engine.refresh(plan.read_alias)
    return removed
