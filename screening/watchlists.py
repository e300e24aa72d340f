"""Watch and black lists, and confirmed violations: which entity keys an identifier stands for."""

import json
import os
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal

import phonenumbers
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from features.identity import document_text
from screening.contract import Address, IdType
from screening.entities import address_key, building_of
from screening.privacy import PersonalData
from screening.registry_csv import parse_csv_entries

ListName = Literal["watch", "black"]
EntityKind = Literal["id", "phone", "address", "account", "ip"]


class EntityRef(BaseModel):
    """An identifier as an officer types it: an ID, a phone, an address, an account or an IP."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EntityKind
    value: str | None = Field(default=None, min_length=1, max_length=200)
    id_type: IdType | None = None
    country: str = Field(default="CN", min_length=2, max_length=2)
    address: Address | None = None

    @model_validator(mode="after")
    def _complete(self) -> "EntityRef":
        if self.kind == "address":
            if self.address is None:
                raise ValueError("an address entry needs address")
            if not building_of(self.address):
                raise ValueError("the address names no city and building to match on")
        elif not self.value:
            raise ValueError(f"a {self.kind} entry needs value")
        if self.kind == "id" and self.id_type is None:
            raise ValueError("an id entry needs id_type")
        if self.kind == "phone":
            try:
                parsed = phonenumbers.parse(self.value or "", self.country.upper())
            except phonenumbers.NumberParseException as exc:
                raise ValueError(f"not a phone number: {exc}") from None
            if not phonenumbers.is_possible_number(parsed):
                raise ValueError("not a possible phone number")
        return self

    def keys(self, privacy: PersonalData) -> list[str]:
        """The entity keys this identifier is counted under, in every role it can play."""
        if self.kind == "id":
            number = document_text(self.id_type or "", self.value or "")
            return [privacy.key("sid", number), privacy.key("rid", number)]
        if self.kind == "phone":
            parsed = phonenumbers.parse(self.value or "", self.country.upper())
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            return [privacy.key("sph", e164), privacy.key("rph", e164)]
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

    at: AwareDatetime
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
