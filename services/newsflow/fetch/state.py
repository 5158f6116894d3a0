"""What the fetch service remembers across restarts, in a local SQLite file: validators and content hashes per
URL, items seen per feed, the feed schedule, per-host backoff. Losing it only causes re-fetches (harmless: the
index is idempotent), never a lost article."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, body_sha256 TEXT);
CREATE TABLE IF NOT EXISTS items (listing TEXT, link TEXT, fingerprint TEXT, PRIMARY KEY (listing, link));
CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, request TEXT NOT NULL, interval_s REAL NOT NULL,
    next_poll REAL NOT NULL, failures INTEGER NOT NULL DEFAULT 0, disabled_reason TEXT);
CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, backoff_until REAL NOT NULL, failures INTEGER NOT NULL);
"""


@dataclass
class PageMemory:
    etag: str | None
    last_modified: str | None
    body_sha256: str | None


@dataclass
class Feed:
    url: str
    request: dict  # the FetchRequest (JSON) to send when the feed is due
    interval_s: float
    next_poll: float
    failures: int
    disabled_reason: str | None


class FetchState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)  # autocommit: every change is durable at once
        self.db.executescript("PRAGMA journal_mode=WAL;" + _SCHEMA)

    def page(self, url: str) -> PageMemory:
        row = self.db.execute("SELECT etag, last_modified, body_sha256 FROM pages WHERE url=?", (url,)).fetchone()
        return PageMemory(*row) if row else PageMemory(None, None, None)

    def remember_page(self, url: str, etag: str | None, last_modified: str | None, body_sha256: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", (url, etag, last_modified, body_sha256))

    def known_items(self, listing: str) -> dict[str, str]:
        """link -> fingerprint of every item read from this feed or sitemap before."""
        return dict(self.db.execute("SELECT link, fingerprint FROM items WHERE listing=?", (listing,)).fetchall())

    def remember_items(self, listing: str, fingerprints: dict[str, str]) -> None:
        """Called once the follow-up requests are written: an item is 'seen' only then."""
        self.db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?)",
                            [(listing, link, fp) for link, fp in fingerprints.items()])

    def host_backoffs(self) -> dict[str, tuple[float, int]]:
        return {h: (until, failures) for h, until, failures in self.db.execute("SELECT * FROM hosts").fetchall()}

    def save_host(self, host: str, backoff_until: float, failures: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO hosts VALUES (?, ?, ?)", (host, backoff_until, failures))

    def schedule_feed(self, url: str, request: dict, interval_s: float, next_poll: float) -> None:
        """Add a feed to poll (or update its request and interval), keeping its failure record."""
        self.db.execute(
            "INSERT INTO feeds (url, request, interval_s, next_poll) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET request=excluded.request, interval_s=excluded.interval_s",
            (url, json.dumps(request), interval_s, next_poll))

    def feed(self, url: str) -> Feed | None:
        row = self.db.execute("SELECT url, request, interval_s, next_poll, failures, disabled_reason FROM feeds "
                              "WHERE url=?", (url,)).fetchone()
        return Feed(row[0], json.loads(row[1]), *row[2:]) if row else None

    def due_feeds(self, now: float) -> list[Feed]:
        rows = self.db.execute("SELECT url, request, interval_s, next_poll, failures, disabled_reason FROM feeds "
                               "WHERE disabled_reason IS NULL AND next_poll <= ? ORDER BY next_poll", (now,))
        return [Feed(r[0], json.loads(r[1]), *r[2:]) for r in rows.fetchall()]

    def feeds(self) -> list[Feed]:
        rows = self.db.execute("SELECT url, request, interval_s, next_poll, failures, disabled_reason FROM feeds")
        return [Feed(r[0], json.loads(r[1]), *r[2:]) for r in rows.fetchall()]

    def update_feed(self, url: str, *, interval_s: float, next_poll: float, failures: int,
                    disabled_reason: str | None = None) -> None:
        self.db.execute("UPDATE feeds SET interval_s=?, next_poll=?, failures=?, disabled_reason=? WHERE url=?",
                        (interval_s, next_poll, failures, disabled_reason, url))

    def close(self) -> None:
        self.db.close()
