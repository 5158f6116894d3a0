"""Entry point of the index service (`newsflow serve index`): runs the sink until SIGTERM or SIGINT."""

from __future__ import annotations

from functools import partial

from newsflow.common.lifecycle import run_until_signalled
from newsflow.common.settings import Settings
from newsflow.index.sink import run_index_service


def main(settings: Settings) -> None:
    run_until_signalled(partial(run_index_service, settings))
