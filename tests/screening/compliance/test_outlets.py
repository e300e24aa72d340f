"""The outlet registry: loaded from CSV like the agreement customers, kept across restarts."""

from pathlib import Path

import pytest

from screening.errors import InvalidInput
from screening.outlets import OutletRegistry, parse_outlets_csv

CSV = "outlet_id,carrier,province,city,district,name\nSF-A,SF,上海市,上海市,浦东新区,张江营业部\n"


def test_outlets_loaded_from_csv_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "outlets.csv"
    OutletRegistry(path).upsert(parse_outlets_csv("\ufeff" + CSV))
    again = OutletRegistry(path)
    outlet = again.get("SF-A", "SF")
    assert outlet is not None and (outlet.province, outlet.district) == ("上海市", "浦东新区")
    assert again.get("SF-Z", "SF") is None
    assert again.get("SF-A", "YTO") is None  # an outlet code is its carrier's own
    assert again.frame().columns == ["outlet_id", "carrier", "province", "city", "district", "name"]


def test_a_bad_csv_names_each_bad_row() -> None:
    text = CSV + "SF-B,sf,北京市,北京市,朝阳区,建国路\nSF-C,SF,,北京市,朝阳区,建国路\n"
    with pytest.raises(InvalidInput) as caught:
        parse_outlets_csv(text)
    assert sorted({(d["loc"][1], d["loc"][2]) for d in caught.value.detail}) == [
        (3, "carrier"),
        (4, "province"),
    ]
