"""Health turns red, naming the partition, when a partition's worker dies: a stall must never look healthy."""

from __future__ import annotations

import asyncio

import httpx
from aiokafka import TopicPartition

from newsflow.common import ops
from newsflow.common.partitioned import PartitionedWorker
from newsflow.common.settings import Settings
from newsflow_schemas import Stage
from tests.fetch_server import free_port


async def test_a_partition_worker_that_dies_turns_readiness_red_with_the_reason(monkeypatch):
    monkeypatch.setattr(ops, "STALLED", {})
    monkeypatch.setattr(ops, "READY", type(ops.READY)())
    ops.READY.set()
    settings = Settings(ops_port=free_port())
    server = ops.start_ops_server("fetch", settings)

    async def broken(message):
        raise RuntimeError("a bug outside route")

    worker = PartitionedWorker(settings, Stage.FETCH, "t", broken)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.ops_port}") as client:
            assert (await client.get("/health/ready")).status_code == 200
            tp = TopicPartition("t", 3)
            queue = worker._queue(tp)
            queue.put_nowait(type("Record", (), {"topic": "t", "partition": 3, "offset": 0, "key": None,
                                                 "value": b"{}", "headers": [], "timestamp": 0})())
            await asyncio.gather(worker.tasks[tp], return_exceptions=True)
            await asyncio.sleep(0)  # the done callback runs on the next loop iteration
            answer = await client.get("/health/ready")
        assert answer.status_code == 503
        assert "stalled: fetch partition 3: RuntimeError('a bug outside route')" in answer.text
    finally:
        server.shutdown()
