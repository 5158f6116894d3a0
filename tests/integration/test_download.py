"""The downloader against a real HTTP server on loopback: limits, redirects, conditional GET, SSRF refusal."""

from __future__ import annotations

import time

import pytest

from newsflow.fetch.download import Downloader, FetchError, FetchLimits, retry_after
from newsflow.fetch.safety import parse_networks
from tests.fetch_server import HOST, StaticResolver

LOOPBACK = parse_networks(["127.0.0.0/8"])


@pytest.fixture
async def downloader():
    resolver = StaticResolver({HOST: ["127.0.0.1"], "intranet.test": ["10.1.2.3"], "mixed.test": ["8.8.8.8",
                                                                                                  "192.168.0.1"],
                               "v6.test": ["::1"], "mapped.test": ["::ffff:169.254.169.254"]})
    limits = FetchLimits(read_timeout_s=2, total_timeout_s=4, max_bytes=5 * 1024 * 1024, max_redirects=3)
    client = Downloader(limits, resolver, LOOPBACK)
    yield client
    await client.close()


async def test_fetches_a_page_with_headers_and_follows_one_redirect(server, downloader):
    fetched = await downloader.get(f"{server.base}/redirect-once")
    assert fetched.status == 200 and fetched.url == f"{server.base}/articles/5"
    assert fetched.redirects == [f"{server.base}/redirect-once"]
    assert fetched.content_type == "text/html" and fetched.charset == "utf-8"
    assert b"Article 5" in fetched.body


async def test_conditional_get_answers_304_on_the_second_poll(server, downloader):
    first = await downloader.get(f"{server.base}/etag-page")
    second = await downloader.get(f"{server.base}/etag-page", etag=first.headers["etag"],
                                  last_modified=first.headers["last-modified"])
    assert first.status == 200 and second.not_modified and second.body == b""


async def test_rate_limit_is_transient_with_its_retry_after(server, downloader):
    with pytest.raises(FetchError) as caught:
        await downloader.get(f"{server.base}/rate-limited")
    assert caught.value.transient and caught.value.status == 429 and caught.value.retry_after_s == 2


async def test_redirect_loop_is_refused(server, downloader):
    with pytest.raises(FetchError, match="redirect loop") as caught:
        await downloader.get(f"{server.base}/loop-a")
    assert caught.value.kind == "redirects" and not caught.value.transient


async def test_slow_endpoint_times_out_within_the_bound(server, downloader):
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await downloader.get(f"{server.base}/slow")
    assert caught.value.kind == "timeout" and caught.value.transient
    assert time.monotonic() - started < 5


async def test_fifty_megabyte_body_is_cut_off_at_the_limit(server, downloader):
    with pytest.raises(FetchError, match="over the limit") as caught:
        await downloader.get(f"{server.base}/huge")
    assert caught.value.kind == "too_large"


async def test_gzip_bomb_is_stopped_after_decompression_reaches_the_limit(server, downloader):
    with pytest.raises(FetchError, match="after decompression") as caught:
        await downloader.get(f"{server.base}/bomb")
    assert caught.value.kind == "too_large"


async def test_content_types_other_than_html_text_and_feeds_are_refused(server, downloader):
    with pytest.raises(FetchError, match="content type 'image/png'"):
        await downloader.get(f"{server.base}/image.png")


@pytest.mark.parametrize("host", ["intranet.test", "mixed.test", "v6.test", "mapped.test", "10.0.0.1",
                                  "169.254.169.254", "[::1]", "0.0.0.0"])
async def test_private_and_special_addresses_are_refused_before_any_connection(server, downloader, host):
    with pytest.raises(FetchError, match="non-public address") as caught:
        await downloader.get(f"http://{host}:{server.port}/articles/1")
    assert caught.value.kind == "refused" and not caught.value.transient
    assert server.hits["/articles/1"] == 0


async def test_a_redirect_to_a_private_address_is_refused_on_the_hop(server, downloader):
    with pytest.raises(FetchError, match=r"intranet\.test resolves to 10\.1\.2\.3") as caught:
        await downloader.get(f"{server.base}/redirect-private")
    assert caught.value.kind == "refused" and server.hits["/redirect-private"] == 1


def test_retry_after_reads_seconds_and_http_dates():
    from datetime import UTC, datetime

    now = datetime(2024, 3, 12, 6, 0, tzinfo=UTC)
    assert retry_after("120") == 120
    assert retry_after("Tue, 12 Mar 2024 06:01:00 GMT", now) == 60
    assert retry_after("soon") is None
