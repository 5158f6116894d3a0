"""Settings shared by every service, read once at start-up from `NEWSFLOW_*` environment variables.

Defaults work on a laptop against the embedded stack (`make run`). Production credentials (Kafka SASL/TLS,
an Elasticsearch API key or basic auth, a CA file) are settings too: no code change is needed. The README's
configuration table lists every field; `newsflow settings` prints the effective values with secrets masked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024
MASK = "**********"


def redact_url(url: str) -> str:
    """The URL with any password written into it masked (`http://user:**********@host:9200`), for printing."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:  # unreadable ('http://[::1'): mask whatever stands before an '@'
        return re.sub(r"//[^/@]*@", f"//{MASK}@", url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{parts.netloc.rpartition('@')[2]}"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", extra="ignore", frozen=True)

    # --- Kafka ---------------------------------------------------------------------------------------
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="Kafka security protocol")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SASL mechanism when the protocol is SASL_*")
    kafka_sasl_username: str | None = Field(None, description="SASL user name")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password")
    kafka_ca_file: Path | None = Field(None, description="CA bundle to verify the brokers' TLS certificates")
    kafka_transaction_timeout_ms: int = Field(
        10_000, ge=1000, description="longest a transaction may stay open: how long a killed worker's unfinished "
                                     "transaction can hold back read-committed consumers")
    topic_prefix: str = Field("", description="prefix for every topic name (tests and side-by-side deployments)")
    topic_replication_factor: int = Field(1, ge=1, description="replication factor of the topics we create")
    max_message_bytes: int = Field(
        16 * MIB, description="largest Kafka message: topic max.message.bytes and client request/fetch sizes")
    max_body_bytes: int = Field(5 * MIB, description="largest raw document body (uncompressed) accepted")
    compression: Literal["zstd", "gzip", "lz4", "snappy", "none"] = Field(
        "zstd", description="producer compression")

    # --- search engine -------------------------------------------------------------------------------
    search_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch or OpenSearch URL")
    search_engine: Literal["auto", "opensearch", "elasticsearch"] = Field(
        "auto", description="which engine; auto asks the server's root endpoint")
    search_username: str | None = Field(None, description="basic-auth user name")
    search_password: SecretStr | None = Field(None, description="basic-auth password")
    search_api_key: SecretStr | None = Field(None, description="Elasticsearch API key (base64 id:key)")
    search_ca_file: Path | None = Field(None, description="CA bundle to verify the engine's TLS certificate")
    search_verify_certs: bool = Field(True, description="verify the engine's TLS certificate")
    search_timeout_s: float = Field(30.0, gt=0, description="per-request timeout to the search engine")
    index_prefix: str = Field("newsflow", description="prefix of every index, alias and template name")
    index_shards: int = Field(1, ge=1, description="primary shards of the article index")
    index_replicas: int = Field(0, ge=0, description="replicas of the article index (0 on a single node)")
    index_refresh_interval: str = Field("500ms", description="how soon written articles become searchable")
    embedding_dims: int = Field(384, gt=0, description="dimensions of the article embedding vector field")
    index_batch_docs: int = Field(500, gt=0, description="index service: most documents per bulk request")
    index_batch_bytes: int = Field(8 * MIB, gt=0, description="index service: most bytes per bulk request")
    index_linger_ms: int = Field(100, ge=0, description="index service: longest wait to fill a batch")
    dashboards_url: str = Field("http://127.0.0.1:5601", description="Kibana or OpenSearch Dashboards URL")

    # --- fetch ---------------------------------------------------------------------------------------
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

    # --- enrich ---------------------------------------------------------------------------------------
    embeddings: bool = Field(False, description="compute sentence embeddings (needs the 'embeddings' extra)")

    # --- operations ----------------------------------------------------------------------------------
    parse_timeout_s: float = Field(30.0, gt=0, description="longest time to parse one document before giving up")
    parse_max_markup: int = Field(50_000, gt=0, description="most '<' characters (tags) in a page that is parsed")
    parse_max_memory_mb: int = Field(2048, gt=0, description="address space of the parse process, MiB")
    enrich_timeout_s: float = Field(60.0, gt=0, description="longest time to analyse one article before giving up")
    ops_port_base: int = Field(9460, description="services serve health and metrics on 127.0.0.1 at this port + "
                                                 "1 (fetch), 2 (parse), 3 (enrich), 4 (index)")
    ops_port: int | None = Field(None, description="this service's health/metrics port (overrides the base)")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log level")
    log_format: Literal["json", "console"] = Field("json", description="json lines (services) or console")

    def search_basic_auth(self) -> tuple[str, str] | None:
        """(user, password) for the search engine and Kibana/Dashboards, when both are set."""
        if self.search_username and self.search_password:
            return self.search_username, self.search_password.get_secret_value()
        return None

    def environment(self) -> dict[str, str]:
        """The NEWSFLOW_* variables that reproduce these settings in another process (a service, a CLI)."""
        env = {}
        for name, value in self.model_dump(mode="json").items():
            if value is None:
                continue
            secret = getattr(getattr(self, name), "get_secret_value", None)
            env[f"NEWSFLOW_{name.upper()}"] = secret() if secret else (
                json.dumps(value) if isinstance(value, list) else str(value))
        return env

    def masked(self) -> dict[str, object]:
        """The effective values, secrets shown as '**********' (passwords written into URLs too), for printing."""
        return {name: (str(value) if isinstance(value, SecretStr) else
                       redact_url(value) if isinstance(value, str) and "://" in value else value)
                for name, value in self.model_dump().items()}
