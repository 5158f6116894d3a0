"""A test's own servers of the embedded stack (`infra/embedded/stack.py`), in a state folder and on ports of its
own, so that a test can stop and restart them without disturbing the suite's stack or a developer's. The
installed servers are shared with the suite's stack (NEWSFLOW_STACK_SERVERS_DIR): nothing is downloaded twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fetch_server import free_port


class PrivateStack:
    def __init__(self, state: Path, servers: str, shared_state: str | None = None) -> None:
        self.servers = servers
        self.env = {**os.environ, "NEWSFLOW_STATE_DIR": str(state),
                    "NEWSFLOW_STACK_SERVERS_DIR": str(Path(shared_state or REPO / ".state") / "servers"),
                    **{f"NEWSFLOW_STACK_{name}_PORT": str(free_port())
                       for name in ("KAFKA", "KAFKA_CONTROLLER", "OPENSEARCH", "ELASTICSEARCH")}}
        self.bootstrap = f"127.0.0.1:{self.env['NEWSFLOW_STACK_KAFKA_PORT']}"
        self.elasticsearch_url = f"http://127.0.0.1:{self.env['NEWSFLOW_STACK_ELASTICSEARCH_PORT']}"

    def run(self, command: str, only: str | None = None) -> str:
        """`stack.py COMMAND --only SERVERS` (all of this stack's servers unless `only`); returns its stdout."""
        return self._stack(command, "--only", only or self.servers)

    def start(self) -> dict:
        """Start (or reuse) every server of this stack; returns the endpoints `stack.py start --json` prints."""
        return json.loads(self._stack("start", "--json", "--only", self.servers).strip().splitlines()[-1])

    def _stack(self, *args: str) -> str:
        proc = subprocess.run([sys.executable, str(REPO / "infra/embedded/stack.py"), *args], env=self.env,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            pytest.fail(f"stack.py {' '.join(args)} failed:\n{proc.stderr[-3000:]}", pytrace=False)
        return proc.stdout
