"""What the audit API and commands take in: trace queries."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from screening.contract import Address, IdType

TraceKind = Literal["waybill", "phone", "id", "address", "account", "ip"]


class TraceQuery(BaseModel):
    """One identifier to trace over a period of Beijing days (溯源追查).

    An ID number is a secret from the moment it is typed: it is keyed with the HMAC before the search and
    never kept, shown or logged.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    waybill_no: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{8,32}$")] | None = None
    carrier: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")] | None = None
    phone: Annotated[str, Field(min_length=3, max_length=32)] | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] = "CN"
    id_type: IdType | None = None
    id_number: SecretStr | None = None
    address: Address | None = None
    account: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    ip: Annotated[str, Field(min_length=1, max_length=64)] | None = None

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
        if self.id_number is not None and self.id_type is None:
            raise ValueError("an id_number needs its id_type")
        if self.end < self.start:
            raise ValueError("the period ends before it starts")
        if (self.end - self.start).days > 366:
            raise ValueError("trace at most 367 days at a time")
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
