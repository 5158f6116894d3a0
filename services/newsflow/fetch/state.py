"""What the fetch stage remembers (page validators and hashes, feed items seen, the feed schedule, host backoff), as
a table in memory backed by the compacted fetch state topic, so that whichever worker owns a partition finds it.

Every fact belongs to a host and lives in the state topic's partition of that host: the same partition number as
the fetch requests of that host (both topics are keyed by host and have as many partitions). A worker loads the
facts of a partition when it takes the partition over (`load`), drops them when it gives it up (`drop`), and
every change is also queued as a `FetchMemory` record (`take_changes`), which the service writes in the same
transaction as the outputs of the message that caused it: the state never runs ahead of, nor lags behind, what
was emitted. (Changes made by a transaction that then failed are undone: the partition is claimed and loaded again.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from newsflow.common.outcomes import Output
from newsflow.fetch.urls import host_of
from newsflow_schemas import (
    FETCH_STATE,
    FeedSchedule,
    FetchMemory,
    FetchRequest,
    HostBackoff,
    PageValidators,
)
from newsflow_schemas.base import Model


@dataclass
class Feed:
    url: str
    request: dict  # the FetchRequest (JSON) to send when the feed is due
    interval_s: float
    next_poll: float  # epoch seconds
    failures: int
    disabled_reason: str | None


class FetchState:
    def __init__(self) -> None:
        self.facts: dict[str, FetchMemory] = {}  # by record key
        self.changes: list[FetchMemory] = []

    # --- partitions come and go ----------------------------------------------------------------------------
    def load(self, records: Iterable[FetchMemory | str]) -> None:
        """Facts read from the state topic, oldest first; a key alone (a tombstone) forgets that fact."""
        for record in records:
            if isinstance(record, str):
                self.facts.pop(record, None)
            else:
                self.facts[record.key] = record

    def drop(self, gone: Callable[[str], bool]) -> None:
        """Forget the facts of every host for which `gone(host)` is true (its partition is no longer ours)."""
        self.facts = {key: fact for key, fact in self.facts.items() if not gone(fact.host)}

    def take_changes(self) -> list[Output]:
        """The changes since the last call, as records for the state topic (placed by host)."""
        changes, self.changes = self.changes, []
        return [Output(FETCH_STATE, change.key, change, partition_key=change.host) for change in changes]

    def _remember(self, kind: str, subject: str, host: str, value: Model | str, field: str) -> None:
        fact = FetchMemory(kind=kind, subject=subject, host=host, ingested_at=datetime.now(UTC), **{field: value})
        self.facts[fact.key] = fact
        self.changes.append(fact)

    # --- pages ----------------------------------------------------------------------------------------------
    def page(self, url: str) -> PageValidators:
        fact = self.facts.get(f"page:{url}")
        return fact.page if fact and fact.page else PageValidators()

    def remember_page(self, url: str, etag: str | None, last_modified: str | None, body_sha256: str) -> None:
        self._remember("page", url, host_of(url), PageValidators(etag=etag, last_modified=last_modified,
                                                                 body_sha256=body_sha256), "page")

    # --- items of feeds and sitemaps ------------------------------------------------------------------------
    def known_items(self, listing: str) -> dict[str, str]:
        """link -> fingerprint of every item read from this feed or sitemap before."""
        prefix = f"item:{listing} "
        return {key[len(prefix):]: fact.item_fingerprint or "" for key, fact in self.facts.items()
                if key.startswith(prefix)}

    def remember_items(self, listing: str, fingerprints: dict[str, str]) -> None:
        for link, fingerprint in fingerprints.items():
            self._remember("item", f"{listing} {link}", host_of(listing), fingerprint, "item_fingerprint")

    # --- hosts ----------------------------------------------------------------------------------------------
    def host_backoffs(self) -> dict[str, tuple[float, int]]:
        return {fact.subject: (fact.backoff.backoff_until.timestamp(), fact.backoff.failures)
                for fact in self.facts.values() if fact.backoff is not None}

    def save_host(self, host: str, backoff_until: float, failures: int) -> None:
        self._remember("host", host, host, HostBackoff(backoff_until=_instant(backoff_until), failures=failures),
                       "backoff")

    # --- the feed schedule ----------------------------------------------------------------------------------
    def schedule_feed(self, url: str, request: dict, interval_s: float, next_poll: float) -> None:
        """Add a feed to poll (or update its request and interval), keeping its failure record."""
        known = self.feed(url)
        self._save_feed(url, request, interval_s, next_poll if known is None else known.next_poll,
                        known.failures if known else 0, known.disabled_reason if known else None)

    def feed(self, url: str) -> Feed | None:
        fact = self.facts.get(f"feed:{url}")
        return _feed(fact) if fact else None

    def due_feeds(self, now: float) -> list[Feed]:
        due = [feed for feed in self.feeds() if feed.disabled_reason is None and feed.next_poll <= now]
        return sorted(due, key=lambda feed: feed.next_poll)

    def feeds(self) -> list[Feed]:
        return [_feed(fact) for fact in self.facts.values() if fact.feed is not None]

    def update_feed(self, url: str, *, interval_s: float, next_poll: float, failures: int,
                    disabled_reason: str | None = None, remember: bool = True) -> None:
        """Change a feed's schedule; with `remember=False` only here (the scheduler's provisional next poll:
        the poll's outcome writes the real one)."""
        known = self.feed(url)
        if known is None:
            return
        if remember:
            self._save_feed(url, known.request, interval_s, next_poll, failures, disabled_reason)
            return
        fact = self.facts[f"feed:{url}"]
        assert fact.feed is not None
        schedule = fact.feed.model_copy(update={"interval_s": interval_s, "next_poll": _instant(next_poll),
                                                "failures": failures, "disabled_reason": disabled_reason})
        self.facts[fact.key] = fact.model_copy(update={"feed": schedule})

    def _save_feed(self, url: str, request: dict, interval_s: float, next_poll: float, failures: int,
                   disabled_reason: str | None) -> None:
        schedule = FeedSchedule(request=FetchRequest.model_validate(request), interval_s=interval_s,
                                next_poll=_instant(next_poll), failures=failures, disabled_reason=disabled_reason)
        self._remember("feed", url, host_of(url), schedule, "feed")


def _feed(fact: FetchMemory) -> Feed:
    schedule = fact.feed
    assert schedule is not None
    return Feed(fact.subject, schedule.request.model_dump(mode="json", by_alias=True), schedule.interval_s,
                schedule.next_poll.timestamp(), schedule.failures, schedule.disabled_reason)


def _instant(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)
