"""The agreement-customer registry (协议客户): who signed a safety agreement, and until when."""

import os
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from screening.registry_csv import CsvRegistry, parse_csv_entries

AgreementStatus = Literal["active", "suspended", "expired", "not_yet_valid", "unknown"]


class Agreement(BaseModel):
    """One agreement customer as loaded from CSV or the admin API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # As on a waybill: any agreement number the carrier prints (HT/2026/0042, 协议2026-001).
    contract_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    name: str = Field(min_length=1, max_length=200)
    carrier: str | None = Field(default=None, pattern=r"^[A-Z]{2,8}$")
    status: Literal["active", "suspended"] = "active"
    valid_from: date | None = None
    valid_until: date | None = None

    @field_validator("valid_until", mode="after")
    @classmethod
    def _after_first_day(cls, value: date | None, info: ValidationInfo) -> date | None:
        first = info.data.get("valid_from")
        if value is not None and first is not None and value < first:
            raise PydanticCustomError("agreement_dates", "valid_until is before valid_from", {})
        return value


class AgreementRegistry(CsvRegistry[Agreement]):
    """The registry, shared by the workers through its CSV file; a restart keeps what the admin API loaded."""

    FIELDS = ("contract_id", "name", "carrier", "status", "valid_from", "valid_until")

    def __init__(self, path: Path | None = None) -> None:
        # One customer may sign with several carriers: each (customer, carrier) is its own agreement.
        super().__init__(path, parse=parse_agreements_csv, key=_key)

    def status(self, contract_id: str | None, *, on: date, carrier: str) -> AgreementStatus:
        """Whether the agreement is usable on that day for a parcel of that carrier."""
        # A safety agreement is signed with one carrier (快递暂行条例 art. 31); to others it is unknown. One
        # registered without a carrier stands for every carrier that has none of its own.
        self._refresh()
        agreement = self._by_id.get(_key_of(contract_id or "", carrier)) or self._by_id.get(
            _key_of(contract_id or "", None)
        )
        if agreement is None:
            return "unknown"
        if agreement.status == "suspended":
            return "suspended"
        if agreement.valid_until and on > agreement.valid_until:
            return "expired"
        if agreement.valid_from and on < agreement.valid_from:
            return "not_yet_valid"
        return "active"


def _key_of(contract_id: str, carrier: str | None) -> str:
    # A carrier code has no "|" (its pattern), so the last "|" parts the key, whatever the contract id holds.
    return f"{contract_id}|{carrier or ''}"


def _key(agreement: Agreement) -> str:
    return _key_of(agreement.contract_id, agreement.carrier)


def parse_agreements_csv(text: str) -> list[Agreement]:
    """Agreements from CSV text; every bad row is reported with its line number."""
    return parse_csv_entries(text, Agreement, lambda row: {k: v.strip() or None for k, v in row.items()})


def seed_agreements(registry: AgreementRegistry, *, seed_file: Path, seeded: Path) -> None:
    """Seed the registry from the operator's file: rows it lacks are added, and rows the file changed since
    the last seed replace the registry's; a row the file left as it was keeps what the admin API made of it
    (a worker's restart must not undo that), so suspending a customer in the file takes effect."""
    # utf-8-sig: a spreadsheet saves its CSV with a byte-order mark, which the upload route takes too.
    text = seed_file.read_text(encoding="utf-8-sig")
    rows = parse_agreements_csv(text)
    last = parse_agreements_csv(seeded.read_text(encoding="utf-8")) if seeded.exists() else []
    before = {_key(a): a for a in last}
    registry.upsert([a for a in rows if before.get(_key(a), a) != a], replace=True)
    registry.upsert(rows, replace=False)
    # The file as seeded, for the next start to tell which rows the operator changed since.
    seeded.parent.mkdir(parents=True, exist_ok=True)
    tmp = seeded.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(seeded)
