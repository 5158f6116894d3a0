"""Entry point of the index service (`newsflow serve index`): runs the sink until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal

from newsflow.common.settings import Settings
from newsflow.index.sink import run_index_service


def main(settings: Settings) -> None:
    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_index_service(settings, stop)

    asyncio.run(serve())
