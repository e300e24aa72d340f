"""Scenarios of inspection results reported over HTTP (POST /v1/inspections), from the shared sources.

Written from ../shared/contract/README.md (`POST /v1/inspections`: `{carrier, waybill_no, result,
violation_type?, note?, inspected_at}`; it becomes a training label and, for a violation, a confirmed
violation of the parcel's entities; (carrier, waybill_no) identifies a parcel; bad input is a 422 naming
every field and changing no state), ../shared/domain/RULES.md (PRIOR_VIOLATIONS: inspect for one confirmed
violation, hold for two within a year, 刑法 art. 153) and the README (a confirmed violation is dated at the
parcel's pickup; a listed address or a violation recorded on one reaches both sides; customs keys report
inspections, carrier keys reach only their own carrier's parcels, admin keys only /v1/admin; a violation
reported while the history is unreachable is refused with a 503; `screening labels export` writes 1 for a
violation and 0 for a clear).
"""

from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import httpx2
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from screening.policy.schemas import Policy
from screening.settings import Settings, get_settings
from tests.api.answers import codes, reason_of
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import (
    BASE_TIME,
    cn_receiver,
    export_postal,
    hk_receiver,
    inspection_report,
    item,
    party,
    resident_id,
    waybill,
)
from tests.services_redis import free_port

DAY_H = 24.0

# The violating parcel's entities, none of them shared with the factories' defaults.
SENDER_ID = resident_id(region="440305", birth="19820202", seq="415")
SENDER_PHONE = "13700051001"
SENDER_ADDRESS = {"district": "徐汇区", "detail": "漕溪北路595号2号楼1101室", "postcode": "200030"}
RECEIVER_ID = resident_id(region="440305", birth="19830303", seq="426")
RECEIVER_PHONE = "13700051002"
RECEIVER_ADDRESS = {"district": "东城区", "detail": "东四十条100号7号楼301"}
ACCOUNT = "6222020200556677889"


# Helpers ------------------------------------------------------------------------------------------------


def prior(decision: dict[str, Any]) -> tuple[str, str, str, int]:
    """(decision, PRIOR_VIOLATIONS outcome, its entity, its count of violations)."""
    r = reason_of(decision, "PRIOR_VIOLATIONS")
    return decision["decision"], r["outcome"], r["evidence"]["entity"], r["evidence"]["violations"]


