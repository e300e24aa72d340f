"""What the audit API and commands take in: reporting periods and trace queries."""

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from screening.compliance.periods import FIRST_DAY, LAST_DAY, Period
from screening.contract import Address, IdType
from screening.errors import InvalidInput

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _iso_day(value: Any) -> Any:
    # Pydantic's lax date also reads a number of seconds since 1970 (from=1763424000): a day is written.
    if not isinstance(value, date) and not (isinstance(value, str) and _ISO_DAY.fullmatch(value.strip())):
        raise PydanticCustomError("date_form", "a day is written YYYY-MM-DD, e.g. 2026-11-16")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


def _ends_after(end: date | None, info: ValidationInfo) -> None:
    start = info.data.get("start")
    if end is not None and start is not None and end < start:
        raise PydanticCustomError("period_order", "the period ends before it starts")


class PeriodQuery(BaseModel):
    """The period an audit asks for: an ISO week, a month or a range of Beijing days (none: last week)."""

    model_config = ConfigDict(frozen=True)

    week: str | None = Field(None, description="ISO week in Beijing time, e.g. 2026-W47")
    month: str | None = Field(None, description="calendar month, e.g. 2026-11")
    start: IsoDay | None = Field(None, alias="from", description="first Beijing day")
    end: IsoDay | None = Field(None, alias="to", description="last Beijing day")

    # Checked field by field, so that a bad period is named beside the other bad parameters of a request.
    @field_validator("week", "month", mode="after")
    @classmethod
    def _label(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            try:
                Period.week(value) if info.field_name == "week" else Period.month(value)
            except InvalidInput as exc:
                raise PydanticCustomError("period_label", exc.detail[0]["msg"]) from None
        return value

    @field_validator("start", mode="after")
    @classmethod
    def _from(cls, value: date | None) -> date | None:
        if value is not None and value < FIRST_DAY:
            raise PydanticCustomError("date_range", "a day from 2000-01-01 on")
        return value

    @field_validator("end", mode="after")
    @classmethod
    def _to(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and value > LAST_DAY:
            raise PydanticCustomError("date_range", "a day up to 2099-12-31")
        _ends_after(value, info)
        return value

    def period(self) -> Period:
        """The period asked for; without one, the last complete week (what the Friday report covers)."""
        if self.week is not None:
            return Period.week(self.week)
        if self.month is not None:
            return Period.month(self.month)
        if self.start is not None or self.end is not None:
            first = self.start or self.end
            assert first is not None
            return Period.days(first, self.end or first)
        return Period.last_complete_week()


TraceKind = Literal["waybill", "phone", "id", "address", "account", "ip"]


class TraceQuery(BaseModel):
    """One identifier to trace over a period of Beijing days (溯源追查).

    An ID number is a secret from the moment it is typed: it is keyed with the HMAC before the search and
    never kept, shown or logged.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=True)

    start: IsoDay = Field(alias="from")
    end: IsoDay = Field(alias="to")
    waybill_no: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{8,32}$")] | None = None
    carrier: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")] | None = None
    phone: Annotated[str, Field(min_length=3, max_length=32)] | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] = "CN"
    id_number: SecretStr | None = None
    # After id_number, so that a number without its type names the type.
    id_type: Annotated[IdType | None, Field(validate_default=True)] = None
    address: Address | None = None
    account: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    ip: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @field_validator("end", mode="after")
    @classmethod
    def _to(cls, value: date, info: ValidationInfo) -> date:
        _ends_after(value, info)
        start = info.data.get("start")
        if start is not None and (value - start).days > 366:
            raise PydanticCustomError("period_length", "trace at most 367 days at a time")
        return value

    @field_validator("id_type", mode="after")
    @classmethod
    def _typed(cls, value: IdType | None, info: ValidationInfo) -> IdType | None:
        if value is None and info.data.get("id_number") is not None:
            raise PydanticCustomError("id_type_missing", "an id_number needs its id_type")
        return value

    @model_validator(mode="after")
    def _one_identifier(self) -> "TraceQuery":
        given = [
            name
            for name in ("waybill_no", "phone", "id_number", "address", "account", "ip")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of waybill_no, phone, id_number, address, account, ip"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def kind(self) -> TraceKind:
        """Which identifier is traced."""
        if self.waybill_no is not None:
            return "waybill"
        if self.phone is not None:
            return "phone"
        if self.id_number is not None:
            return "id"
        if self.address is not None:
            return "address"
        return "account" if self.account is not None else "ip"
