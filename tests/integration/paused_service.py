"""`newsflow serve STAGE`, except that the worker stops in the middle of a transaction: after the outputs of its
NEWSFLOW_PAUSE_AFTER-th message are sent (and flushed to the broker) and before the transaction commits, it prints
"paused mid-transaction" and waits forever, for the test to kill it there.

    python tests/integration/paused_service.py parse      (NEWSFLOW_PAUSE_AFTER=3 in the environment)
"""

from __future__ import annotations

import asyncio
import os
import sys

from newsflow.common import transactions

_send = transactions.PartitionTransactions._send
sent = 0


async def send_then_pause(self, producer, item):  # type: ignore[no-untyped-def]
    global sent
    await _send(self, producer, item)
    sent += 1
    if sent == int(os.environ["NEWSFLOW_PAUSE_AFTER"]):
        await producer.flush()  # on the broker, inside the open transaction
        print("paused mid-transaction", flush=True)
        await asyncio.Event().wait()


transactions.PartitionTransactions._send = send_then_pause  # type: ignore[method-assign]

if __name__ == "__main__":
    from newsflow.cli import app

    app(["serve", sys.argv[1]])
