"""CPU work in a child process under a time limit: results and errors come back, a call over the limit is
stopped (the child killed, its memory freed), and the next call runs in a fresh child with the whole limit."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from newsflow.common.isolated import IsolatedPool, IsolatedWorker, RemoteError, WorkerDied, WorkTimeout


def work(kind: str, value: int | str = 0) -> object:
    if kind == "sleep":
        time.sleep(value)
    elif kind == "raise":
        raise ValueError(f"bad input {value}")
    elif kind == "exit":
        os._exit(value)
    elif kind == "panic":
        import yake_rust  # its tokenizer panics on a 100,000-character token: a pyo3 PanicException

        yake_rust.Yake(language="en", ngrams=2).get_n_best("T" * 100_000, n=3)
    elif kind == "unpicklable":
        class LocalError(Exception):  # a class defined in a function cannot be pickled
            pass

        raise LocalError("made inside the function")
    elif kind == "allocate":
        return len(bytearray(value))
    elif kind == "meet":  # wait (up to 20 s) for a second call in the folder `value`: only calls at once meet
        return _meet(str(value))
    return ("pid", os.getpid())


def _meet(folder: str) -> bool:
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, str(os.getpid())), "w").close()
    for _ in range(400):
        if len(os.listdir(folder)) >= 2:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def worker():
    isolated = IsolatedWorker(work, timeout_s=2, name="test", max_memory_bytes=1 << 30)
    yield isolated
    isolated.close()


async def test_results_and_the_functions_own_errors_come_back(worker):
    kind, pid = await worker.call("pid")
    assert kind == "pid" and pid != os.getpid()
    with pytest.raises(ValueError, match="bad input 7"):
        await worker.call("raise", 7)
    assert (await worker.call("pid"))[1] == pid  # the same child serves call after call


async def test_a_call_over_the_limit_is_stopped_and_the_next_one_runs_in_a_fresh_child(worker):
    _, first = await worker.call("pid")
    with pytest.raises(WorkTimeout, match="test took longer than 2 s"):
        await worker.call("sleep", 60)
    assert not os.path.exists(f"/proc/{first}")  # killed: nothing of it (CPU, memory) is left
    _, second = await worker.call("pid")
    assert second != first and worker.restarts == 1


async def test_a_native_panic_is_an_error_not_a_crash(worker):
    with pytest.raises(BaseException, match="BacktrackLimitExceeded") as caught:
        await worker.call("panic")
    assert not isinstance(caught.value, (WorkerDied, WorkTimeout))
    assert (await worker.call("pid"))[0] == "pid"


async def test_a_child_that_dies_is_reported_and_replaced(worker):
    with pytest.raises(WorkerDied, match="exit code 3"):
        await worker.call("exit", 3)
    assert (await worker.call("pid"))[0] == "pid"


async def test_memory_beyond_the_limit_is_a_memory_error_in_the_child(worker):
    with pytest.raises(MemoryError):
        await worker.call("allocate", 2 << 30)
    assert await worker.call("allocate", 1 << 20) == 1 << 20


async def test_an_error_that_cannot_be_pickled_comes_back_described(worker):
    with pytest.raises(RemoteError, match="LocalError: made inside the function"):
        await worker.call("unpicklable")


async def test_a_pool_runs_calls_made_at_once_in_as_many_children(tmp_path):
    first, second = str(tmp_path / "first"), str(tmp_path / "second")
    pool = IsolatedPool(work, size=2, timeout_s=30, name="test-pool")
    try:
        assert await asyncio.gather(pool.call("meet", first), pool.call("meet", first)) == [True, True]
        pids = {pid for _, pid in await asyncio.gather(*(pool.call("pid") for _ in range(6)))}
        assert len(pids) == 2 and os.getpid() not in pids
        with pytest.raises(ValueError, match="bad input 3"):
            await pool.call("raise", 3)  # an error frees its worker: the pool still has both
        assert await asyncio.gather(pool.call("meet", second), pool.call("meet", second)) == [True, True]
    finally:
        pool.close()


async def test_a_slow_start_is_not_charged_to_the_first_call():
    from tests.unit.common import slow_start  # imports in 2 s, here and in each new child

    isolated = IsolatedWorker(slow_start.pid, timeout_s=slow_start.IMPORT_S / 2, name="slow")
    try:
        assert await isolated.call() != os.getpid()  # the child's start is waited for outside the call's limit
        assert isolated.restarts == 0
    finally:
        isolated.close()
