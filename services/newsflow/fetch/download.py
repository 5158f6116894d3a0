"""HTTP GET done right: pinned to a checked address, bounded in time, size and redirects, decompression-bomb
safe, conditional (ETag / Last-Modified), and limited to the content types the pipeline reads."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from newsflow.fetch.safety import IpNetwork, RefusedTargetError, Resolver, safe_address

READABLE_TYPES = {"text/html", "application/xhtml+xml", "text/plain", "application/rss+xml",
                  "application/atom+xml", "application/xml", "text/xml", "application/feed+json",
                  "application/json", "application/rdf+xml"}
FailureKind = Literal["refused", "too_large", "timeout", "redirects", "unsupported_type", "http_status",
                      "network"]


class FetchError(Exception):
    """A fetch that failed; `transient` says whether trying again later may help."""

    def __init__(self, kind: FailureKind, message: str, *, transient: bool, status: int | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.kind, self.transient, self.status, self.retry_after_s = kind, transient, status, retry_after_s


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    total_timeout_s: float = 30.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "newsflow/0.1 (+https://github.com/newsflow; news-ingestion bot)"


@dataclass
class Fetched:
    requested_url: str
    url: str  # after redirects
    status: int
    headers: dict[str, str]
    body: bytes = b""
    redirects: list[str] = field(default_factory=list)
    elapsed_ms: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip("\"'") or None
        return None


class Downloader:
    def __init__(self, limits: FetchLimits, resolver: Resolver, allowed: Sequence[IpNetwork],
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.limits, self.resolver, self.allowed = limits, resolver, list(allowed)
        timeout = httpx.Timeout(limits.read_timeout_s, connect=limits.connect_timeout_s)
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport,
                                        headers={"User-Agent": limits.user_agent})

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  accept: set[str] = READABLE_TYPES) -> Fetched:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.total_timeout_s):
                return await self._follow(url, etag, last_modified, accept, started)
        except TimeoutError as exc:
            raise FetchError("timeout", f"{url}: no complete answer within {self.limits.total_timeout_s} s",
                             transient=True) from exc

    async def close(self) -> None:
        await self.client.aclose()

    async def _follow(self, url: str, etag: str | None, last_modified: str | None, accept: set[str],
                      started: float) -> Fetched:
        redirects: list[str] = []
        current = url
        while True:
            fetched = await self._one(current, etag, last_modified, accept)
            if fetched.status in (301, 302, 303, 307, 308) and "location" in fetched.headers:
                if len(redirects) >= self.limits.max_redirects:
                    raise FetchError("redirects", f"{url}: more than {self.limits.max_redirects} redirects",
                                     transient=False)
                redirects.append(current)
                current = urljoin(current, fetched.headers["location"])
                if current in redirects:
                    raise FetchError("redirects", f"{url}: redirect loop through {current}", transient=False)
                continue
            fetched.requested_url, fetched.redirects = url, redirects
            fetched.elapsed_ms = int((time.monotonic() - started) * 1000)
            return fetched

    async def _one(self, url: str, etag: str | None, last_modified: str | None, accept: set[str]) -> Fetched:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("refused", f"{url}: only absolute http(s) URLs are fetched", transient=False)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = await safe_address(parts.hostname, port, self.resolver, self.allowed)
        except RefusedTargetError as exc:
            raise FetchError("refused", f"{url}: {exc}", transient=False) from exc
        host = f"[{address}]" if ":" in address else address
        pinned = urlunsplit((parts.scheme, f"{host}:{port}", parts.path or "/", parts.query, ""))
        headers = {"Host": parts.netloc, "Accept-Encoding": "gzip, deflate, br"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with self.client.stream("GET", pinned, headers=headers,
                                          extensions={"sni_hostname": parts.hostname}) as response:
                return await self._read(url, response, accept)
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{url}: timed out ({type(exc).__name__})", transient=True) from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise FetchError("network", f"{url}: {type(exc).__name__}: {exc}", transient=True) from exc

    async def _read(self, url: str, response: httpx.Response, accept: set[str]) -> Fetched:
        headers = {name.lower(): value for name, value in response.headers.items()}
        fetched = Fetched(requested_url=url, url=url, status=response.status_code, headers=headers)
        if response.status_code in (301, 302, 303, 307, 308, 304):
            return fetched
        if response.status_code in (429, 503) or response.status_code >= 500:
            raise FetchError("http_status", f"{url}: HTTP {response.status_code}", transient=True,
                             status=response.status_code, retry_after_s=retry_after(headers.get("retry-after")))
        if response.status_code >= 400:
            raise FetchError("http_status", f"{url}: HTTP {response.status_code}", transient=False,
                             status=response.status_code)
        if fetched.content_type not in accept:
            raise FetchError("unsupported_type", f"{url}: content type {fetched.content_type or 'missing'!r} is "
                                                 "not HTML, text or a feed", transient=False)
        declared = int(headers.get("content-length", "0") or 0) if headers.get("content-length", "").isdigit() else 0
        if declared > self.limits.max_bytes:
            raise FetchError("too_large", f"{url}: {declared} bytes announced, over the limit of "
                                          f"{self.limits.max_bytes}", transient=False)
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():  # decoded: gzip/brotli are counted after decompression
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise FetchError("too_large", f"{url}: body over the limit of {self.limits.max_bytes} bytes "
                                              "(after decompression)", transient=False)
            chunks.append(chunk)
        fetched.body = b"".join(chunks)
        return fetched


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
