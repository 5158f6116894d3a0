"""The composition root: which service each stage runs, built from settings. `newsflow serve`, the embedded
pipeline (`infra/embedded/pipeline.py`) and the benchmarks all start stages through this one map.

Each builder imports its service only when called, so that serving fetch never loads spaCy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from newsflow.common.lifecycle import Service
from newsflow.common.settings import Settings
from newsflow_schemas import Stage


def _fetch(settings: Settings) -> Service:
    from newsflow.fetch.service import build

    return build(settings)


def _parse(settings: Settings) -> Service:
    from newsflow.parse.service import build

    return build(settings)


def _enrich(settings: Settings) -> Service:
    from newsflow.enrich.service import build

    return build(settings)


def _index(settings: Settings) -> Service:
    from newsflow.index.service import build

    return build(settings)


BUILDERS: dict[Stage, Callable[[Settings], Service]] = {
    Stage.FETCH: _fetch, Stage.PARSE: _parse, Stage.ENRICH: _enrich, Stage.INDEX: _index,
}
#: the stages in pipeline order, as `newsflow serve` names them
STAGE_NAMES = tuple(str(stage) for stage in BUILDERS)


async def run_stage(stage: Stage, settings: Settings, stop: asyncio.Event) -> None:
    """Build the stage's service and run it until `stop` is set."""
    await BUILDERS[stage](settings).run(stop)
