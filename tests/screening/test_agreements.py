"""Seeding the agreement registry from the operator's file at every start."""

import asyncio
from datetime import date
from pathlib import Path

from screening.agreements import Agreement, AgreementRegistry, read_seed_file

HEADER = "contract_id,name,carrier,status,valid_from,valid_until"
ON = date(2026, 6, 1)


def start(folder: Path, rows: str) -> AgreementRegistry:
    """A worker's start: the file as the operator left it, seeded into the data dir's registry."""
    seed = folder / "seed.csv"
    seed.write_text(f"{HEADER}\n{rows}", encoding="utf-8")
    data = folder / "data"
    registry = AgreementRegistry(data / "agreements.csv", seeded=data / "agreements.seeded.csv")
    asyncio.run(registry.load(read_seed_file(seed)))
    return registry


def status(registry: AgreementRegistry, contract_id: str) -> str:
    return registry.status(contract_id, on=ON, carrier="SF")


def suspend_through_the_api(registry: AgreementRegistry, contract_id: str) -> None:
    registry.upsert([Agreement(contract_id=contract_id, name="某网店", carrier="SF", status="suspended")])


def test_rows_the_registry_lacks_are_added(tmp_path: Path) -> None:
    registry = start(tmp_path, "SHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n")
    assert status(registry, "SHOP-1") == "active"


def test_a_row_the_file_left_alone_keeps_what_the_admin_api_made_of_it(tmp_path: Path) -> None:
    rows = "SHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n"
    suspend_through_the_api(start(tmp_path, rows), "SHOP-1")
    assert status(start(tmp_path, rows), "SHOP-1") == "suspended"


def test_a_row_the_operator_suspended_in_the_file_is_suspended_at_the_next_start(tmp_path: Path) -> None:
    start(tmp_path, "SHOP-1,某网店,SF,active,2026-01-01,2026-12-31\nSHOP-2,另一网店,SF,active,,\n")
    registry = start(
        tmp_path, "SHOP-1,某网店,SF,suspended,2026-01-01,2026-12-31\nSHOP-2,另一网店,SF,active,,\n"
    )
    assert (status(registry, "SHOP-1"), status(registry, "SHOP-2")) == ("suspended", "active")


def test_a_row_changed_in_the_file_after_an_api_change_is_the_newest_word(tmp_path: Path) -> None:
    suspend_through_the_api(start(tmp_path, "SHOP-1,某网店,SF,active,2026-01-01,2026-05-31\n"), "SHOP-1")
    # The operator renewed the agreement in the file: the row changed, so it replaces the API's suspension.
    assert status(start(tmp_path, "SHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n"), "SHOP-1") == "active"


def test_a_row_taken_out_of_the_file_stays_in_the_registry(tmp_path: Path) -> None:
    start(tmp_path, "SHOP-1,某网店,SF,active,,\n")
    assert status(start(tmp_path, ""), "SHOP-1") == "active"
