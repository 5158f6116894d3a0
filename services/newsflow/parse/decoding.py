"""Bytes to text: by a byte-order mark, the HTTP header's charset, the page's meta charset, UTF-8, then detection.

A BOM goes first, as in browsers (WHATWG encoding sniffing): it cannot be wrong, while headers often are. A
candidate that fails to decode strictly is skipped for the next one.

Binary content (PDF, images, archives, anything with NUL bytes) and text that decodes to garbage are refused
with a reason instead of producing garbage text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_MAGIC = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
          b"GIF8": "a GIF image", b"PK\x03\x04": "a ZIP archive", b"\x1f\x8b": "gzip-compressed bytes",
          b"RIFF": "a RIFF (WebP/WAV/AVI) file", b"OggS": "an Ogg file", b"ID3": "an MP3 file"}
#: a decoding with more than this share of U+FFFD replacement characters is garbage
MAX_REPLACEMENT_SHARE = 0.01


class UndecodableError(ValueError):
    """The bytes are not text we can read; the message says what they look like."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    method: str  # header, bom, meta, detected


def sniff_binary(body: bytes) -> str | None:
    """A description of binary content, or None if it may be text."""
    for magic, what in _MAGIC.items():
        if body.startswith(magic):
            return what
    if b"\x00" in body[:4096] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary data (NUL bytes)"
    return None


def decode_body(body: bytes, declared: str | None = None) -> Decoded:
    if not body.strip():
        raise UndecodableError("the body is empty")
    binary = sniff_binary(body)
    if binary:
        raise UndecodableError(f"the body is {binary}, not text")
    for method, encoding in _candidates(body, declared):
        try:
            text = body.decode(encoding)
        except LookupError:
            continue
        except UnicodeDecodeError:
            mostly = _mostly_utf8(body, encoding, method)
            if mostly is None:
                continue
            return mostly
        return Decoded(_check_text(text), codecs.lookup(encoding).name, method)
    raise UndecodableError("no charset decodes the body (header, BOM, meta and detection all failed)")


def _mostly_utf8(body: bytes, encoding: str, method: str) -> Decoded | None:
    """A page that says (or defaults to) UTF-8 and is UTF-8 but for a few stray bytes is decoded as UTF-8 with
    only those bytes replaced: detection would read it whole as a single-byte charset ('StraĂźen'). It must carry
    at least 10 well-formed multi-byte characters per bad byte, which a Latin-1 page mislabelled UTF-8 never
    does (its accented letters are the bad bytes), so that one still goes on to detection."""
    if codecs.lookup(encoding).name != "utf-8":
        return None
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode())  # a U+FFFD the page itself holds is no bad byte
    well_formed = len(text) - len(text.encode("ascii", "ignore")) - bad  # non-ASCII characters, decoded rightly
    if bad <= 0 or well_formed < 10 * bad:
        return None
    return Decoded(text, "utf-8", f"{method} ({bad} invalid byte sequence{'s' if bad > 1 else ''} replaced)")


def _candidates(body: bytes, declared: str | None):
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            yield "bom", encoding
    match = _META_CHARSET.search(body[:8192])
    labels = [("header", declared.strip().strip("\"'") if declared else None),
              ("meta", match.group(1).decode("ascii", "ignore") if match else None)]
    for method, label in labels:
        if not label:
            continue
        if _is_single_byte(label) and _is_non_ascii_utf8(body):
            # a single-byte label on bytes that are valid, non-ASCII UTF-8 is a known mislabel: such byte
            # sequences practically never occur in real Latin-1/Windows-125x text
            yield f"{method} (corrected to utf-8)", "utf-8"
        yield method, label
    yield "utf-8", "utf-8"  # the web's default; cheap to try before detection
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is not None:
        yield "detected", best.encoding


def _is_single_byte(label: str) -> bool:
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return False
    return name.startswith(("iso8859", "cp125", "latin", "windows-125", "ascii")) or name in ("cp1252", "mac-roman")


def _is_non_ascii_utf8(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_text(text: str) -> str:
    if text.count("\ufffd") > MAX_REPLACEMENT_SHARE * max(len(text), 1):
        raise UndecodableError("the decoded text is mostly replacement characters")
    return text
