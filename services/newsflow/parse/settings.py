"""The parse service's settings: the bounds one page is parsed within."""

from __future__ import annotations

from pydantic import Field

from newsflow.common.settings import PartSettings


class ParseSettings(PartSettings):
    parse_timeout_s: float = Field(30.0, gt=0, description="longest time to parse one document before giving up")
    parse_max_markup: int = Field(50_000, gt=0, description="most '<' characters (tags) in a page that is parsed")
    parse_max_memory_mb: int = Field(2048, gt=0, description="address space of the parse process, MiB")
