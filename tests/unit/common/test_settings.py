import ssl

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from newsflow.cli import app
from newsflow.common.kafka import client_options, consumer_options, producer_options
from newsflow.common.settings import Settings, redact_url
from newsflow.enrich.settings import EnrichSettings
from newsflow.fetch.settings import FetchSettings
from newsflow.index.settings import IndexSettings
from newsflow.search.settings import SearchSettings
from newsflow.wiring import STAGE_SETTINGS


def test_defaults_point_at_the_embedded_stack(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("NEWSFLOW_"):
            monkeypatch.delenv(name)
    settings = Settings()
    assert settings.kafka_bootstrap == "127.0.0.1:9092"
    assert SearchSettings().search_url == "http://127.0.0.1:9200"
    assert settings.max_body_bytes == 5 * 1024 * 1024


def test_environment_overrides_and_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("NEWSFLOW_SEARCH_PASSWORD", "hunter2")
    assert Settings().kafka_bootstrap == "kafka:9092"
    search = SearchSettings()
    assert search.search_password is not None and search.search_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(search) and search.masked()["search_password"] == "**********"


def test_passwords_written_into_urls_are_masked_when_printed(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_SEARCH_URL", "https://elastic:s3cret@search.example.org:9200/")
    monkeypatch.setenv("NEWSFLOW_DASHBOARDS_URL", "http://kibana:pa%40ss@127.0.0.1:5601")
    masked = SearchSettings().masked()
    assert masked["search_url"] == "https://elastic:**********@search.example.org:9200/"
    assert masked["dashboards_url"] == "http://kibana:**********@127.0.0.1:5601"
    assert "s3cret" not in str(masked) and "pa%40ss" not in str(masked)
    assert redact_url("http://u:secret@[::1") == "http://**********@[::1"  # unreadable, still masked
    result = CliRunner().invoke(app, ["settings", "--json"])
    assert result.exit_code == 0 and "s3cret" not in result.output and "**********" in result.output


def test_environment_reproduces_the_settings_in_another_process(monkeypatch):
    parts = [Settings(topic_prefix="t."), FetchSettings(fetch_allow_networks=["127.0.0.1/32"]),
             EnrichSettings(embeddings=True, search_password="hunter2"),  # one engine: enrich's and index's
             IndexSettings(index_batch_docs=7, search_password="hunter2")]
    for part in parts:
        for name, value in part.environment().items():
            monkeypatch.setenv(name, value)
    assert [type(part)() for part in parts] == parts


def test_each_setting_belongs_to_one_part_and_a_misplaced_one_is_refused():
    owners: dict[str, set[str]] = {}
    for part in (Settings, SearchSettings, *STAGE_SETTINGS.values()):
        own = set(part.model_fields) - {name for base in part.__mro__[1:] for name in getattr(base, "model_fields", {})}
        for name in own:
            owners.setdefault(name, set()).add(part.__name__)
    assert {name: parts for name, parts in owners.items() if len(parts) > 1} == {}
    assert set(SearchSettings.model_fields) <= set(IndexSettings.model_fields) & set(EnrichSettings.model_fields)
    assert not set(SearchSettings.model_fields) & set(Settings.model_fields)  # the broker's never reach the engine
    with pytest.raises(ValidationError, match="search_url"):
        Settings(search_url="http://elsewhere:9200")  # type: ignore[call-arg]


def test_invalid_value_is_refused_with_the_field_named(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_KAFKA_SECURITY_PROTOCOL", "TLS")
    with pytest.raises(ValidationError, match="kafka_security_protocol"):
        Settings()


def test_sasl_ssl_options_reach_the_kafka_clients():
    settings = Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512",
                        kafka_sasl_username="svc", kafka_sasl_password="pw")
    options = client_options(settings)
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "svc" and options["sasl_plain_password"] == "pw"
    assert isinstance(options["ssl_context"], ssl.SSLContext)


def test_clients_are_sized_for_the_largest_message_and_commit_manually():
    settings = Settings(max_message_bytes=8_000_000)
    assert producer_options(settings)["max_request_size"] == 8_000_000
    assert producer_options(settings)["compression_type"] == "zstd"
    consumer = consumer_options(settings)
    assert consumer["max_partition_fetch_bytes"] == 8_000_000
    assert consumer["enable_auto_commit"] is False and consumer["auto_offset_reset"] == "earliest"


def test_readme_configuration_table_lists_every_setting():
    import re

    from tests.conftest import REPO

    documented = set(re.findall(r"^\| `(NEWSFLOW_[A-Z0-9_]+)` \|", (REPO / "README.md").read_text(), re.MULTILINE))
    every = {name for part in (Settings, *STAGE_SETTINGS.values()) for name in part.model_fields}
    assert documented == {f"NEWSFLOW_{name.upper()}" for name in every}
