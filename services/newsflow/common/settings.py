"""Settings, read once at start-up from `NEWSFLOW_*` environment variables. Each part owns its own: here what
every service shares (the broker, topics, message sizes, health port, logs); `newsflow.search.settings` the search
engine's, and each stage its own (`newsflow.fetch.settings`, ...). The composition root (`newsflow.wiring`) lists
them all.

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


class PartSettings(BaseSettings):
    """What every part's settings share: `NEWSFLOW_*` variables, frozen once read. A keyword the part does not
    know is refused: a setting handed to the wrong part is a mistake, not a no-op. (Variables of other parts
    in the environment are not looked at.)"""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", extra="forbid", frozen=True)

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


class Settings(PartSettings):
    """What every service shares: the broker, topic names, message sizes, the health/metrics port, logs."""

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

    # --- operations ----------------------------------------------------------------------------------
    ops_port_base: int = Field(9460, description="services serve health and metrics on 127.0.0.1 at this port + "
                                                 "1 (fetch), 2 (parse), 3 (enrich), 4 (index)")
    ops_port: int | None = Field(None, description="this service's health/metrics port (overrides the base)")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log level")
    log_format: Literal["json", "console"] = Field("json", description="json lines (services) or console")
