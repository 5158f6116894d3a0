"""Politeness per host: a token bucket at the configured rate (slower if robots.txt asks for a crawl-delay),
Retry-After honoured, exponential backoff with jitter after errors. A rate of 0 turns the bucket off."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class HostState:
    next_slot: float = 0.0  # monotonic time of the next allowed request
    backoff_until: float = 0.0
    failures: int = 0


class Politeness:
    def __init__(self, rate_per_host: float, max_backoff_s: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.max_backoff_s, self.clock = rate_per_host, max_backoff_s, clock
        self.hosts: dict[str, HostState] = {}

    def delay(self, host: str, crawl_delay_s: float | None = None) -> float:
        """Seconds to wait before the next request to `host`, reserving that slot."""
        state = self.hosts.setdefault(host, HostState())
        now = self.clock()
        start = max(now, state.next_slot, state.backoff_until)
        interval = 0.0 if self.rate <= 0 else 1.0 / self.rate
        interval = max(interval, crawl_delay_s or 0.0) if self.rate > 0 else 0.0
        state.next_slot = start + interval
        return start - now

    async def wait_turn(self, host: str, crawl_delay_s: float | None = None) -> None:
        wait = self.delay(host, crawl_delay_s)
        if wait > 0:
            await asyncio.sleep(wait)

    def failed(self, host: str, retry_after_s: float | None = None) -> float:
        """Record a failure; returns the backoff applied (Retry-After when given, else exponential + jitter)."""
        state = self.hosts.setdefault(host, HostState())
        state.failures += 1
        backoff = retry_after_s if retry_after_s is not None else min(
            self.max_backoff_s, random.uniform(0.5, 1.0) * 2 ** min(state.failures, 10))
        state.backoff_until = max(state.backoff_until, self.clock() + min(backoff, self.max_backoff_s))
        return backoff

    def succeeded(self, host: str) -> None:
        state = self.hosts.setdefault(host, HostState())
        state.failures = 0
