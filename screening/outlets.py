"""The outlet registry (收寄网点): each pickup outlet's carrier and region, for audits by place."""

import csv
import io
import threading
from collections.abc import Iterable
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from screening.errors import InvalidInput

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


OUTLET_SCHEMA = pl.Schema({name: pl.String() for name in Outlet.model_fields})


class OutletRegistry:
    """In-process registry, persisted as CSV so a restart keeps what was loaded."""

    FIELDS = tuple(Outlet.model_fields)

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._by_id: dict[str, Outlet] = {}
        self._lock = threading.Lock()
        if path is not None and path.exists():
            self.upsert(parse_outlets_csv(path.read_text(encoding="utf-8-sig")), persist=False)

    def get(self, outlet_id: str) -> Outlet | None:
        """The outlet, None when it is not registered."""
        return self._by_id.get(outlet_id)

    def upsert(self, outlets: Iterable[Outlet], *, persist: bool = True) -> int:
        """Add or replace outlets; returns how many."""
        with self._lock:
            count = 0
            for o in outlets:
                self._by_id[o.outlet_id] = o
                count += 1
            if persist and self._path is not None:
                self._save()
        return count

    def all(self) -> list[Outlet]:
        """Every outlet, by id."""
        return [self._by_id[k] for k in sorted(self._by_id)]

    def frame(self) -> pl.DataFrame:
        """Every outlet as a frame (outlet_id, carrier, province, city, district, name) to join on."""
        return pl.DataFrame([o.model_dump() for o in self.all()], schema=OUTLET_SCHEMA)

    def _save(self) -> None:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.FIELDS)
        writer.writeheader()
        for o in self.all():
            writer.writerow(o.model_dump())
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(self._path)


def parse_outlets_csv(text: str) -> list[Outlet]:
    """Outlets from CSV text (outlet_id,carrier,province,city,district,name); bad rows named by line."""
    out: list[Outlet] = []
    problems: list[dict[str, object]] = []
    for line, row in enumerate(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))), start=2):
        clean = {k.strip(): (v or "").strip() or None for k, v in row.items() if k}
        try:
            out.append(Outlet.model_validate(clean))
        except ValidationError as exc:
            problems.extend(
                {"loc": ["csv", line, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
            )
    if problems:
        raise InvalidInput(problems)
    return out
