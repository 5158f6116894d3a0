"""Serve the sample pages and an RSS feed of them on 127.0.0.1 (the demo's feed).

    python infra/samples/serve.py --port 8765
"""

from __future__ import annotations

import argparse
import email.utils
import http.server
import time
from pathlib import Path

from newsflow.common.ops import QuietHandler

PAGES = Path(__file__).resolve().parent / "pages"


def feed(base: str) -> bytes:
    items = []
    for n, page in enumerate(sorted(PAGES.glob("*.html"))):
        title = page.read_text().split("<title>")[1].split(" | ")[0]
        date = email.utils.formatdate(time.time() - 3600 * (n + 1), usegmt=True)
        items.append(f"<item><title>{title}</title><link>{base}/{page.name}?utm_source=rss</link>"
                     f"<guid>{page.stem}</guid><pubDate>{date}</pubDate></item>")
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>The Example Gazette</title>"
            f"<link>{base}/</link>{''.join(items)}</channel></rss>").encode()


class Handler(QuietHandler):
    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        path = self.path.split("?")[0]
        if path == "/feed.rss":
            self.send_body(200, "application/rss+xml", feed(base))
        elif path == "/robots.txt":
            self.send_body(200, "text/plain", b"User-agent: *\nAllow: /\n")
        elif (PAGES / path.lstrip("/")).is_file() and path.endswith(".html"):
            self.send_body(200, "text/html; charset=utf-8", (PAGES / path.lstrip("/")).read_bytes())
        else:
            self.send_body(404, "text/plain", b"not found")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
