"""robots.txt, fetched once per host and cached, with its crawl-delay. Following RFC 9309: a missing robots.txt
(4xx) allows everything; one that cannot be fetched (5xx, network) disallows everything until it can."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from newsflow.fetch.download import Downloader, FetchError


@dataclass
class _Entry:
    parser: RobotFileParser | None  # None: unreachable, everything disallowed for now
    expires: float


class RobotsCache:
    def __init__(self, downloader: Downloader, agent: str, ttl_s: float = 86400, retry_s: float = 300,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.downloader, self.agent, self.ttl_s, self.retry_s, self.clock = downloader, agent, ttl_s, retry_s, clock
        self.entries: dict[str, _Entry] = {}

    async def check(self, url: str) -> tuple[bool, float | None]:
        """(allowed, crawl delay in seconds) for this URL."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        entry = self.entries.get(origin)
        if entry is None or entry.expires < self.clock():
            entry = self.entries[origin] = await self._load(origin)
        if entry.parser is None:
            return False, None
        delay = entry.parser.crawl_delay(self.agent)
        return entry.parser.can_fetch(self.agent, url), float(delay) if delay is not None else None

    async def _load(self, origin: str) -> _Entry:
        parser = RobotFileParser()
        try:
            fetched = await self.downloader.get(f"{origin}/robots.txt", accept={"text/plain", "text/html",
                                                                                 "application/octet-stream", ""})
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                parser.parse([])  # no robots.txt: everything allowed
                return _Entry(parser, self.clock() + self.ttl_s)
            if exc.kind == "refused":
                raise
            return _Entry(None, self.clock() + self.retry_s)
        parser.parse(fetched.body.decode("utf-8", "replace").splitlines())
        return _Entry(parser, self.clock() + self.ttl_s)
