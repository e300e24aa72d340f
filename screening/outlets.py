"""The outlet registry (收寄网点): each pickup outlet's carrier and region, for audits by place."""

from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from screening.registry_csv import CsvRegistry, parse_csv_entries

# How an outlet missing from the registry shows in reports: it is kept, never dropped or guessed.
UNKNOWN = "未登记"
UNKNOWN_NAME = "未登记网点 (unknown outlet)"


class Outlet(BaseModel):
    """One pickup outlet as loaded from CSV."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    outlet_id: str = Field(min_length=1, max_length=64)
    carrier: str = Field(pattern=r"^[A-Z]{2,8}$")
    province: str = Field(min_length=1, max_length=40)
    city: str = Field(min_length=1, max_length=40)
    district: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)


def outlet_key(outlet: Outlet) -> str:
    """The registry key of an outlet: its carrier and its code (a carrier code has no "|")."""
    return f"{outlet.carrier}|{outlet.outlet_id}"


OUTLET_SCHEMA = pl.Schema({name: pl.String() for name in Outlet.model_fields})


class OutletRegistry(CsvRegistry[Outlet]):
    """The registry, shared by the workers through its CSV file; a restart keeps what was loaded."""

    FIELDS = tuple(Outlet.model_fields)

    def __init__(self, path: Path | None = None) -> None:
        # Outlet codes are each carrier's own: SF's 0042 and YTO's 0042 are two places.
        super().__init__(path, parse=parse_outlets_csv, key=outlet_key)

    def get(self, outlet_id: str, carrier: str) -> Outlet | None:
        """The carrier's outlet, None when it is not registered."""
        self._refresh()
        return self._by_id.get(f"{carrier}|{outlet_id}")

    def frame(self) -> pl.DataFrame:
        """Every outlet as a frame (outlet_id, carrier, province, city, district, name) to join on."""
        return pl.DataFrame([o.model_dump() for o in self.all()], schema=OUTLET_SCHEMA)


def parse_outlets_csv(text: str) -> list[Outlet]:
    """Outlets from CSV text (outlet_id,carrier,province,city,district,name); bad rows named by line."""
    return parse_csv_entries(
        text.removeprefix("\ufeff"),
        Outlet,
        lambda row: {k: (v or "").strip() or None for k, v in row.items()},
    )
