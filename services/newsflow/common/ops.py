"""Operations endpoints of a service, on 127.0.0.1: liveness, readiness and Prometheus metrics.

    GET /health/live    200 while the process runs
    GET /health/ready   200 once the service consumes (503 before, and 503 naming the partition when one stalled)
    GET /metrics        Prometheus text format (messages by outcome, stage latency, retries, batch sizes, ...)

A small thread-based HTTP server, independent of the service's event loop (it answers while a stage's step
holds the loop), started by `newsflow serve`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from newsflow.common.settings import Settings
from newsflow_schemas import Stage

#: set by the service once it consumes; one service per process, so one flag per process
READY = threading.Event()
#: what can no longer make progress in this process (a partition's worker that died): health turns red
STALLED: dict[str, str] = {}


def mark_stalled(what: str, reason: str) -> None:
    """Something cannot progress any more (restart the service): /health/ready answers 503 with the reason."""
    STALLED[what] = reason


def is_ready() -> bool:
    return READY.is_set() and not STALLED


def mark_ready() -> None:
    """The service consumes from now on: report ready, and put what start-up built (modules, clients, models)
    out of the garbage collector's reach (`gc.freeze`): it lives as long as the process, yet every full
    collection would walk all of it again while messages are handled, and decoding events allocates a lot
    (measured: a separate index service process indexed ~15% more documents per second with it)."""
    gc.collect()
    gc.freeze()
    READY.set()


def ops_port(stage: str, settings: Settings) -> int:
    """The stage's health and metrics port: the base plus its place in the pipeline (fetch 1, ... index 4)."""
    return settings.ops_port or settings.ops_port_base + list(Stage).index(Stage(stage)) + 1


@dataclass(frozen=True)
class ServiceStatus:
    ready: bool
    messages: dict[str, int]  # handled so far, by outcome
    lag: int | None  # summed over the partitions; None until the broker reported a high watermark


def service_status(stage: str, url: str) -> ServiceStatus | None:
    """What a running service reports on its endpoints; None if it does not answer."""
    try:
        ready = httpx.get(f"{url}/health/ready", timeout=2).status_code == 200
        metrics = httpx.get(f"{url}/metrics", timeout=2).text
    except httpx.HTTPError:
        return None
    messages: dict[str, int] = {}
    lag: int | None = None
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.labels.get("stage") != stage:
                continue
            if sample.name == "newsflow_messages_total":
                outcome = sample.labels["outcome"]
                messages[outcome] = messages.get(outcome, 0) + int(sample.value)
            elif sample.name == "newsflow_consumer_lag":
                lag = (lag or 0) + int(sample.value)
    return ServiceStatus(ready, messages, lag)


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that answers with whole bodies and keeps no access log (the services log JSON)."""

    def send_body(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def start_ops_server(stage: str, settings: Settings, ready: Callable[[], bool] = is_ready) -> ThreadingHTTPServer:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            if self.path == "/health/live":
                self.send_body(200, "text/plain", b"live\n")
            elif self.path == "/health/ready":
                if ready():
                    self.send_body(200, "text/plain", b"ready\n")
                else:
                    stalled = "".join(f"stalled: {what}: {reason}\n" for what, reason in sorted(STALLED.items()))
                    self.send_body(503, "text/plain", (stalled or "starting\n").encode())
            elif self.path == "/metrics":
                self.send_body(200, CONTENT_TYPE_LATEST, generate_latest())
            else:
                self.send_body(404, "text/plain", b"not found\n")

    server = ThreadingHTTPServer(("127.0.0.1", ops_port(stage, settings)), Handler)
    threading.Thread(target=server.serve_forever, name=f"{stage}-ops", daemon=True).start()
    return server