def counted(decision: dict[str, Any]) -> tuple[str, str, str, int]:
    """(decision, PRIOR_VIOLATIONS outcome, the side of its entity, its count of violations)."""
    decision_, outcome, entity, count = prior(decision)
    return decision_, outcome, entity.split("_")[0], count


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body."""
    return [e["loc"] for e in body["detail"]]


def at(hours: float) -> str:
    """A timestamp `hours` after the base time, ISO-8601 with the Beijing offset."""
    return (BASE_TIME + timedelta(hours=hours)).isoformat()


def inspection(wb: dict[str, Any], result: str, hours: float = 1.0, **more: Any) -> dict[str, Any]:
    """An inspection report of a waybill, made `hours` after the base time."""
    return inspection_report(wb, result, inspected_at=at(hours)) | more


def report(client: CaseClient, body: dict[str, Any], **headers: str) -> httpx2.Response:
    """POST /v1/inspections."""
    return client.http.post("/v1/inspections", json=body, headers=headers)


def reported(client: CaseClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    """POST /v1/inspections and expect it accepted."""
    r = report(client, body, **headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def officer(client: CaseClient) -> CaseClient:
    """The client, logged in as an officer (who may report inspections)."""
    client.as_new("wang", "officer")
    return client


def violating_parcel(**changes: Any) -> dict[str, Any]:
    """A released domestic parcel with every kind of entity: sender ID, phone and address, receiver ID,
    phone and address, payment account."""
    base: dict[str, Any] = {
        "sender": party(phone=SENDER_PHONE, id_number=SENDER_ID, address=SENDER_ADDRESS),
        "receiver": cn_receiver(
            phone=RECEIVER_PHONE, id_type="resident_id", id_number=RECEIVER_ID, address=RECEIVER_ADDRESS
        ),
        "order": {"platform": "shop", "order_id": "O-501", "payment_account": ACCOUNT},
    }
    return waybill(**(base | changes))


def stranger(seq: str, **changes: Any) -> dict[str, Any]:
    """A sender sharing nothing with the violating parcel (own ID, phone and building), but for changes."""
    own: dict[str, Any] = {
        "name": "赵敏",
        "phone": f"13600{seq:0>6}",
        "id_number": resident_id(region="510104", birth="19910909", seq=seq),
        "address": {"district": "静安区", "detail": f"南京西路{seq}号", "postcode": "200040"},
    }
    return party(**(own | changes))


# The next parcel, picked up after the violating one, sharing exactly one entity with it, on the side the
# entity had there.
SAME_SIDE: dict[str, Callable[[], dict[str, Any]]] = {
    "sender_id": lambda: waybill(hours_after=3, sender=party(phone="13600000001", id_number=SENDER_ID)),
    "sender_phone": lambda: waybill(hours_after=3, sender=stranger("002", phone=SENDER_PHONE)),
    # The same building written another way, by another person.
    "sender_address": lambda: waybill(
        hours_after=3,
        sender=stranger("003", address={"district": "徐汇区", "detail": "漕溪北路 595号 2号楼 1203室"}),
    ),
    "receiver_id": lambda: waybill(
        hours_after=3, receiver=cn_receiver(id_type="resident_id", id_number=RECEIVER_ID)
    ),
    "receiver_phone": lambda: waybill(hours_after=3, receiver=cn_receiver(phone=RECEIVER_PHONE)),
    "receiver_address": lambda: waybill(
        hours_after=3,
        receiver=cn_receiver(
            name="王芳",
            phone="13600000006",
            address={"district": "东城区", "detail": "东四十条100号7号楼 1502室"},
        ),
    ),
    "payment_account": lambda: waybill(
        hours_after=3, order={"platform": "shop", "order_id": "O-502", "payment_account": ACCOUNT}
    ),
}

# The next parcel with the violating parcel's building on the other side: "a violation recorded on [an
# address] reaches both" (README, What is checked).
OTHER_SIDE: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "sender_address as receiver": (
        "receiver_address",
        lambda: waybill(
            hours_after=3,
            receiver=cn_receiver(
                name="王芳",
                phone="13600000011",
                address={"province": "上海市", "city": "上海市", **SENDER_ADDRESS},
            ),
        ),
    ),
    "receiver_address as sender": (
        "sender_address",
        lambda: waybill(
            hours_after=3,
            sender=stranger("014", address={"province": "北京市", "city": "北京市", **RECEIVER_ADDRESS}),
        ),
    ),
}


def labels(client: CaseClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, ...]]:
    """`screening labels export` of the app's case database: (carrier, waybill_no, label, violation_type,
    source) per label."""
    monkeypatch.setenv("SCREENING_DATA_DIR", str(client.app.state.settings.data_dir))
    monkeypatch.delenv("SCREENING_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    out = tmp_path / "exports" / f"labels-{len(list(tmp_path.glob('exports/*')))}.parquet"
    try:
        done = CliRunner().invoke(cli, ["labels", "export", "--out", str(out)])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    frame = pl.read_parquet(out)
    return frame.select("carrier", "waybill_no", "label", "violation_type", "source").rows()


# A violation reaches every entity of the parcel; a building on either side -------------------------------


@pytest.mark.parametrize("kind", list(SAME_SIDE))
def test_a_reported_violation_flags_the_next_parcel_of_each_entity_of_the_parcel(
    cases_client: CaseClient, kind: str
) -> None:
    client = officer(cases_client)
    wb = violating_parcel()
    assert client.score(wb)["decision"] == "release"
    out = reported(client, inspection(wb, "violation"))
    assert (out["label"], out["case_id"]) == (1, None) and out["entities"] >= 7
    assert prior(client.score(SAME_SIDE[kind]())) == ("inspect", "inspect", kind, 1)
    # A parcel of other people in other buildings is not touched.
    other = client.score(waybill(hours_after=4, sender=stranger("099")))
    assert "PRIOR_VIOLATIONS" not in codes(other) and other["decision"] == "release"


@pytest.mark.parametrize("case", list(OTHER_SIDE))
def test_a_reported_violation_reaches_the_parcels_buildings_on_the_other_side(
    cases_client: CaseClient, case: str
) -> None:
    client = officer(cases_client)
    entity, parcel = OTHER_SIDE[case]
    wb = violating_parcel()
    client.score(wb)
    reported(client, inspection(wb, "violation"))
    assert prior(client.score(parcel())) == ("inspect", "inspect", entity, 1)


def test_a_clear_result_flags_none_of_the_parcels_entities(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    wb = violating_parcel()
    client.score(wb)
    out = reported(client, inspection(wb, "clear", note="T恤 as declared"))
    assert (out["label"], out["entities"]) == (0, 0)
    nexts = [make() for make in SAME_SIDE.values()] + [make() for _, make in OTHER_SIDE.values()]
    for d in map(client.score, nexts):
        assert "PRIOR_VIOLATIONS" not in codes(d) and d["decision"] == "release", d["reasons"]


def test_a_violation_reaches_the_same_people_on_another_carriers_parcel(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    wb = violating_parcel()
    client.score(wb)
    reported(client, inspection(wb, "violation"))
    yto = waybill(
        hours_after=3,
        carrier="YTO",
        waybill_no="YT9900000000001",
        outlet_id="YTO-310104-0007",
        sender=party(phone="13600000021", id_number=SENDER_ID),
    )
    assert prior(client.score(yto)) == ("inspect", "inspect", "sender_id", 1)


def test_a_violation_on_a_cross_border_parcel_flags_its_receiver_abroad(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    abroad = hk_receiver(phone="+85291230001", name="WONG", address={"detail": "Flat 3, 5 Queen's Road"})
    small = [item(quantity=1, unit_value=100.0)]
    first = export_postal(sender=stranger("031"), receiver=abroad, items=small)
    assert client.score(first)["decision"] == "release"
    reported(client, inspection(first, "violation"))
    d = client.score(export_postal(sender=stranger("032"), receiver=abroad, items=small, hours_after=2))
    decision, outcome, entity, count = prior(d)
    assert (decision, outcome, count) == ("inspect", "inspect", 1) and entity.startswith("receiver")


def test_a_violation_under_a_temporary_id_flags_the_resident_id_of_the_same_number(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    number = resident_id(region="510104", birth="19910909", seq="101")
    wb = waybill(sender=stranger("101", id_type="temporary_id", id_number=number))
    client.score(wb)
    reported(client, inspection(wb, "violation"))
    d = client.score(waybill(hours_after=2, sender=stranger("102", id_number=number)))
    assert prior(d) == ("inspect", "inspect", "sender_id", 1)


def test_a_violation_flags_the_parcels_phone_in_another_writing(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("103", phone="13700051103"))
    client.score(wb)
    reported(client, inspection(wb, "violation"))
    d = client.score(waybill(hours_after=2, sender=stranger("104", phone="+86 137 0005 1103")))
    assert prior(d) == ("inspect", "inspect", "sender_phone", 1)


def test_two_violations_of_different_senders_to_one_receiver_hold_the_receivers_next_parcel(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    receiver = cn_receiver(
        name="钱多", phone="13700051201", address={"district": "海淀区", "detail": "中关村大街1号"}
    )
    first = waybill(sender=stranger("111"), receiver=receiver)
    second = waybill(sender=stranger("112"), receiver=receiver, hours_after=24)
    for wb in (first, second):
        client.score(wb)
        reported(client, inspection(wb, "violation", hours=30))
    d = client.score(waybill(sender=stranger("113"), receiver=receiver, hours_after=48))
    assert counted(d) == ("hold", "hold", "receiver", 2) and d["case_id"] is not None
    # The two senders have one violation each.
    for seq in ("111", "112"):
        assert counted(client.score(waybill(sender=stranger(seq), hours_after=49))) == (
            "inspect",
            "inspect",
            "sender",
            1,
        )


def test_resending_the_violating_parcel_itself_returns_its_decision_and_adds_no_violation(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    wb = violating_parcel()
    first = client.score(wb)
    reported(client, inspection(wb, "violation"))
    again = client.score(wb)
    assert (again["decision"], again["reasons"]) == (first["decision"], first["reasons"])
    assert "PRIOR_VIOLATIONS" not in codes(again)
    assert prior(client.score(SAME_SIDE["sender_id"]())) == ("inspect", "inspect", "sender_id", 1)


# Counting in event time: dated at the parcel's pickup; two within a year hold -----------------------------


def test_two_reported_violations_within_a_year_hold_the_next_parcel_and_open_its_case(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    who = stranger("041")
    first, second = waybill(sender=who), waybill(sender=who, hours_after=364 * DAY_H)
    client.score(first)
    reported(client, inspection(first, "violation"))
    assert counted(client.score(second)) == ("inspect", "inspect", "sender", 1)
    reported(client, inspection(second, "violation", hours=364 * DAY_H + 1))
    d = client.score(waybill(sender=who, hours_after=364 * DAY_H + 2))
    assert counted(d) == ("hold", "hold", "sender", 2)
    assert d["case_id"] is not None


def test_two_reported_violations_a_year_and_a_day_apart_only_inspect(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    who = stranger("042")
    first, second = waybill(sender=who), waybill(sender=who, hours_after=366 * DAY_H)
    client.score(first)
    reported(client, inspection(first, "violation"))
    client.score(second)
    reported(client, inspection(second, "violation", hours=366 * DAY_H + 1))
    d = client.score(waybill(sender=who, hours_after=366 * DAY_H + 2))
    assert counted(d) == ("inspect", "inspect", "sender", 1)
    assert d["case_id"] is None


def test_two_violations_reported_late_count_at_their_pickups_not_at_the_reports(
    cases_client: CaseClient,
) -> None:
    """Pickups 200 days apart, the first report 400 days after its pickup: the two are within a year."""
    client = officer(cases_client)
    who = stranger("043")
    first, second = waybill(sender=who), waybill(sender=who, hours_after=200 * DAY_H)
    client.score(first)
    client.score(second)
    reported(client, inspection(first, "violation", hours=200 * DAY_H + 1))
    reported(client, inspection(second, "violation", hours=200 * DAY_H + 2))
    assert counted(client.score(waybill(sender=who, hours_after=200 * DAY_H + 3))) == (
        "hold",
        "hold",
        "sender",
        2,
    )


def test_a_violation_reported_weeks_later_counts_from_the_violating_parcels_pickup(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    who = stranger("044")
    violating = waybill(sender=who, hours_after=10)
    client.score(violating)
    reported(client, inspection(violating, "violation", hours=20 * DAY_H))
    # Picked up an hour after the violating parcel, scored after the report: counts.
    assert counted(client.score(waybill(sender=who, hours_after=11))) == ("inspect", "inspect", "sender", 1)
    # Picked up before the violating parcel (arriving late): does not count.
    before = client.score(waybill(sender=who, hours_after=8))
    assert "PRIOR_VIOLATIONS" not in codes(before) and before["decision"] == "release"


def test_a_report_dated_before_the_parcels_pickup_never_dates_the_violation_before_the_pickup(
    cases_client: CaseClient,
) -> None:
    """Either refused as bad input (and then nothing is counted) or dated at the pickup."""
    client = officer(cases_client)
    who = stranger("045")
    violating = waybill(sender=who, hours_after=10)
    client.score(violating)
    r = report(client, inspection(violating, "violation", hours=2))
    between = client.score(waybill(sender=who, hours_after=5))
    after = client.score(waybill(sender=who, hours_after=12))
    assert "PRIOR_VIOLATIONS" not in codes(between) and between["decision"] == "release"
    if r.status_code == 422:
        assert "PRIOR_VIOLATIONS" not in codes(after)
    else:
        assert r.status_code == 200, r.text
        assert counted(after) == ("inspect", "inspect", "sender", 1)


def test_a_violation_reported_after_a_correction_follows_the_parcels_last_body(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("121"), hours_after=10)
    client.score(wb)
    # The courier named the wrong sender and typed the wrong pickup time first.
    assert client.score(wb | {"sender": stranger("122"), "accepted_at": at(20)})["decision"] == "release"
    reported(client, inspection(wb, "violation", hours=30))
    # Parcels to another receiver: the sender is all they share with the reported one.
    elsewhere = cn_receiver(
        name="孙丽", phone="13700051299", address={"district": "海淀区", "detail": "学院路30号"}
    )

    def next_of(seq: str, hours: float) -> dict[str, Any]:
        return client.score(waybill(sender=stranger(seq), receiver=elsewhere, hours_after=hours))

    assert "PRIOR_VIOLATIONS" not in codes(next_of("122", 15))  # before the corrected pickup
    assert counted(next_of("122", 22)) == ("inspect", "inspect", "sender", 1)
    for hours in (15, 22):
        first = next_of("121", hours)
        assert "PRIOR_VIOLATIONS" not in codes(first) and first["decision"] == "release"


def test_a_violation_on_a_held_parcel_corrected_before_the_report_follows_its_last_body(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    held = export_postal(sender=stranger("123"), items=[item(quantity=5, unit_value=200.0)], hours_after=10)
    case_id = client.score(held)["case_id"]
    corrected = held | {"sender": stranger("124"), "accepted_at": at(20)}
    again = client.score(corrected)
    assert (again["decision"], again["case_id"]) == ("hold", case_id)
    assert reported(client, inspection(held, "violation", hours=30))["case_id"] == case_id
    # The corrected sender, dated at the corrected pickup; the wrongly named one not at all.
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=stranger("124"), hours_after=15)))
    assert counted(client.score(waybill(sender=stranger("124"), hours_after=21)))[2:] == ("sender", 1)
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=stranger("123"), hours_after=22)))


# The same finding counts once -------------------------------------------------------------------------


def test_a_report_sent_ten_times_counts_one_violation_and_never_holds(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("051"))
    client.score(wb)
    body = inspection(wb, "violation")
    answers = [reported(client, body) for _ in range(10)]
    assert all(a == answers[0] for a in answers) and answers[0]["label"] == 1
    assert counted(client.score(waybill(sender=stranger("051"), hours_after=2))) == (
        "inspect",
        "inspect",
        "sender",
        1,
    )


def test_the_same_parcel_reported_again_at_another_time_is_still_one_violation(
    cases_client: CaseClient,
) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("052"))
    client.score(wb)
    reported(client, inspection(wb, "violation", hours=1))
    reported(client, inspection(wb, "violation", hours=30, violation_type="smuggling"))
    assert counted(client.score(waybill(sender=stranger("052"), hours_after=40))) == (
        "inspect",
        "inspect",
        "sender",
        1,
    )


def test_customs_and_an_officer_reporting_the_same_parcel_count_once(cases_client: CaseClient) -> None:
    client = cases_client
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    wb = waybill(sender=stranger("053"))
    client.score(wb)
    reported(client, inspection(wb, "violation"), **customs)
    officer(client)
    reported(client, inspection(wb, "violation"))
    assert counted(client.score(waybill(sender=stranger("053"), hours_after=2))) == (
        "inspect",
        "inspect",
        "sender",
        1,
    )


def test_an_inspection_and_a_seizure_of_the_same_held_parcel_count_once(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    who = stranger("054")
    held = export_postal(sender=who, items=[item(quantity=5, unit_value=200.0)])
    case_id = client.score(held)["case_id"]
    assert case_id
    out = reported(client, inspection(held, "violation"))
    assert (out["label"], out["case_id"]) == (1, case_id)
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    assert counted(client.score(waybill(sender=who, hours_after=2))) == ("inspect", "inspect", "sender", 1)


def test_a_violation_reported_after_a_clear_of_the_same_parcel_still_counts(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    who = stranger("055")
    wb = waybill(sender=who)
    client.score(wb)
    reported(client, inspection(wb, "clear", hours=1))
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=who, hours_after=2)))
    reported(client, inspection(wb, "violation", hours=3))
    assert counted(client.score(waybill(sender=who, hours_after=4))) == ("inspect", "inspect", "sender", 1)


def test_a_report_names_the_parcel_by_carrier_and_waybill_number(cases_client: CaseClient) -> None:
    """SF scored the number; a report of the same number at YTO is another parcel's, not SF's."""
    client = officer(cases_client)
    who = stranger("056")
    wb = waybill(sender=who)
    client.score(wb)
    r = report(client, inspection(wb | {"carrier": "YTO"}, "violation"))
    assert r.status_code in (200, 404), r.text
    d = client.score(waybill(sender=who, hours_after=2))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d["decision"] == "release"


def test_a_report_of_a_parcel_never_scored_flags_nobody_scored_afterwards(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    who = stranger("057")
    unknown = waybill(sender=who)
    r = report(client, inspection(unknown, "violation"))
    assert r.status_code in (200, 404), r.text
    # Nothing of the parcel was known when it was reported: no entity carries it.
    for d in (client.score(waybill(sender=who, hours_after=2)), client.score(SAME_SIDE["receiver_phone"]())):
        assert "PRIOR_VIOLATIONS" not in codes(d)


# Who may report ---------------------------------------------------------------------------------------


def test_a_customs_key_reports_a_violation_that_flags_the_sender(cases_client: CaseClient) -> None:
    client = cases_client
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    wb = waybill(sender=stranger("061"), carrier="JD", waybill_no="JD0000000000061", outlet_id="JD-1")
    client.score(wb)
    out = reported(client, inspection(wb, "violation"), **customs)
    assert (out["carrier"], out["waybill_no"], out["label"]) == ("JD", wb["waybill_no"], 1)
    assert counted(client.score(waybill(sender=stranger("061"), hours_after=2)))[2:] == ("sender", 1)


def test_another_carriers_key_cannot_report_a_parcel_and_nothing_is_counted(
    cases_client: CaseClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    client = cases_client
    yto = bearer(make_key(client.app, "carrier", "YTO"))
    wb = waybill(sender=stranger("062"))
    client.score(wb)
    r = report(client, inspection(wb, "violation"), **yto)
    assert r.status_code == 403, r.text
    d = client.score(waybill(sender=stranger("062"), hours_after=2))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d["decision"] == "release"
    assert labels(client, monkeypatch, tmp_path) == []


@pytest.mark.parametrize("credential", ["admin key", "none", "unknown key"])
def test_a_caller_without_the_right_to_report_changes_nothing(
    cases_client: CaseClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, credential: str
) -> None:
    client = cases_client
    headers = {
        "admin key": bearer(make_key(client.app, "admin", "ops")),
        "none": {},
        "unknown key": bearer("scr_cus_" + "x" * 32),
    }[credential]
    wb = waybill(sender=stranger("063"))
    client.score(wb)
    r = report(client, inspection(wb, "violation"), **headers)
    assert r.status_code == {"admin key": 403, "none": 401, "unknown key": 401}[credential], r.text
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=stranger("063"), hours_after=2)))
    assert labels(client, monkeypatch, tmp_path) == []


# Bad input: a 422 naming each field, nothing recorded ------------------------------------------------------


@pytest.mark.parametrize("field", ["carrier", "waybill_no", "result", "inspected_at"])
def test_a_report_missing_one_required_field_is_a_422_naming_it_alone(
    cases_client: CaseClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, field: str
) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("071"))
    client.score(wb)
    body = inspection(wb, "violation")
    del body[field]
    r = report(client, body)
    assert r.status_code == 422
    assert [(e["loc"], e["type"]) for e in r.json()["detail"]] == [(["body", field], "missing")]
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=stranger("071"), hours_after=2)))
    assert labels(client, monkeypatch, tmp_path) == []


def test_an_empty_report_names_all_four_required_fields(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    r = report(client, {})
    assert r.status_code == 422
    assert sorted(locs(r.json())) == sorted(
        ["body", f] for f in ("carrier", "waybill_no", "result", "inspected_at")
    )


@pytest.mark.parametrize("result", ["Violation", "violated", "", None, True])
def test_an_unknown_result_is_a_422_at_result_and_counts_nothing(
    cases_client: CaseClient, result: object
) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("072"))
    client.score(wb)
    r = report(client, inspection(wb, "violation") | {"result": result})
    assert (r.status_code, locs(r.json())) == (422, [["body", "result"]])
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=stranger("072"), hours_after=2)))


@pytest.mark.parametrize(
    "when",
    ["2026-11-11T10:30:00", "2026-11-11 10:30:00", "2026-11-11T10:30", "2026-11-11", "11/11/2026 10:30"],
    ids=["naive", "naive-space", "naive-minutes", "date-only", "local-format"],
)
def test_an_inspection_time_without_an_offset_is_a_422_at_inspected_at_and_counts_nothing(
    cases_client: CaseClient, when: str
) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("073"))
    client.score(wb)
    r = report(client, inspection(wb, "violation") | {"inspected_at": when})
    assert (r.status_code, locs(r.json())) == (422, [["body", "inspected_at"]])
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=stranger("073"), hours_after=2)))


def test_an_inspection_time_in_utc_is_accepted(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("074"))
    client.score(wb)
    utc = (BASE_TIME + timedelta(hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert reported(client, inspection(wb, "violation", inspected_at=utc))["label"] == 1


def test_several_bad_fields_are_named_and_only_they_and_nothing_is_counted(cases_client: CaseClient) -> None:
    client = officer(cases_client)
    wb = waybill(sender=stranger("075"))
    client.score(wb)
    bad = inspection(wb, "violation") | {
        "violation_type": 7,
        "note": ["x"],
        "inspected_at": "2026-11-11T10:00:00",
    }
    r = report(client, bad)
    assert r.status_code == 422
    assert sorted(locs(r.json())) == sorted(["body", f] for f in ("violation_type", "note", "inspected_at"))
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=stranger("075"), hours_after=2)))


@pytest.mark.parametrize("body", [[], "violation", 42, None], ids=["list", "string", "number", "null"])
def test_a_report_that_is_not_an_object_is_a_4xx(cases_client: CaseClient, body: object) -> None:
    client = officer(cases_client)
    r = client.http.post("/v1/inspections", json=body)
    assert 400 <= r.status_code < 500 and "detail" in r.json()


def test_a_clear_result_with_a_violation_type_never_counts_as_a_violation(
    cases_client: CaseClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The contract does not say whether this is bad input; either way it is no confirmed violation."""
    client = officer(cases_client)
    wb = waybill(sender=stranger("076"))
    client.score(wb)
    r = report(client, inspection(wb, "clear", violation_type="counterfeit"))
    if r.status_code == 422:
        assert locs(r.json()) == [["body", "violation_type"]]
        assert labels(client, monkeypatch, tmp_path) == []
    else:
        assert r.status_code == 200 and r.json()["label"] == 0, r.text
        assert [row[2] for row in labels(client, monkeypatch, tmp_path)] == [0]
    d = client.score(waybill(sender=stranger("076"), hours_after=2))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d["decision"] == "release"


