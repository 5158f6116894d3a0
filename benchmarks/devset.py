"""The shared development sets (fundus-testdata and its siblings): real pages with ground truth. Read-only."""

from __future__ import annotations

import ast
import base64
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from newsflow_schemas import RawDocument, SourceInfo, article_id_for_url

#: the project's shared folder (dev sets, the original seed) sits beside the checkout; a user's clone has none
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
DEVSET = SHARED / "datasets" / "fundus-testdata"


@dataclass(frozen=True)
class Page:
    key: str
    url: str
    html: bytes
    title: str
    body: str
    day: date
    authors: list[str]
    crawl_date: str


def pages(limit: int | None = None, root: Path = DEVSET) -> Iterator[Page]:
    require(root)
    truth = json.loads((root / "ground-truth.json").read_text())
    for n, (key, record) in enumerate(sorted(truth.items())):
        if limit is not None and n >= limit:
            return
        yield Page(
            key=key, url=record["url"], html=gzip.decompress((root / record["html"]).read_bytes()),
            title=record["title"], body=record["articleBody"],
            day=datetime.fromisoformat(record["publishing_date"]).date(),
            authors=_authors(record["authors"]), crawl_date=record["crawl_date"],
        )


def _authors(value: str | list[str] | None) -> list[str]:
    """Authors come as a list or as a Python-list string."""
    if isinstance(value, list):
        return value
    return list(ast.literal_eval(value)) if value else []


def available(root: Path = DEVSET) -> bool:
    return root.is_dir() and any(root.iterdir())


def missing_reason(root: Path = DEVSET) -> str | None:
    """Why the dev set at `root` cannot be used, naming it and how to get it; None when it is there."""
    if available(root):
        return None
    return (f"dev set {root.name!r} not found at {root}: the dev sets are not part of the repository; put the "
            f"project's shared folder beside the checkout (../shared/datasets/{root.name}) or point "
            "NEWSFLOW_SHARED_DIR at a copy of it")


def require(root: Path = DEVSET) -> None:
    """Benchmarks stop with one clear line when their dev set is missing (tests skip: tests/conftest.py)."""
    reason = missing_reason(root)
    if reason:
        raise SystemExit(f"newsflow: {reason}")


def raw_document(page: Page, now: datetime) -> RawDocument:
    """A fundus page as the raw document the fetch stage would have made of it."""
    return RawDocument(
        article_id=article_id_for_url(page.url), revision=0, ingested_at=now, url=page.url,
        source=SourceInfo(name=page.key.split("/")[1].rsplit("_", 3)[0], kind="page"), fetched_at=now,
        content_type="text/html", body_encoding="base64", body=base64.b64encode(page.html).decode(),
        body_bytes=len(page.html), body_sha256=hashlib.sha256(page.html).hexdigest(),
    )
