"""The simulator: deterministic from its seed, every row a valid waybill, a believable mix of violations."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from features.identity import id_problem
from screening.agreements import parse_agreements_csv
from screening.contract import Waybill
from screening.simulation import COLUMNS, Simulation, companion, simulate, waybill_dict


@pytest.fixture(scope="module")
def sim() -> Simulation:
    """Three weeks around Double 11."""
    return simulate(rows=6000, seed=21, start=date(2026, 10, 30), days=21)


def test_the_same_seed_gives_the_same_history_and_another_seed_another(sim: Simulation) -> None:
    again = simulate(rows=6000, seed=21, start=date(2026, 10, 30), days=21)
    assert_frame_equal(sim.waybills, again.waybills)
    assert_frame_equal(sim.agreements, again.agreements)
    other = simulate(rows=6000, seed=22, start=date(2026, 10, 30), days=21)
    assert other.waybills["waybill_no"].to_list() != sim.waybills["waybill_no"].to_list()


def test_every_row_is_a_valid_waybill(sim: Simulation) -> None:
    for row in sim.waybills.iter_rows(named=True):
        waybill = Waybill.model_validate(waybill_dict(row))
        assert waybill.parcel_key == f"{row['carrier']}:{row['waybill_no']}"


def test_the_file_has_the_wire_fields_flattened_plus_the_ground_truth(sim: Simulation) -> None:
    assert sim.waybills.columns == list(COLUMNS)
    assert {
        "sender_phone",
        "sender_id_type",
        "sender_id_number",
        "receiver_detail",
        "label",
        "violation_type",
    } <= set(COLUMNS)
    assert sim.waybills.height == 6000


def test_the_label_mix_is_believable(sim: Simulation) -> None:
    w = sim.waybills
    share = w["label"].mean()
    assert isinstance(share, float) and 0.01 < share < 0.05
    kinds = set(w.filter(pl.col("label") == 1)["violation_type"].unique())
    assert kinds == {"ant_moving", "counterfeit", "prohibited", "undervalued", "cbec_resale"}
    assert (w.filter(pl.col("label") == 0)["violation_type"] == "").all()
    assert (w.filter(pl.col("label") == 1)["evaded_cny"] > 0).mean() > 0.95  # type: ignore[operator]
    assert w["service"].value_counts().height == 3 and w["channel"].value_counts().height == 3
    assert w["carrier"].n_unique() == 7


def test_ant_moving_parcels_sit_just_under_the_limit_and_repeat_their_goods(sim: Simulation) -> None:
    ring = sim.waybills.filter(pl.col("violation_type") == "ant_moving")
    value_cny = ring["declared_value"] * ring["currency"].replace_strict(
        {"CNY": 1.0}, default=None, return_dtype=pl.Float64
    )
    in_cny = value_cny.drop_nulls()
    assert len(in_cny) > 10 and (in_cny < 1000).all() and (in_cny > 500).all()
    descriptions = ring["items"].list.first().struct.field("description")
    assert descriptions.n_unique() < len(ring) / 5


def test_rows_arrive_in_order_with_late_uploads_and_re_sends(sim: Simulation) -> None:
    w = sim.waybills
    assert w["received_at"].is_sorted()
    assert ((w["received_at"] - w["accepted_at"]).dt.total_minutes() > 5).sum() > 50
    assert w.select(pl.struct("carrier", "waybill_no").is_duplicated().sum()).item() > 30


def test_double_11_is_the_busiest_day(sim: Simulation) -> None:
    days = sim.waybills.group_by(pl.col("accepted_at").dt.date().alias("day")).len().sort("len")
    assert days["day"][-1] in (date(2026, 11, 11), date(2026, 11, 12))
    assert days["len"][-1] > 1.8 * days["len"].median()  # type: ignore[operator]


def test_identity_numbers_have_correct_check_digits(sim: Simulation) -> None:
    ids = sim.waybills.filter(pl.col("sender_id_type") == "resident_id")["sender_id_number"]
    assert len(ids) > 1000
    assert all(id_problem("resident_id", n, today=date(2026, 11, 1)) is None for n in ids)


def test_outlets_and_agreements_are_written_beside_the_history(sim: Simulation, tmp_path: Path) -> None:
    path = tmp_path / "history.parquet"
    written = sim.write(path)
    assert written == [path, companion(path, "outlets"), companion(path, "agreements")]
    assert_frame_equal(pl.read_parquet(path), sim.waybills)
    agreements = parse_agreements_csv(companion(path, "agreements").read_text(encoding="utf-8"))
    assert {a.status for a in agreements} == {"active", "suspended"}
    outlets = pl.read_csv(companion(path, "outlets"))
    assert outlets.columns == ["outlet_id", "carrier", "province", "city", "district", "name"]
    assert set(sim.waybills["outlet_id"]) <= set(outlets["outlet_id"])
    contracts = sim.waybills["sender_contract_id"].drop_nulls()
    assert set(contracts) <= {a.contract_id for a in agreements}
