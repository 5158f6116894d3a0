"""The fetch service's settings: what it may reach, how politely, how long it waits, which feeds it polls."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from newsflow.common.settings import PartSettings


class FetchSettings(PartSettings):
    fetch_allow_networks: list[str] = Field(
        default_factory=list, description="CIDRs the fetcher may reach although not public (tests, local demo), "
                                          "comma-separated JSON list, e.g. [\"127.0.0.0/8\"]")
    fetch_user_agent: str = Field("newsflow/0.1 (news ingestion; contact: newsflow@example.org)",
                                  description="User-Agent of every fetch, with a contact address")
    fetch_rate_per_host: float = Field(1.0, ge=0, description="requests per second per host (0: no limit)")
    fetch_timeout_s: float = Field(30.0, gt=0, description="longest time for one HTTP fetch, body included")
    fetch_max_redirects: int = Field(5, ge=0, description="most redirects followed per fetch")
    feeds_file: Path = Field(Path("infra/feeds.yaml"), description="feeds and sitemaps to poll (YAML)")
    feed_schedule_interval_s: float = Field(5.0, gt=0, description="how often due feeds are looked for")
