"""The search engine's settings: where it is, how to log in, and the prefix of every name newsflow keeps in it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from newsflow.common.settings import PartSettings


class SearchSettings(PartSettings):
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
    dashboards_url: str = Field("http://127.0.0.1:5601", description="Kibana or OpenSearch Dashboards URL")

    def search_basic_auth(self) -> tuple[str, str] | None:
        """(user, password) for the search engine and Kibana/Dashboards, when both are set."""
        if self.search_username and self.search_password:
            return self.search_username, self.search_password.get_secret_value()
        return None
