"""The production-shaped compose stack cannot run here (no Docker engine): check that it is valid and wired
to the same settings and commands the code has."""

import os
import re
import shutil
import subprocess

import pytest
import yaml
from typer.testing import CliRunner

from newsflow.cli import app
from newsflow.common.settings import Settings
from newsflow.wiring import STAGE_SETTINGS
from tests.conftest import REPO


@pytest.fixture(scope="module")
def compose() -> dict:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (make test installs it: apt-get install docker-compose)")
    proc = subprocess.run(["docker-compose", "--env-file", ".env.example", "config"], cwd=REPO,
                          capture_output=True, text=True, env=_without_secrets())
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)


def _without_secrets() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in SECRETS}


SECRETS = ("ELASTIC_PASSWORD", "KIBANA_PASSWORD", "KIBANA_ENCRYPTION_KEY")


def test_without_an_env_file_compose_refuses_naming_the_variable(compose, tmp_path):
    """No silent fall-back to the committed example passwords and encryption key."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    proc = subprocess.run(["docker-compose", "--env-file", str(empty), "config"], cwd=REPO, capture_output=True,
                          text=True, env=_without_secrets())
    assert proc.returncode != 0
    assert re.search(r"(ELASTIC_PASSWORD|KIBANA_PASSWORD|KIBANA_ENCRYPTION_KEY) is not set; cp .env.example .env",
                     proc.stderr), proc.stderr
    assert "newsflow-dev" not in (REPO / "docker-compose.yml").read_text()


def test_compose_file_is_valid_and_has_every_part(compose):
    assert {"kafka", "elasticsearch", "es-setup", "kibana", "init", "fetch", "parse", "enrich", "index"} <= set(
        compose["services"])


def test_every_published_port_is_bound_to_loopback(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond this machine"


def test_newsflow_containers_only_set_known_settings(compose):
    known = {f"NEWSFLOW_{name.upper()}" for part in (Settings, *STAGE_SETTINGS.values()) for name in part.model_fields}
    for name in ("init", "fetch", "parse", "enrich", "index"):
        env = set(compose["services"][name]["environment"])
        assert env <= known, f"{name} sets unknown settings {env - known}"


def test_init_command_exists_in_the_cli(compose):
    command = compose["services"]["init"]["command"]
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output


def test_compose_runs_the_kafka_and_elasticsearch_versions_the_embedded_tests_run(compose):
    stack = (REPO / "infra/embedded/stack.py").read_text()
    kafka = re.search(r'KAFKA_VERSION = "([\d.]+)"', stack).group(1)
    elasticsearch = re.search(r'ELASTICSEARCH_VERSION = "([\d.]+)"', stack).group(1)
    images = {name: service["image"] for name, service in compose["services"].items() if "image" in service}
    assert images["kafka"] == f"apache/kafka:{kafka}"
    assert images["elasticsearch"].endswith(f"/elasticsearch:{elasticsearch}")
    assert images["kibana"].endswith(f"/kibana:{elasticsearch}")
    for pom, version in (("kafka", kafka), ("elasticsearch", elasticsearch)):
        assert f"<version>{version}</version>" in (REPO / f"infra/embedded/{pom}/pom.xml").read_text()
