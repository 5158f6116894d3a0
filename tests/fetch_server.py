"""A real HTTP server on loopback for the fetch tests, serving every case the fetcher must handle: feeds,
sitemaps, robots.txt, conditional GET, rate limits, redirect loops, slow answers, huge bodies, gzip bombs."""

from __future__ import annotations

import asyncio
import functools
import socket
import zlib
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from newsflow.fetch.safety import Resolver

HOST = "news.test"  # resolved to 127.0.0.1 by StaticResolver; allowed by the test allow-list


def article_html(n: int, title: str | None = None) -> str:
    paragraph = ("The harbour authority confirmed on Tuesday that the northern pier will reopen next month after "
                 "repairs to its foundations, which had been damaged in the winter storms. ")
    return (f"<html lang='en'><head><meta charset='utf-8'><title>{title or f'Article {n}'}</title></head><body>"
            f"<article><h1>{title or f'Article {n}'}</h1><p>{paragraph * 3}</p><p>{paragraph * 2}</p></article>"
            "</body></html>")


def rss(base: str, items: list[tuple[int, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{base}/articles/{n}?utm_source=rss</link><guid>item-{n}</guid>"
        f"<pubDate>Tue, 12 Mar 2024 0{n % 10}:00:00 GMT</pubDate><description>About {title}</description></item>"
        for n, title in items)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Test News</title><link>{base}/</link>"
            f"{entries}</channel></rss>")


def atom(base: str) -> str:
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Atom News</title>"
            f"<id>urn:atom-news</id><updated>2024-03-12T08:00:00Z</updated>"
            f"<entry><title>Atom story</title><id>urn:atom:1</id><link href='{base}/articles/20'/>"
            f"<updated>2024-03-12T08:00:00Z</updated><author><name>Jane Doe</name></author></entry></feed>")


@dataclass
class FetchServer:
    port: int = 0
    host: str = HOST  # the name in every URL served; 127.0.0.1 for a service that resolves for real
    hits: Counter = field(default_factory=Counter)
    rss_items: list[tuple[int, str]] = field(default_factory=lambda: [(1, "First"), (2, "Second")])
    runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{path:.*}", self.handle)
        self.runner, self.port = await serve_on_loopback(app)

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        self.hits[path] += 1
        base = self.base
        if path == "/robots.txt":
            return web.Response(text="User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n")
        if path == "/feed.rss":
            return web.Response(text=rss(base, self.rss_items), content_type="application/rss+xml")
        if path == "/feed.atom":
            return web.Response(text=atom(base), content_type="application/atom+xml")
        if path == "/sitemap-index.xml":
            return web.Response(content_type="application/xml", text=(
                "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                f"<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap></sitemapindex>"))
        if path == "/sitemap-news.xml":
            return web.Response(content_type="application/xml", text=(
                "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
                "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
                f"<url><loc>{base}/articles/30</loc><news:news><news:publication><news:name>Test</news:name>"
                "<news:language>en</news:language></news:publication>"
                "<news:publication_date>2024-03-12T06:39:00+01:00</news:publication_date>"
                "<news:title>Sitemap story</news:title></news:news></url>"
                f"<url><loc>{base}/articles/31</loc><lastmod>2024-03-11</lastmod></url></urlset>"))
        if path.startswith("/articles/") or path.startswith("/private/"):
            return web.Response(text=article_html(int(path.rsplit("/", 1)[1] or 0) if path[-1].isdigit() else 0),
                                content_type="text/html")
        if path == "/etag-page":
            if request.headers.get("If-None-Match") == '"v1"':
                return web.Response(status=304, headers={"ETag": '"v1"'})
            return web.Response(text=article_html(99), content_type="text/html",
                                headers={"ETag": '"v1"', "Last-Modified": "Tue, 12 Mar 2024 06:00:00 GMT"})
        if path == "/rate-limited":
            return web.Response(status=429, headers={"Retry-After": "2"}, text="slow down")
        if path in ("/loop-a", "/loop-b"):
            raise web.HTTPFound("/loop-b" if path == "/loop-a" else "/loop-a")
        if path == "/redirect-private":
            raise web.HTTPFound(f"http://intranet.test:{self.port}/articles/1")
        if path == "/redirect-once":
            raise web.HTTPMovedPermanently(f"{base}/articles/5")
        if path == "/slow":
            await asyncio.sleep(6)  # beyond the tests' 2 s read and 4 s total timeouts
            return web.Response(text="too late", content_type="text/html")
        if path == "/huge":
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            await response.prepare(request)
            chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>"
            for _ in range(50):  # 50 MB, without a Content-Length
                await response.write(chunk)
            return response
        if path == "/bomb":
            return web.Response(body=gzip_bomb(), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
        if path == "/image.png":
            return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")
        return web.Response(status=404, text="not found")


def free_port() -> int:
    """A free loopback port, so that test services never clash with a developer's running pipeline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def serve_on_loopback(app: web.Application, port: int = 0) -> tuple[web.AppRunner, int]:
    """Serve an aiohttp app on 127.0.0.1 (a free port unless one is given); the runner and the port."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@functools.cache
def gzip_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """A small gzip stream that inflates to `size` bytes of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


class StaticResolver(Resolver):
    """Answers from a table; a test never sends a packet to a non-loopback address."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"{host}: unknown in the test resolver")
        return self.table[host]


__all__ = ["HOST", "FetchServer", "StaticResolver", "article_html", "free_port", "gzip_bomb", "serve_on_loopback"]
