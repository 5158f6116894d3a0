"""Article identity and revisions, computed the same way by every producer (see the README's contract)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime

_NON_WORD = re.compile(r"[\W_]+")


class IdentityError(ValueError):
    """No stable article id can be made from what was given."""


def article_id_for_url(canonical_url: str) -> str:
    """sha256 hex of the canonical URL (normalise it first: the fetch stage does, with courlan)."""
    if not canonical_url.startswith(("http://", "https://")):
        raise IdentityError(f"not an absolute http(s) URL: {canonical_url!r}")
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()


def normalise_title(title: str) -> str:
    """NFKC, casefold, every run of non-word characters to one space, trimmed."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", title).casefold()).strip()


def article_id_for_text(source: str, title: str, published: date | datetime) -> str:
    """For content without a URL: sha256 of 'urn:newsflow:<source>:<normalised title>:<YYYY-MM-DD>'."""
    source, norm_title = source.strip(), normalise_title(title)
    if not source or not norm_title:
        raise IdentityError("an article without a URL needs a source and a title to get a stable id")
    day = published.date() if isinstance(published, datetime) else published
    return hashlib.sha256(f"urn:newsflow:{source}:{norm_title}:{day.isoformat()}".encode()).hexdigest()


def mint_article_id(*, url: str | None = None, source: str | None = None, title: str | None = None,
                    published: date | datetime | None = None) -> str:
    """The id of an article entering the pipeline (the fetcher, `newsflow push`): from its canonical URL when it
    has one, else from source, title and published day. Minted once, at entry; every stage after carries it."""
    if url:
        return article_id_for_url(url)
    if published is None:
        raise IdentityError("an article without a URL needs a published date to get a stable id")
    return article_id_for_text(source or "", title or "", published)


def revision_at(moment: datetime) -> int:
    """The revision for content fetched or pushed at `moment`: epoch milliseconds."""
    if moment.tzinfo is None:
        raise ValueError("revision_at needs a timezone-aware datetime")
    return int(moment.timestamp() * 1000)
