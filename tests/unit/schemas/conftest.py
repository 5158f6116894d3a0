from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO

SCHEMAS = REPO / "schemas"
EXAMPLES = sorted((SCHEMAS / "examples").glob("*/*/*.json"))


def example_id(path: Path) -> str:
    return "/".join(path.parts[-3:])


@pytest.fixture(params=EXAMPLES, ids=example_id)
def example(request) -> tuple[str, str, bytes]:
    """(schema, version, payload bytes) of every historical example payload."""
    path: Path = request.param
    payload = path.read_bytes()
    data = json.loads(payload)
    assert (data["schema"], data["schema_version"]) == (path.parts[-3], path.parts[-2])
    return path.parts[-3], path.parts[-2], payload
