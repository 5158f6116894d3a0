"""Building blocks shared by every event: the strict-to-write, lenient-to-read base model and time types.

Producers build events strictly: an unknown field is an error when a model is constructed (`Model(...)`), at
every depth of what is passed in. Readers ignore fields they do not know (a newer minor version may add
optional fields): reading (`model_validate`, `model_validate_json`, which the codec uses) ignores them all the
way down. The check lives in `__init__`, not in a validator, so reading runs entirely in pydantic-core.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, core_schema


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class _UtcInstant:
    """The validation of `UtcDatetime`. Reading JSON, a time already in UTC (what `encode` writes) is checked in
    pydantic-core without calling back into Python: a Python validator per time field was a quarter of the cost
    of decoding an article. Anything else, and every Python object, is converted to UTC by `_to_utc`."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        converted = core_schema.no_info_after_validator_function(
            _to_utc, core_schema.datetime_schema(tz_constraint="aware"))
        already_utc = core_schema.union_schema(
            [core_schema.datetime_schema(tz_constraint=0), converted], mode="left_to_right",
            custom_error_type="utc_datetime", custom_error_message="Input should be a timezone-aware date-time")
        return core_schema.json_or_python_schema(json_schema=already_utc, python_schema=converted)


UtcDatetime = Annotated[datetime, _UtcInstant]
"""An instant: timezone-aware on input (a naive datetime is refused), stored and emitted in UTC."""


class Model(BaseModel):
    """Base of every model on the wire: immutable; unknown fields refused when built, ignored when read."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, use_enum_values=True)

    def __init__(self, /, **data: Any) -> None:
        unknown = unknown_fields(type(self), data)
        if unknown:
            raise ValidationError.from_exception_data(type(self).__name__, [{
                "type": PydanticCustomError("unknown_field", "unknown field(s) for {model}: {fields}",
                                            {"model": type(self).__name__, "fields": ", ".join(unknown)}),
                "loc": (), "input": data}])
        super().__init__(**data)

    # pydantic calls a model's own __init__ from model_validate too, unless it is marked as a base __init__ (as
    # BaseModel's is): marked, reading keeps ignoring unknown fields and stays in pydantic-core
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]


def unknown_fields(model: type[Model], data: Mapping[str, Any], path: str = "") -> list[str]:
    """The keys of `data`, and of the dicts nested in it where the model expects models, that the model does
    not know (dotted paths)."""
    known = _known_names(model)
    found = [f"{path}{key}" for key in data if key not in known]
    for name, field in model.model_fields.items():
        value = data.get(name, data.get(field.alias) if field.alias else None)
        if isinstance(value, Mapping | list | tuple):
            found += _unknown_nested(field.annotation, value, f"{path}{name}")
    return found


@functools.cache
def _known_names(model: type[Model]) -> frozenset[str]:
    return frozenset(model.model_fields) | {f.alias for f in model.model_fields.values() if f.alias}


def _unknown_nested(annotation: Any, value: Any, path: str) -> list[str]:
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return unknown_fields(annotation, value, f"{path}.") if isinstance(value, Mapping) else []
    if origin is Annotated:
        return _unknown_nested(args[0], value, path)
    if origin in (Union, types.UnionType):  # the reading that finds the fewest unknown fields
        return min((_unknown_nested(arg, value, path) for arg in args), key=len, default=[])
    if origin in (list, tuple, set, frozenset) and isinstance(value, list | tuple) and args:
        return [u for n, item in enumerate(value) for u in _unknown_nested(args[0], item, f"{path}[{n}]")]
    if origin in (dict, Mapping) and isinstance(value, Mapping) and len(args) == 2:
        return [u for key, item in value.items() for u in _unknown_nested(args[1], item, f"{path}[{key}]")]
    return []


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
