"""The agreement-customer registry (协议客户): who signed a safety agreement, and until when."""

import csv
import io
import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from screening.errors import InvalidInput

AgreementStatus = Literal["active", "suspended", "expired", "unknown"]


class Agreement(BaseModel):
    """One agreement customer as loaded from CSV or the admin API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    name: str = Field(min_length=1, max_length=200)
    carrier: str | None = Field(default=None, pattern=r"^[A-Z]{2,8}$")
    status: Literal["active", "suspended"] = "active"
    valid_from: date | None = None
    valid_until: date | None = None


class AgreementRegistry:
    """In-process registry, persisted as CSV so a restart keeps what the admin API loaded."""

    FIELDS = ("contract_id", "name", "carrier", "status", "valid_from", "valid_until")

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._by_id: dict[str, Agreement] = {}
        self._lock = threading.Lock()
        if path is not None and path.exists():
            self.upsert(parse_agreements_csv(path.read_text(encoding="utf-8")), persist=False)

    def status(self, contract_id: str | None, *, on: date) -> AgreementStatus:
        """Whether the agreement is usable on that day."""
        agreement = self._by_id.get(contract_id or "")
        if agreement is None:
            return "unknown"
        if agreement.status == "suspended":
            return "suspended"
        if (agreement.valid_until and on > agreement.valid_until) or (
            agreement.valid_from and on < agreement.valid_from
        ):
            return "expired"
        return "active"

    def upsert(self, agreements: Iterable[Agreement], *, persist: bool = True) -> int:
        """Add or replace agreements; returns how many."""
        with self._lock:
            count = 0
            for a in agreements:
                self._by_id[a.contract_id] = a
                count += 1
            if persist and self._path is not None:
                self._save()
        return count

    def all(self) -> list[Agreement]:
        """Every agreement, by id."""
        return [self._by_id[k] for k in sorted(self._by_id)]

    def _save(self) -> None:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.FIELDS)
        writer.writeheader()
        for a in self.all():
            writer.writerow({k: "" if v is None else str(v) for k, v in a.model_dump().items()})
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(self._path)


def parse_agreements_csv(text: str) -> list[Agreement]:
    """Agreements from CSV text; every bad row is reported with its line number."""
    rows = list(csv.DictReader(io.StringIO(text)))
    out: list[Agreement] = []
    problems: list[dict[str, object]] = []
    for line, row in enumerate(rows, start=2):
        clean = {k.strip(): (v.strip() or None) for k, v in row.items() if k}
        try:
            out.append(Agreement.model_validate(clean))
        except ValidationError as exc:
            problems.extend(
                {"loc": ["csv", line, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
            )
    if problems:
        raise InvalidInput(problems)
    return out
