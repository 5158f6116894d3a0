"""Health turns red, naming the partition, when a partition's worker dies: a stall must never look healthy."""

from __future__ import annotations

import asyncio

import httpx
from aiokafka import TopicPartition

from newsflow.common import ops
from newsflow.common.runner import Runner
from newsflow.common.settings import Settings
from newsflow_schemas import FETCH_REQUESTS, Stage
from tests.fetch_server import free_port


async def test_a_partition_worker_that_dies_turns_readiness_red_with_the_reason(monkeypatch):
    monkeypatch.setattr(ops, "STALLED", {})
    monkeypatch.setattr(ops, "READY", type(ops.READY)())
    ops.READY.set()
    settings = Settings(ops_port=free_port())
    server = ops.start_ops_server("fetch", settings)

    async def broken(messages):
        raise RuntimeError("a bug outside route")

    async def claimed(tp):  # no broker here: the partition is ours, committed up to offset 0
        return 0

    worker = Runner(settings, Stage.FETCH, FETCH_REQUESTS, broken)
    monkeypatch.setattr(worker.transactions, "claim", claimed)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.ops_port}") as client:
            assert (await client.get("/health/ready")).status_code == 200
            tp = TopicPartition("t", 3)
            await worker.on_partitions_assigned([tp])
            await asyncio.sleep(0.2)  # the partition's task claims it (and empties its queue) before it takes
            worker.queues[tp].put_nowait(type("Record", (), {"topic": "t", "partition": 3, "offset": 0, "key": None,
                                                 "value": b"{}", "headers": [], "timestamp": 0})())
            await asyncio.gather(worker.tasks[tp], return_exceptions=True)
            await asyncio.sleep(0)  # the done callback runs on the next loop iteration
            answer = await client.get("/health/ready")
        assert answer.status_code == 503
        assert "stalled: fetch partition 3: RuntimeError('a bug outside route')" in answer.text
    finally:
        server.shutdown()
