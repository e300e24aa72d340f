"""Watch and black lists, and confirmed violations: which entity keys an identifier stands for."""

import json
import os
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from features.identity import document_text
from screening.contract import Address, IdType, Timestamp, e164, id_number_well_formed, phone_problem
from screening.entities import address_key, building_of
from screening.privacy import PersonalData
from screening.registry_csv import parse_csv_entries

ListName = Literal["watch", "black"]
EntityKind = Literal["id", "phone", "address", "account", "ip"]


class EntityRef(BaseModel):
    """An identifier as an officer types it: an ID, a phone, an address, an account or an IP."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Checked field by field, each after those it depends on, so that an error names its own field.
    kind: EntityKind
    id_type: IdType | None = Field(default=None, validate_default=True)
    country: str = Field(default="CN", min_length=2, max_length=2)
    address: Address | None = Field(default=None, validate_default=True)
    value: str | None = Field(default=None, min_length=1, max_length=200, validate_default=True)

    @field_validator("id_type")
    @classmethod
    def _id_type(cls, id_type: IdType | None, info: ValidationInfo) -> IdType | None:
        if info.data.get("kind") == "id" and id_type is None:
            raise ValueError("an id entry needs id_type")
        return id_type

    @field_validator("address")
    @classmethod
    def _address(cls, address: Address | None, info: ValidationInfo) -> Address | None:
        if info.data.get("kind") == "address":
            if address is None:
                raise ValueError("an address entry needs address")
            if not building_of(address):
                raise ValueError("the address names no city and building to match on")
        return address

    @field_validator("value")
    @classmethod
    def _value(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind is None or kind == "address":
            return value  # kind failed and is named there; an address entry is matched by address
        if not value:
            raise ValueError(f"a {kind} entry needs value")
        id_type = info.data.get("id_type")
        if kind == "id" and id_type is not None and not id_number_well_formed(id_type, value.upper()):
            # The same rule as a waybill's: such a number is never scored, so it could never match.
            raise ValueError(f"the wrong length or characters for {id_type}")
        if kind == "phone":
            # The waybill's own rule: a number a parcel can carry, and one the same key can match.
            problem = phone_problem(value, info.data.get("country", "CN").upper())
            if problem is not None:
                raise ValueError(problem)
        return value

    def keys(self, privacy: PersonalData) -> list[str]:
        """The entity keys this identifier is counted under, in every role it can play."""
        if self.kind == "id":
            number = document_text(self.id_type or "", self.value or "")
            return [privacy.key("sid", number), privacy.key("rid", number)]
        if self.kind == "phone":
            number = e164(self.value or "", self.country.upper())
            return [privacy.key("sph", number), privacy.key("rph", number)]
        if self.kind == "address":
            assert self.address is not None
            keys = (address_key(privacy, self.address, role) for role in ("s", "r"))
            return [key for key in keys if key is not None]
        if self.kind == "account":
            return [privacy.key("acct", self.value or "")]
        return [privacy.key("ip", self.value or "")]


class ListEntry(EntityRef):
    """An identifier put on (or taken off) a list."""

    list: ListName = "watch"
    listed: bool = True


class Violation(EntityRef):
    """A confirmed violation of an identifier, at a time, for a parcel."""

    at: Timestamp
    parcel: str = Field(min_length=3, max_length=64, pattern=r"^[A-Z]{2,8}:[A-Za-z0-9-]{1,40}$")

    @property
    def at_ms(self) -> int:
        """The time as epoch milliseconds."""
        return int(self.at.timestamp() * 1000)


def parse_list_csv(text: str) -> list[ListEntry]:
    """List entries from CSV (list,kind,value,id_type,country,province,city,district,detail)."""
    return parse_csv_entries(text, ListEntry, _list_entry_fields)


def _list_entry_fields(row: dict[str, Any]) -> dict[str, object]:
    """A list entry's fields from a CSV row: blanks take the defaults, an address gathers its columns."""
    clean = {k: (v or "").strip() for k, v in row.items()}
    raw: dict[str, object] = {
        "list": clean.get("list") or "watch",
        "kind": clean.get("kind"),
        "value": clean.get("value") or None,
        "id_type": clean.get("id_type") or None,
        "country": clean.get("country") or "CN",
    }
    if clean.get("kind") == "address":
        raw["address"] = {
            f: clean.get(f) or None for f in ("country", "province", "city", "district", "detail")
        } | {"country": clean.get("country") or "CN"}
    return raw


class Ledger:
    """An append-only JSON-lines file of list changes and violations by entity key, replayed at start.

    Only keyed (HMAC) entities are written: never the identifier as typed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, records: Sequence[dict[str, object]]) -> None:
        """Write records durably before they are acknowledged."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[dict[str, Any]]:
        """Every record written so far (a torn last line from a crash is skipped)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            with suppress(json.JSONDecodeError):
                out.append(json.loads(line))
        return out
