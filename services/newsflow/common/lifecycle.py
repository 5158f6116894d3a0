"""A built service, and running one in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import inspect
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

Closer = Callable[[], Awaitable[None] | None]


@dataclass(frozen=True)
class Service:
    """What a stage's builder returns: the work that runs until `stop` is set, and what to close afterwards
    (child processes, engine clients), in order, whatever way the work ended."""

    work: Callable[[asyncio.Event], Awaitable[None]]
    closers: Sequence[Closer] = ()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.work(stop)
        finally:
            for close in self.closers:
                result = close()
                if inspect.isawaitable(result):
                    await result


def run_until_signalled(service: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `service(stop)` on a new event loop; SIGTERM and SIGINT set `stop` for a clean shutdown."""

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await service(stop)

    asyncio.run(serve())
