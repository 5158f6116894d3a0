"""`newsflow parse FILE`: parse a saved page or text by hand, exactly as the service would, under the id that
`newsflow push` would give it (`newsflow.parse.intake`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from newsflow.parse.intake import DocumentRefused, raw_document_for
from newsflow.parse.stage import Rejected, UnparseableError, parse
from newsflow_schemas import encode


def parse_path(path: Path, *, url: str | None, source: str, charset: str | None) -> str:
    now = datetime.now(UTC)
    try:
        raw = raw_document_for(path.read_bytes(), name=path.name, source=source, url=url, now=now, charset=charset)
        result = parse(raw, now)
    except DocumentRefused as exc:
        raise ValueError(str(exc).removeprefix(f"{path.name}: ")) from exc
    except UnparseableError as exc:
        raise ValueError(f"cannot be parsed: {exc}") from exc
    if isinstance(result, Rejected):
        raise ValueError(f"not an article: {result.reason}")
    return json.dumps(json.loads(encode(result)[0]), indent=2, ensure_ascii=False)
