"""CPU work that can run away, in a child process under a time limit: a call over the limit kills the child, and
its memory goes with it (a thread cannot be stopped, and kept both its CPU and its memory: a 1e6-<br> page ran
on for 95 s and left 823 MB behind). The next call starts a fresh child, so a message waiting behind a slow one
is never charged for its time.

    worker = IsolatedWorker(parse, timeout_s=30, name="parse", max_memory_bytes=2 << 30)
    result = await worker.call(raw, now)       # raises WorkTimeout or WorkerDied; the function's own errors pass

Calls run one at a time, in order (one child per worker; partitions take turns); an `IsolatedPool` of several
workers runs calls made at once on as many cores. The child is started from a clean fork server with `preload`
imported once, so a restart costs milliseconds, not an import.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
import resource
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import structlog

log = structlog.get_logger()
STARTUP_TIMEOUT_S = 120.0  # a child (and, the first time, the fork server with its imports) that takes longer is broken


class WorkTimeout(Exception):
    """The call ran over its time limit; the child doing it was killed."""


class WorkerDied(Exception):
    """The child ended without answering (killed, out of memory, or aborted by native code)."""


class RemoteError(Exception):
    """An exception raised in the child that could not be sent back as itself (not picklable)."""


class IsolatedWorker:
    def __init__(self, function: Callable[..., Any], *, timeout_s: float, name: str,
                 preload: Sequence[str] = (), max_memory_bytes: int | None = None) -> None:
        self.function, self.timeout_s, self.name = function, timeout_s, name
        self.max_memory_bytes = max_memory_bytes
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["newsflow.common.isolated", *preload])
        self._child: BaseProcess | None = None
        self._conn: Connection | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-io")
        self.restarts = 0
        self._turn = asyncio.Lock()

    async def call(self, *args: Any) -> Any:
        """Run the function in the child; calls from several tasks wait their turn, and the time limit starts when
        a call's turn comes."""
        async with self._turn:
            return await self._call(args)

    async def _call(self, args: tuple[Any, ...]) -> Any:
        conn = await self._ready_connection()
        exchange = asyncio.get_running_loop().run_in_executor(self._io, _exchange, conn, args)
        try:
            status, value = await asyncio.wait_for(asyncio.shield(exchange), timeout=self.timeout_s)
        except TimeoutError as exc:
            self._kill("time limit")
            await asyncio.gather(exchange, return_exceptions=True)  # the pipe closed: the I/O thread is free
            raise WorkTimeout(f"{self.name} took longer than {self.timeout_s:g} s; stopped") from exc
        except (EOFError, OSError) as exc:
            if self._child is not None:
                self._child.join(timeout=1)  # it is exiting: its exit code says how
            code = self._child.exitcode if self._child else None
            self._kill("died")
            raise WorkerDied(f"the {self.name} process ended without an answer (exit code {code})") from exc
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        self._kill("closed")
        self._io.shutdown(wait=False)

    async def _ready_connection(self) -> Connection:
        """The pipe to a child that is ready. A new child is waited for first, outside the call's time limit: the
        first child of a service also starts the fork server, which imports `preload` (seconds on a busy machine),
        and a message must not be charged for that."""
        if self._child is not None and self._child.is_alive() and self._conn is not None:
            return self._conn
        self._kill("restart")
        parent, child = self._context.Pipe()
        self._child = self._context.Process(target=_serve, args=(child, self.function, self.max_memory_bytes),
                                            name=f"newsflow-{self.name}", daemon=True)
        self._child.start()
        child.close()
        self._conn = parent
        started = asyncio.get_running_loop().run_in_executor(self._io, parent.recv)  # the child's "ready"
        try:
            await asyncio.wait_for(asyncio.shield(started), timeout=STARTUP_TIMEOUT_S)
        except (TimeoutError, EOFError, OSError) as exc:
            self._kill("start-up")
            await asyncio.gather(started, return_exceptions=True)  # the pipe closed: the I/O thread is free
            why = "ended while starting" if isinstance(exc, EOFError | OSError) else \
                f"did not start within {STARTUP_TIMEOUT_S:g} s"
            raise WorkerDied(f"the {self.name} process {why}") from exc
        return parent

    def _kill(self, why: str) -> None:
        if self._child is not None:
            if self._child.is_alive():
                self._child.kill()
                self.restarts += 1
                log.warning("isolated worker stopped", worker=self.name, why=why, restarts=self.restarts)
            self._child.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._child, self._conn = None, None


class IsolatedPool:
    """Several isolated workers of one function: a call takes whichever is free, so the CPU work of calls made
    at once (by the tasks of different partitions) runs on as many cores as there are workers. Calls of one
    partition still come one at a time (its task awaits each), so its order is kept.

    Each worker is a child process of its own, with its own copy of what the function loads (the enrich models:
    memory grows with `size`)."""

    def __init__(self, function: Callable[..., Any], *, size: int, timeout_s: float, name: str,
                 preload: Sequence[str] = (), max_memory_bytes: int | None = None) -> None:
        self.workers = [IsolatedWorker(function, timeout_s=timeout_s, name=f"{name}-{n}" if size > 1 else name,
                                       preload=preload, max_memory_bytes=max_memory_bytes) for n in range(size)]
        self._idle: asyncio.Queue[IsolatedWorker] = asyncio.Queue()
        for worker in self.workers:
            self._idle.put_nowait(worker)

    async def call(self, *args: Any) -> Any:
        worker = await self._idle.get()
        try:
            return await worker.call(*args)
        finally:
            self._idle.put_nowait(worker)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


def _exchange(conn: Connection, args: tuple[Any, ...]) -> tuple[str, Any]:
    conn.send(args)
    answer: tuple[str, Any] = conn.recv()
    return answer


def _serve(conn: Connection, function: Callable[..., Any], max_memory_bytes: int | None) -> None:
    """The child's loop: one call at a time until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal reaches the parent, which stops us
    if max_memory_bytes:  # an allocation beyond it raises MemoryError here instead of swapping the machine
        resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    conn.send(("ready", None))
    while True:
        try:
            args = conn.recv()
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("ok", function(*args))
        except BaseException as exc:  # the parent decides; a native panic is a BaseException
            answer = ("error", exc)
        try:
            conn.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            error = answer[1]
            conn.send(("error", RemoteError(f"{type(error).__name__}: {error}")))
