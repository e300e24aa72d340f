"""CSV registries: bad rows named by their line, short and long rows included; workers share the file."""

from datetime import date
from pathlib import Path

import pytest

from screening.agreements import AgreementRegistry, parse_agreements_csv
from screening.errors import InvalidInput
from screening.outlets import OutletRegistry, parse_outlets_csv

AGREEMENTS = "contract_id,name,carrier,status,valid_from,valid_until\n"


def test_a_good_agreement_row_parses() -> None:
    [a] = parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,active,2026-01-01,2026-12-31\n")
    assert a.contract_id == "C-1"


def test_a_short_row_names_the_missing_fields_by_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,active,2026-01-01,2026-12-31\nC-2,Shop\n")
    locs = {tuple(d["loc"][:3]) for d in caught.value.detail}
    assert ("csv", 3, "status") in locs


def test_a_row_longer_than_the_header_is_refused_by_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_outlets_csv(
            "outlet_id,carrier,province,city,district,name\nO1,SF,北京市,北京市,朝阳区,网点,extra\n"
        )
    assert caught.value.detail[0]["loc"] == ["csv", 2]


def test_a_file_without_its_header_row_is_refused_naming_the_missing_columns() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_agreements_csv("C-1,Shop,SF,active,2026-01-01,2026-12-31\n")
    assert [d["loc"] for d in caught.value.detail] == [["csv", 1, "contract_id"], ["csv", 1, "name"]]


def test_workers_sharing_the_file_see_and_keep_each_others_entries(tmp_path: Path) -> None:
    """Two workers of one data dir: each reads the other's upsert, and neither save loses the other's."""
    path = tmp_path / "agreements.csv"
    first, second = AgreementRegistry(path), AgreementRegistry(path)
    day = date(2026, 6, 1)
    first.upsert(parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,active,,\n"))
    assert second.status("C-1", on=day, carrier="SF") == "active"
    second.upsert(parse_agreements_csv(AGREEMENTS + "C-2,Other,SF,suspended,,\n"))
    first.upsert(parse_agreements_csv(AGREEMENTS + "C-3,Third,SF,active,,\n"))
    for registry in (first, second, AgreementRegistry(path)):
        assert [a.contract_id for a in registry.all()] == ["C-1", "C-2", "C-3"]
        assert registry.status("C-2", on=day, carrier="SF") == "suspended"


def test_outlets_registered_through_one_worker_are_found_by_the_other(tmp_path: Path) -> None:
    path = tmp_path / "outlets.csv"
    first, second = OutletRegistry(path), OutletRegistry(path)
    assert second.get("0042", "SF") is None
    first.upsert(
        parse_outlets_csv(
            "outlet_id,carrier,province,city,district,name\n0042,SF,北京市,北京市,朝阳区,网点\n"
        )
    )
    found = second.get("0042", "SF")
    assert found is not None and found.city == "北京市"


def test_a_file_broken_after_start_keeps_the_last_good_entries(tmp_path: Path) -> None:
    path = tmp_path / "agreements.csv"
    registry = AgreementRegistry(path)
    registry.upsert(parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,active,,\n"))
    path.write_text(AGREEMENTS + "C-1,Shop,sf,active,,\n", encoding="utf-8")  # by hand: a bad carrier
    assert registry.status("C-1", on=date(2026, 6, 1), carrier="SF") == "active"
    registry.upsert(parse_agreements_csv(AGREEMENTS + "C-2,Other,SF,active,,\n"))  # writes a good file again
    assert [a.contract_id for a in AgreementRegistry(path).all()] == ["C-1", "C-2"]


def test_an_upsert_after_the_file_was_replaced_without_the_lock_does_not_hang(tmp_path: Path) -> None:
    path = tmp_path / "agreements.csv"
    registry = AgreementRegistry(path)
    path.write_text(AGREEMENTS + "C-1,Shop,SF,active,,\n", encoding="utf-8")  # an operator's copy
    registry.upsert(parse_agreements_csv(AGREEMENTS + "C-2,Other,SF,active,,\n"))
    assert [a.contract_id for a in registry.all()] == ["C-1", "C-2"]


def test_seeding_adds_what_is_missing_and_keeps_what_an_admin_changed(tmp_path: Path) -> None:
    path = tmp_path / "agreements.csv"
    AgreementRegistry(path).upsert(parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,suspended,,\n"))
    restarted = AgreementRegistry(path)
    seed = parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,active,,\nC-2,Other,SF,active,,\n")
    restarted.upsert(seed, replace=False)
    day = date(2026, 6, 1)
    assert restarted.status("C-1", on=day, carrier="SF") == "suspended"
    assert restarted.status("C-2", on=day, carrier="SF") == "active"


def test_an_empty_file_is_an_empty_registry() -> None:
    assert parse_agreements_csv("") == []
