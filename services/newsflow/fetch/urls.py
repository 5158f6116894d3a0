"""Canonical URLs: tracking parameters removed (courlan), parameters sorted, host lower-cased, no fragment,
so that the same article reached through different links gets one id."""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import courlan


class BadUrlError(ValueError):
    """Not an absolute http(s) URL we can fetch."""


def canonical_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUrlError(f"not an absolute http(s) URL: {url!r}")
    return urldefrag(courlan.normalize_url(url, strict=False))[0]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