# Training labels --------------------------------------------------------------------------------------


def test_each_report_becomes_one_training_label(
    cases_client: CaseClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    client = officer(cases_client)
    found, cleared = waybill(sender=stranger("081")), waybill(sender=stranger("082"))
    client.score(found)
    client.score(cleared)
    reported(client, inspection(found, "violation", violation_type="counterfeit"))
    reported(client, inspection(found, "violation", violation_type="counterfeit"))  # re-sent
    reported(client, inspection(cleared, "clear", note="as declared"))
    assert (
        report(client, inspection(cleared, "violation") | {"inspected_at": "2026-11-11T12:00:00"}).status_code
        == 422
    )
    assert sorted(labels(client, monkeypatch, tmp_path), key=lambda row: row[2]) == [
        ("SF", cleared["waybill_no"], 0, None, "inspection"),
        ("SF", found["waybill_no"], 1, "counterfeit", "inspection"),
    ]


# When parts fail -------------------------------------------------------------------------------------


@pytest.fixture
def no_history(settings: Settings, policy: Policy, cheap_password_hashes: None) -> Iterator[CaseClient]:
    """A started app with the case desk whose Redis history store is a port where nothing listens."""
    down = settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/0", "redis_timeout_s": 0.2}
    )
    app = create_app(down)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield CaseClient(http, app)


def test_a_violation_reported_while_history_is_down_is_a_503_and_no_label(
    no_history: CaseClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    client = officer(no_history)
    wb = waybill(sender=stranger("091"))
    assert "HISTORY_UNAVAILABLE" in codes(client.score(wb))
    r = report(client, inspection(wb, "violation"))
    assert r.status_code == 503, r.text
    assert labels(client, monkeypatch, tmp_path) == []
