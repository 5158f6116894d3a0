"""Building blocks shared by every event: the strict-to-write, lenient-to-read base model and time types.

Producers build events strictly: an unknown field is an error when an event is constructed. Readers ignore
fields they do not know (a newer minor version may add optional fields): the codec validates with the
context `{"lenient": True}`, which turns the unknown-field check off all the way down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.fields import FieldInfo

LENIENT = {"lenient": True}


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""An instant: timezone-aware on input (a naive datetime is refused), stored and emitted in UTC."""


class Model(BaseModel):
    """Base of every model on the wire: immutable, unknown fields refused unless read leniently."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, use_enum_values=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_fields(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and not (info.context or {}).get("lenient"):
            known = set(cls.model_fields) | {f.alias for f in cls.model_fields.values() if f.alias}
            unknown = sorted(set(data) - known)
            if unknown:
                raise ValueError(f"unknown field(s) for {cls.__name__}: {', '.join(unknown)}")
        return data


class Event(Model):
    """Base of every top-level event. Subclasses set SCHEMA and VERSION and narrow the two fields."""

    SCHEMA: ClassVar[str]
    VERSION: ClassVar[str]  # "MAJOR.MINOR"

    schema_name: str = Field("", alias="schema", description="the event's schema name, e.g. newsflow.article.parsed")
    schema_version: str = Field("", description="the schema version the producer wrote, MAJOR.MINOR")
    ingested_at: UtcDatetime = Field(
        description="when the content entered the pipeline (set once at entry, carried through every stage)")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Give each concrete event its envelope defaults, so producers need not repeat them."""
        super().__pydantic_init_subclass__(**kwargs)
        if "SCHEMA" in cls.__dict__:
            fields = cls.__pydantic_fields__
            fields["schema_name"] = FieldInfo.merge_field_infos(
                fields["schema_name"], default=cls.SCHEMA, json_schema_extra={"const": cls.SCHEMA})
            fields["schema_version"] = FieldInfo.merge_field_infos(fields["schema_version"], default=cls.VERSION)
            cls.model_rebuild(force=True)

    @model_validator(mode="after")
    def _envelope_matches_class(self) -> Event:
        if self.schema_name != self.SCHEMA:
            raise ValueError(f"schema is {self.schema_name!r}, expected {self.SCHEMA!r}")
        if self.schema_version.split(".")[0] != self.VERSION.split(".")[0]:
            raise ValueError(f"schema_version {self.schema_version} is not major {self.VERSION.split('.')[0]}")
        return self


class SourceTime(Model):
    """A time a source gave (published, modified, a feed's date), normalised but with what the source said.

    A local time without a zone ("March 12, 2024 at 06:39") is stored as that wall time in UTC with
    `tz_known: false`; a bare date has precision `date` and midnight UTC.
    """

    utc: UtcDatetime = Field(description="the instant in UTC (the wall time as UTC when tz_known is false)")
    tz_known: bool = Field(description="whether the source stated a time zone or offset")
    precision: Literal["date", "datetime"] = Field(description="whether the source gave a time of day")
    original: str | None = Field(None, description="the string as the source wrote it")
    utc_offset_minutes: int | None = Field(
        None, description="the offset the source stated, in minutes east of UTC (for 'same day in the page's zone')")


def now_utc() -> datetime:
    return datetime.now(UTC)
