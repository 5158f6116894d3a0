"""The composition root: which service each stage runs, built from settings. `newsflow serve`, the embedded
pipeline (`infra/embedded/pipeline.py`) and the benchmarks all start stages through this one map. Each part owns
its settings; here they are read (from the `NEWSFLOW_*` variables) and handed to the part that needs them.

Each builder imports its service only when called, so that serving fetch never loads spaCy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from newsflow.common.lifecycle import Service
from newsflow.common.settings import PartSettings, Settings
from newsflow.enrich.settings import EnrichSettings
from newsflow.fetch.settings import FetchSettings
from newsflow.index.settings import IndexSettings
from newsflow.parse.settings import ParseSettings
from newsflow_schemas import Stage

#: each stage's own settings (enrich's and index's extend the search engine's); with the shared `Settings`
#: they are the whole configuration
STAGE_SETTINGS: dict[Stage, type[PartSettings]] = {
    Stage.FETCH: FetchSettings, Stage.PARSE: ParseSettings, Stage.ENRICH: EnrichSettings, Stage.INDEX: IndexSettings,
}


def masked_settings() -> dict[str, object]:
    """Every effective setting of every part, secrets masked, for printing."""
    parts: list[type[PartSettings]] = [Settings, *STAGE_SETTINGS.values()]
    return {name: value for part in parts for name, value in part().masked().items()}


def _fetch(settings: Settings, own: Any) -> Service:
    from newsflow.fetch.service import build

    return build(settings, own)


def _parse(settings: Settings, own: Any) -> Service:
    from newsflow.parse.service import build

    return build(settings, own)


def _enrich(settings: Settings, own: Any) -> Service:
    from newsflow.enrich.service import build

    return build(settings, own)


def _index(settings: Settings, own: Any) -> Service:
    from newsflow.index.service import build

    return build(settings, own)


BUILDERS: dict[Stage, Callable[[Settings, Any], Service]] = {
    Stage.FETCH: _fetch, Stage.PARSE: _parse, Stage.ENRICH: _enrich, Stage.INDEX: _index,
}
#: the stages in pipeline order, as `newsflow serve` names them
STAGE_NAMES = tuple(str(stage) for stage in BUILDERS)


async def run_stage(stage: Stage, settings: Settings, stop: asyncio.Event, own: PartSettings | None = None) -> None:
    """Build the stage's service and run it until `stop` is set; its own settings are read from the environment
    unless given."""
    own = own if own is not None else STAGE_SETTINGS[stage]()
    if not isinstance(own, STAGE_SETTINGS[stage]):
        raise TypeError(f"the {stage} stage takes {STAGE_SETTINGS[stage].__name__}, not {type(own).__name__}")
    await BUILDERS[stage](settings, own).run(stop)
