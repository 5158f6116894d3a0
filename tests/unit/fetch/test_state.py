"""The fetch state table: facts placed by host, changes queued for the state topic, partitions loaded and dropped."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner

from newsflow.common.transactions import partition_for
from newsflow.fetch.state import FetchState
from newsflow_schemas import FETCH_REQUESTS, FETCH_STATE


def test_a_fact_goes_to_the_partition_of_its_host_as_the_hosts_fetch_requests_do():
    assert FETCH_STATE.partitions == FETCH_REQUESTS.partitions and FETCH_STATE.cleanup_policy == "compact"
    partitions = list(range(FETCH_REQUESTS.partitions))
    for host in ("example.org", "127.0.0.3", "news.example.net", "a" * 300):
        assert partition_for(host, len(partitions)) == DefaultPartitioner()(host.encode(), partitions, partitions)


def test_changes_are_queued_once_keyed_by_kind_and_subject_and_placed_by_host():
    state = FetchState()
    state.remember_page("https://example.org/a", '"e1"', None, "0" * 64)
    state.remember_items("https://example.org/feed.rss", {"https://other.example.net/x": "fp1"})
    changes = state.take_changes()
    assert [(c.key, c.partition_key) for c in changes] == [
        ("page:https://example.org/a", "example.org"),
        ("item:https://example.org/feed.rss https://other.example.net/x", "example.org")]  # the listing's host
    assert state.take_changes() == []
    assert state.page("https://example.org/a").etag == '"e1"'
    assert state.known_items("https://example.org/feed.rss") == {"https://other.example.net/x": "fp1"}


def test_another_worker_loads_the_facts_and_a_tombstone_forgets_one():
    first = FetchState()
    first.schedule_feed("https://example.org/feed.rss", _feed_request(), 600, next_poll=1_000)
    first.save_host("slow.example.net", backoff_until=2_000, failures=3)
    facts = [change.event for change in first.take_changes()]
    second = FetchState()
    second.load([*facts, "host:slow.example.net"])
    feed = second.feed("https://example.org/feed.rss")
    assert feed is not None and feed.interval_s == 600 and feed.next_poll == 1_000
    assert second.host_backoffs() == {}
    second.drop(lambda host: host == "example.org")
    assert second.feeds() == []


def test_the_schedulers_provisional_next_poll_stays_in_memory():
    state = FetchState()
    state.schedule_feed("https://example.org/feed.rss", _feed_request(), 600, next_poll=1_000)
    state.take_changes()
    state.update_feed("https://example.org/feed.rss", interval_s=600, next_poll=1_600, failures=0, remember=False)
    assert state.take_changes() == [] and state.due_feeds(1_500) == []
    assert [feed.url for feed in state.due_feeds(1_700)] == ["https://example.org/feed.rss"]


def _feed_request() -> dict:
    from newsflow.fetch.scheduler import feed_request

    return feed_request("https://example.org/feed.rss", "example").model_dump(mode="json", by_alias=True)
