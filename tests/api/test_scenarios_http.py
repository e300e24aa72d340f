"""Scenarios of the HTTP scoring API as courier systems use it, from the wire contract and the domain rules.

Written from shared/contract/README.md, shared/ARCHITECTURE.md and shared/domain/RULES.md: the shape of
single and batch decisions, duplicates and re-sends inside and across requests, bad input that names every
field and changes nothing, RANDOM_AUDIT's determinism, request ids, HISTORY_UNAVAILABLE while the history
store is unreachable, and identity numbers that never appear in plain text.
"""

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stdnum.cn import uscc

from api.app import create_app
from screening.policy.schemas import Audit, Policy
from screening.settings import Settings
from tests.api.answers import DECISION_FIELDS, codes, reason_of
from tests.api.conftest import CaseClient
from tests.conftest import ScoringClient
from tests.factories import (
    BASE_TIME,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    macau_receiver,
    merge,
    over_limit,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.faults.proxy import cuttable
from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S
from tests.services_redis import free_port, start_redis_server, stop_processes

SEVERITY = {"reject": 3, "hold": 2, "inspect": 1, "release": 0}
REASON_FIELDS = {"code", "outcome", "message", "message_en", "evidence"}
# The reason-code catalogue of shared/domain/RULES.md §3.
CATALOGUE = {
    "REALNAME_MISSING",
    "ID_INVALID",
    "REALNAME_UNVERIFIED",
    "BUYER_ID_MISSING",
    "CONTRACT_UNQUALIFIED",
    "INSPECTION_NOT_RECORDED",
    "XRAY_NOT_RECORDED",
    "PROHIBITED_ITEM",
    "OVER_PERSONAL_LIMIT",
    "CBEC_SINGLE_LIMIT",
    "CBEC_ANNUAL_LIMIT",
    "NEAR_LIMIT_SPLIT",
    "ANT_MOVING_SENDER",
    "ANT_MOVING_RECEIVER",
    "SAME_GOODS_FANOUT",
    "BRAND_PRICE_ANOMALY",
    "COMMERCIAL_QUANTITY",
    "WEIGHT_VALUE_MISMATCH",
    "VELOCITY_SPIKE",
    "WATCHLIST_HIT",
    "PRIOR_VIOLATIONS",
    "MODEL_HIGH_RISK",
    "MODEL_ELEVATED_RISK",
    "RANDOM_AUDIT",
    "HISTORY_UNAVAILABLE",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


# Helpers ------------------------------------------------------------------------------------------------


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body."""
    return [e["loc"] for e in body["detail"]]


def evidence(decision: dict[str, Any], code: str) -> dict[str, Any]:
    """The evidence of one reason of a decision."""
    ev: dict[str, Any] = reason_of(decision, code)["evidence"]
    return ev


def without_time(decision: dict[str, Any]) -> dict[str, Any]:
    """A decision without its scored_at, to compare two scorings of the same facts."""
    return {k: v for k, v in decision.items() if k != "scored_at"}


def assert_contract_decision(d: dict[str, Any]) -> None:
    """A decision has every field of the contract's Decision table, with the contract's types."""
    assert set(d) >= DECISION_FIELDS, sorted(DECISION_FIELDS - set(d))
    assert isinstance(d["waybill_no"], str) and isinstance(d["carrier"], str)
    assert d["decision"] in SEVERITY
    assert isinstance(d["risk_score"], int | float) and not isinstance(d["risk_score"], bool)
    assert 0.0 <= d["risk_score"] <= 1.0
    assert isinstance(d["reasons"], list)
    assert d["case_id"] is None or isinstance(d["case_id"], str)
    assert isinstance(d["model_version"], str) and d["model_version"]
    assert isinstance(d["policy_version"], str) and d["policy_version"]
    assert datetime.fromisoformat(d["scored_at"]).tzinfo is not None
    outcomes = [r["outcome"] for r in d["reasons"]]
    assert d["decision"] == max(outcomes, key=SEVERITY.__getitem__, default="release")
    assert outcomes == sorted(outcomes, key=SEVERITY.__getitem__, reverse=True)
    for r in d["reasons"]:
        assert_contract_reason(r)


def assert_contract_reason(r: dict[str, Any]) -> None:
    """A reason: a catalogue code, its outcome, a Chinese and an English sentence, and non-empty evidence."""
    assert set(r) >= REASON_FIELDS, r
    assert r["code"] in CATALOGUE, r["code"]
    assert r["outcome"] in SEVERITY
    assert isinstance(r["message"], str) and CJK.search(r["message"]), r
    assert isinstance(r["message_en"], str) and re.search(r"[A-Za-z]{3}", r["message_en"]), r
    assert isinstance(r["evidence"], dict) and r["evidence"], r


def batch(client: ScoringClient, waybills: list[Any], **kwargs: Any) -> list[dict[str, Any]]:
    """POST /v1/score/batch, expect 200 and one slot per waybill."""
    r = client.http.post("/v1/score/batch", json={"waybills": waybills}, **kwargs)
    assert r.status_code == 200, r.text[:500]
    slots: list[dict[str, Any]] = r.json()["decisions"]
    assert len(slots) == len(waybills)
    return slots


def read_back(client: ScoringClient | CaseClient, wb: dict[str, Any]) -> dict[str, Any]:
    """GET /v1/decisions/{carrier}/{waybill_no}, expect 200."""
    r = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def never_scored(client: ScoringClient | CaseClient, wb: dict[str, Any]) -> bool:
    """True when the service has no decision for the parcel."""
    return client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}").status_code == 404


def ring(count: int, seq: str) -> list[dict[str, Any]]:
    """An ant-moving ring of its own sender: held from the sixth parcel on."""
    return ant_ring(count, id_number=resident_id(seq=seq), phone=f"13600{int(seq):06d}")


def no_id() -> dict[str, Any]:
    """A domestic parcel whose sender gave no ID: rejected (REALNAME_MISSING)."""
    return waybill(sender=party(id_type=None, id_number=None, id_verified=False, verification_method=None))


def cbec_import(buyer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A cross-border e-commerce import of a handbag to a mainland buyer."""
    base: dict[str, Any] = {
        "service": "import",
        "channel": "cbec",
        "sender": hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        "receiver": buyer,
        "items": [item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=900.0)],
        "weight_kg": 1.0,
    }
    return waybill(**merge(base, changes))


def valid_uscc() -> str:
    """A unified social credit code with a correct check character."""
    base = "91110000600037341"
    return base + uscc.calc_check_digit(base)


@contextmanager
def started(data_dir: Path, policy: Policy, **options: Any) -> Iterator[ScoringClient]:
    """A started app of its own (data dir, settings) with this policy."""
    app = create_app(Settings(env="development", data_dir=data_dir, **options))
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield ScoringClient(http)


def with_audit(policy: Policy, rate: float) -> Policy:
    """The test policy with a random audit rate."""
    return policy.model_copy(update={"audit": Audit(random_rate=rate)})


# The shape of decisions, single and batch ----------------------------------------------------------------


def test_every_reason_comes_from_the_catalogue_with_both_languages_and_evidence(
    client: ScoringClient,
) -> None:
    wb = over_limit(
        sender=party(id_verified=False, verification_method="none"),
        pickup_checks={"opened_inspection": False, "xray_screened": False},
    )
    d = client.score(wb)
    assert_contract_decision(d)
    assert {
        "OVER_PERSONAL_LIMIT",
        "REALNAME_UNVERIFIED",
        "INSPECTION_NOT_RECORDED",
        "XRAY_NOT_RECORDED",
    } <= codes(d)
    assert d["decision"] == "hold"
    assert reason_of(d, "OVER_PERSONAL_LIMIT")["outcome"] == "hold"
    for code in ("REALNAME_UNVERIFIED", "INSPECTION_NOT_RECORDED", "XRAY_NOT_RECORDED"):
        assert reason_of(d, code)["outcome"] == "inspect"
    # The figures behind the hold: the 800 CNY limit to Hong Kong appears in its evidence.
    assert 800 in [v for v in evidence(d, "OVER_PERSONAL_LIMIT").values() if isinstance(v, int | float)]


def test_batch_slots_are_full_contract_decisions_of_every_outcome(client: ScoringClient) -> None:
    wbs = [
        waybill(),
        waybill(sender=party(id_verified=False, verification_method="none")),
        over_limit(),
        no_id(),
    ]
    slots = batch(client, wbs)
    for wb, slot in zip(wbs, slots, strict=True):
        assert_contract_decision(slot)
        assert (slot["waybill_no"], slot["carrier"]) == (wb["waybill_no"], wb["carrier"])
    assert [s["decision"] for s in slots] == ["release", "inspect", "hold", "reject"]
    assert slots[0]["reasons"] == []
    assert [s["case_id"] is not None for s in slots] == [False, False, True, False]
    assert codes(slots[3]) >= {"REALNAME_MISSING"}


def test_every_batch_slot_is_the_decision_read_back_afterwards(client: ScoringClient) -> None:
    wbs = [waybill(), over_limit(), no_id(), export_postal()]
    slots = batch(client, wbs)
    for wb, slot in zip(wbs, slots, strict=True):
        got = read_back(client, wb)
        assert {k: got[k] for k in DECISION_FIELDS} == {k: slot[k] for k in DECISION_FIELDS}


def test_held_parcels_of_one_batch_each_get_their_own_case(client: ScoringClient) -> None:
    wbs = [over_limit(), waybill(), over_limit(), over_limit()]
    slots = batch(client, wbs)
    cases = [s["case_id"] for s in slots]
    assert cases[1] is None
    held = [cases[0], cases[2], cases[3]]
    assert all(held) and len(set(held)) == 3


def test_a_batch_decides_exactly_as_scoring_one_after_the_other(tmp_path: Path, policy: Policy) -> None:
    wbs = [*ring(8, "701"), waybill(), over_limit(), no_id()]
    with started(tmp_path / "batch", policy) as client:
        by_batch = batch(client, wbs)
    with started(tmp_path / "single", policy) as client:
        one_by_one = [client.score(wb) for wb in wbs]
    assert [without_time(d) for d in by_batch] == [without_time(d) for d in one_by_one]
    assert "ANT_MOVING_SENDER" in codes(by_batch[7])


def test_a_failed_slot_holds_its_error_and_nothing_else(client: ScoringClient) -> None:
    good = waybill()
    bad_first = waybill(weight_kg="heavy", carrier="sf")
    bad_second = waybill(items=[item(), item(quantity=0)], declared_value=120.0)
    slots = batch(client, [bad_first, good, bad_second])
    for index, slot in ((0, slots[0]), (2, slots[2])):
        assert set(slot) == {"error"}
        assert set(slot["error"]) == {"detail"}
        for e in slot["error"]["detail"]:
            assert set(e) == {"loc", "msg", "type"} and e["loc"][:3] == ["body", "waybills", index]
    assert sorted(locs(slots[0]["error"])) == [
        ["body", "waybills", 0, "carrier"],
        ["body", "waybills", 0, "weight_kg"],
    ]
    assert locs(slots[2]["error"]) == [["body", "waybills", 2, "items", 1, "quantity"]]
    assert slots[1]["waybill_no"] == good["waybill_no"] and slots[1]["decision"] == "release"


def test_a_batch_of_only_bad_waybills_is_answered_slot_by_slot(client: ScoringClient) -> None:
    wbs = [waybill(currency="XYZ"), waybill(service="teleport"), waybill(outlet_id=...)]
    slots = batch(client, wbs)
    assert [locs(s["error"]) for s in slots] == [
        [["body", "waybills", 0, "currency"]],
        [["body", "waybills", 1, "service"]],
        [["body", "waybills", 2, "outlet_id"]],
    ]
    assert all(never_scored(client, wb) for wb in wbs)


def test_a_batch_over_1000_valid_waybills_is_a_422_that_scores_none_of_them(client: ScoringClient) -> None:
    wbs = [waybill(sender=party(phone=f"135{i:08d}")) for i in range(1001)]
    r = client.http.post("/v1/score/batch", json={"waybills": wbs})
    assert r.status_code == 422
    assert ["body", "waybills"] in locs(r.json())
    assert never_scored(client, wbs[0]) and never_scored(client, wbs[-1])


# The same decisions on every history store ------------------------------------------------------------------


BACKENDS = ("embedded", "redis", "cluster")


class Apps:
    """Started apps on one history store kind, each with a store of its own (a Redis prefix of its own)."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path, policy: Policy, backend: str) -> None:
        self.request, self.tmp_path, self.policy, self.backend = request, tmp_path, policy, backend

    @contextmanager
    def start(self, name: str) -> Iterator[ScoringClient]:
        """A started app named name (its data dir and Redis prefix)."""
        options: dict[str, Any] = {}
        prefix = f"scen{uuid.uuid4().hex[:10]}:"
        if self.backend == "redis":
            port = self.request.getfixturevalue("redis_server")
            options = {"redis_url": f"redis://127.0.0.1:{port}/0", "redis_prefix": prefix}
        elif self.backend == "cluster":
            port = self.request.getfixturevalue("redis_cluster")[0]
            options = {
                "redis_url": f"redis://127.0.0.1:{port}",
                "redis_cluster": True,
                "redis_prefix": prefix,
            }
        if options:
            options["redis_timeout_s"] = REDIS_TIMEOUT_S
        with started(self.tmp_path / name, self.policy, **options) as client:
            yield client


@pytest.fixture(params=BACKENDS)
def apps(request: pytest.FixtureRequest, tmp_path: Path, policy: Policy) -> Apps:
    """Apps on each history store in turn: embedded, single-node Redis, Redis Cluster."""
    return Apps(request, tmp_path, policy, request.param)


def mixed_batch() -> list[dict[str, Any]]:
    """250 waybills: two ant rings spread across the engine's chunks, re-sends and a correction among them."""
    fillers = [
        waybill(sender=party(phone=f"135{i:08d}", id_number=resident_id(seq=f"{i % 1000:03d}")))
        for i in range(230)
    ]
    a, b = ring(8, "741"), ring(8, "742")
    out: list[dict[str, Any]] = list(fillers)
    for k, wb in enumerate(a):
        out.insert(50 + 9 * k, wb)  # around the 64th slot and beyond
    for k, wb in enumerate(b):
        out.insert(120 + 3 * k, wb)
    out.insert(200, a[2])  # a re-send of the same body, far later
    out.insert(201, {**b[3], "receiver": macau_receiver(9)})  # a corrected body
    out.insert(202, b[3])  # and the first body again
    out.insert(203, over_limit())
    return out


def test_a_large_mixed_batch_decides_exactly_as_one_by_one_on_every_store(apps: Apps) -> None:
    wbs = mixed_batch()
    with apps.start("batch") as client:
        by_batch = batch(client, wbs)
    with apps.start("single") as client:
        one_by_one = [client.score(wb) for wb in wbs]
    assert [without_time(d) for d in by_batch] == [without_time(d) for d in one_by_one]
    ring_slots = [d for d in by_batch if "ANT_MOVING_SENDER" in codes(d)]
    # Each ring's sixth to eighth parcels; the corrected body of b[3] is counted at its pickup, in event time,
    # where it is the fourth of its ring.
    assert sorted(evidence(d, "ANT_MOVING_SENDER")["parcels"] for d in ring_slots) == [6, 6, 7, 7, 8, 8]
    assert by_batch[200] == by_batch[50 + 9 * 2]  # a re-sent body: the remembered decision, scored_at too


def test_re_sends_and_corrections_count_a_parcel_once_on_every_store(apps: Apps) -> None:
    parcels = ring(6, "743")
    with apps.start("a") as client:
        first = [client.score(wb) for wb in parcels[:5]]
        assert client.score(parcels[4]) == first[4]
        client.score({**parcels[4], "receiver": macau_receiver(8)})
        client.score(parcels[4])  # back to the first body: a change again, still one parcel
        client.score(parcels[1])
        ev = evidence(client.score(parcels[5]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert sorted(ev["linked_waybills"]) == sorted(w["waybill_no"] for w in parcels[:5])


def test_a_corrected_cbec_value_replaces_its_share_of_the_buyers_year_on_every_store(apps: Apps) -> None:
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="744"), id_verified=True)

    def purchase(day: int, value: float) -> dict[str, Any]:
        handbag = item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=value)
        return cbec_import(buyer, hours_after=24.0 * day, items=[handbag])

    with apps.start("a") as client:
        for day in range(5):
            assert "CBEC_ANNUAL_LIMIT" not in client.codes(purchase(day, 4800.0))  # 24,000 CNY
        sixth = purchase(5, 1500.0)
        assert "CBEC_ANNUAL_LIMIT" not in client.codes(sixth)  # 25,500
        client.score(
            merge(sixth, {"items": [{**sixth["items"][0], "unit_value": 1000.0}], "declared_value": 1000.0})
        )
        # 25,000 with the corrected value: 900 more stays under 26,000 (27,400 had the old value stayed).
        assert "CBEC_ANNUAL_LIMIT" not in client.codes(purchase(6, 900.0))
        held = client.score(purchase(7, 200.0))  # 26,100
    assert held["decision"] == "hold" and reason_of(held, "CBEC_ANNUAL_LIMIT")["outcome"] == "hold"


def test_a_corrected_description_leaves_the_goods_history_of_the_old_one(client: ScoringClient) -> None:
    parcels = ring(6, "745")  # face cream on every parcel, to five receivers
    for wb in parcels[:4]:
        assert "SAME_GOODS_FANOUT" not in client.codes(wb)
    assert "SAME_GOODS_FANOUT" in client.codes(parcels[4])  # the fifth face cream
    tea = [item(description="茶叶 tea", category="food", quantity=1, unit_value=763.0)]
    client.score({**parcels[3], "items": tea})
    client.score({**parcels[4], "items": [{**tea[0], "unit_value": 764.0}]})
    # Three face creams remain: the sixth parcel is the fourth, not the sixth.
    assert "SAME_GOODS_FANOUT" not in client.codes(parcels[5])


# Duplicates inside one batch -----------------------------------------------------------------------------


def test_one_waybill_number_of_two_carriers_in_one_batch_is_two_parcels(client: ScoringClient) -> None:
    held = over_limit()
    other = waybill(waybill_no=held["waybill_no"], carrier="YTO", outlet_id="YTO-1")
    slots = batch(client, [held, other])
    assert [(s["carrier"], s["decision"]) for s in slots] == [("SF", "hold"), ("YTO", "release")]
    assert read_back(client, held)["decision"] == "hold"
    assert read_back(client, other)["decision"] == "release"


def test_a_held_parcel_three_times_in_one_batch_gets_one_decision_and_one_case(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    wb = over_limit()
    r = client.http.post("/v1/score/batch", json={"waybills": [wb, waybill(), wb, wb]})
    assert r.status_code == 200
    slots = r.json()["decisions"]
    assert slots[0]["decision"] == "hold" and slots[0]["case_id"]
    assert slots[2] == slots[0] and slots[3] == slots[0]
    client.as_new("wang", "officer")
    assert client.http.get("/v1/cases").json()["total"] == 1


def test_a_changed_body_later_in_the_same_batch_is_rescored_and_counts_once(client: ScoringClient) -> None:
    parcels = ring(7, "702")
    # Slot 5 is parcel 4 again, corrected to another receiver: six slots, five parcels.
    corrected = {**parcels[4], "receiver": macau_receiver(7)}
    slots = batch(client, [*parcels[:5], corrected, parcels[5], parcels[6]])
    assert "ANT_MOVING_SENDER" not in codes(slots[5])  # still five parcels
    assert evidence(slots[6], "ANT_MOVING_SENDER")["parcels"] == 6
    assert evidence(slots[7], "ANT_MOVING_SENDER")["parcels"] == 7
    assert read_back(client, corrected) == slots[5]


def test_an_invalid_copy_before_a_valid_one_in_a_batch_counts_nothing(client: ScoringClient) -> None:
    parcels = ring(7, "703")
    broken = merge(parcels[4], {"weight_kg": -0.4})
    slots = batch(client, [*parcels[:4], broken, parcels[4], parcels[5], parcels[6]])
    assert "error" in slots[4] and slots[5]["waybill_no"] == parcels[4]["waybill_no"]
    assert "ANT_MOVING_SENDER" not in codes(slots[5])
    assert evidence(slots[6], "ANT_MOVING_SENDER")["parcels"] == 6
    assert evidence(slots[7], "ANT_MOVING_SENDER")["parcels"] == 7


# Re-sending ------------------------------------------------------------------------------------------------


def test_re_sending_one_near_limit_parcel_never_makes_a_split_pattern(client: ScoringClient) -> None:
    parcels = ring(3, "704")  # face cream at 760, 761, 762 CNY: each in [720, 800) to Macau
    first = client.score(parcels[0])
    for _ in range(5):
        assert client.score(parcels[0]) == first
    assert "NEAR_LIMIT_SPLIT" not in codes(client.score(parcels[1]))  # two parcels in the band
    assert evidence(client.score(parcels[2]), "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3


def test_re_sending_one_parcel_ten_times_in_a_batch_does_not_make_a_ring(client: ScoringClient) -> None:
    parcels = ring(6, "705")
    slots = batch(client, [parcels[0]] * 10 + parcels[1:5])
    assert all(s == slots[0] for s in slots[:10])
    assert not any("ANT_MOVING_SENDER" in codes(s) for s in slots)
    assert evidence(client.score(parcels[5]), "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_body_re_sent_in_a_batch_gets_the_decision_it_got_alone(client: ScoringClient) -> None:
    wb = over_limit()
    alone = client.score(wb)
    [again] = batch(client, [wb])
    assert again == alone


def test_a_resent_hold_keeps_its_case_and_opens_no_other(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    first = client.score(wb)
    assert first["decision"] == "hold" and first["case_id"]
    for _ in range(3):
        assert client.score(wb) == first
    client.as_new("wang", "officer")
    assert client.http.get("/v1/cases").json()["total"] == 1


def test_a_corrected_sender_takes_the_parcel_out_of_the_old_senders_history(client: ScoringClient) -> None:
    parcels = ring(7, "706")
    for wb in parcels[:5]:
        client.score(wb)
    # The courier corrects parcel 4's sender: another person sent it.
    moved = {**parcels[4], "sender": party(id_number=resident_id(seq="707"), phone="13600000707")}
    client.score(moved)
    assert "ANT_MOVING_SENDER" not in codes(client.score(parcels[5]))  # the old sender's fifth parcel
    ev = evidence(client.score(parcels[6]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert parcels[4]["waybill_no"] not in ev["linked_waybills"]


def test_a_corrected_pickup_time_moves_the_parcel_in_event_time(client: ScoringClient) -> None:
    parcels = ring(7, "708")
    for wb in parcels[:5]:
        client.score(wb)
    # Parcel 0 was in fact picked up three days earlier: out of the 24 h window of the others.
    earlier = {**parcels[0], "accepted_at": (BASE_TIME - timedelta(days=3)).isoformat()}
    client.score(earlier)
    assert "ANT_MOVING_SENDER" not in codes(client.score(parcels[5]))
    ev = evidence(client.score(parcels[6]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6 and ev["window"] == "24h"
    assert parcels[0]["waybill_no"] not in ev["linked_waybills"]


def test_a_held_parcel_corrected_under_the_limit_is_released_without_a_case_id(
    client: ScoringClient,
) -> None:
    wb = over_limit()
    assert client.score(wb)["decision"] == "hold"
    corrected = client.score(
        merge(wb, {"items": [item(quantity=5, unit_value=100.0)], "declared_value": 500.0})
    )
    assert (corrected["decision"], corrected["reasons"], corrected["case_id"]) == ("release", [], None)


def test_a_rejected_change_of_a_scored_parcel_keeps_its_decision_and_its_count(client: ScoringClient) -> None:
    parcels = ring(7, "709")
    first = [client.score(wb) for wb in parcels[:5]]
    # The courier re-sends parcel 4 with a broken item line and to another receiver: a 422, nothing changes.
    broken = {
        **parcels[4],
        "receiver": macau_receiver(8),
        "items": [*parcels[4]["items"], item(quantity=0)],
    }
    r = client.http.post("/v1/score", json=broken)
    assert r.status_code == 422 and locs(r.json()) == [["body", "items", 1, "quantity"]]
    assert read_back(client, parcels[4]) == first[4]
    assert client.score(parcels[4]) == first[4]  # still the remembered body: the same decision
    assert evidence(client.score(parcels[5]), "ANT_MOVING_SENDER")["parcels"] == 6


# Bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        (("sender", "name"), ["body", "sender", "name"]),
        (("sender", "address"), ["body", "sender", "address"]),
        (("receiver", "address", "country"), ["body", "receiver", "address", "country"]),
        (("items", 0, "description"), ["body", "items", 0, "description"]),
        (("items", 1, "unit_value"), ["body", "items", 1, "unit_value"]),
        (("pickup_checks", "xray_screened"), ["body", "pickup_checks", "xray_screened"]),
    ],
    ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else None,
)
def test_a_missing_nested_required_field_is_named_as_missing(
    client: ScoringClient, path: tuple[Any, ...], loc: list[Any]
) -> None:
    wb = waybill(items=[item(), item(description="棉袜 cotton socks")], declared_value=240.0)
    node: Any = wb
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 422, r.text
    assert loc in locs(r.json()), locs(r.json())
    assert next(e["type"] for e in r.json()["detail"] if e["loc"] == loc) == "missing"
    assert never_scored(client, wb)


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"waybill_no": 14000000012345}, ["body", "waybill_no"]),
        ({"sender": "张伟 13800138000"}, ["body", "sender"]),
        (
            {"items": {"description": "T-shirt", "quantity": 2, "unit_value": 60.0}, "declared_value": 120.0},
            ["body", "items"],
        ),
        ({"declared_value": "120.0"}, ["body", "declared_value"]),
        ({"weight_kg": True}, ["body", "weight_kg"]),
        ({"sender": {"id_verified": "yes"}}, ["body", "sender", "id_verified"]),
        ({"order": ["O-1"]}, ["body", "order"]),
        ({"pickup_checks": {"xray_screened": None}}, ["body", "pickup_checks", "xray_screened"]),
    ],
    ids=[
        "waybill-no-int",
        "sender-str",
        "items-object",
        "value-str",
        "weight-bool",
        "verified-str",
        "order-list",
        "xray-null",
    ],
)
def test_a_wrong_type_is_a_422_at_its_field(
    client: ScoringClient, changes: dict[str, Any], loc: list[Any]
) -> None:
    wb = waybill(**changes)
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 422, r.text
    assert loc in locs(r.json()), locs(r.json())
    for e in r.json()["detail"]:
        assert set(e) == {"loc", "msg", "type"} and e["msg"]


def test_a_wrong_quantity_type_on_the_second_item_is_named_with_its_index(client: ScoringClient) -> None:
    wb = waybill(items=[item(), item(quantity=True)], declared_value=180.0)
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 422
    assert locs(r.json()) == [["body", "items", 1, "quantity"]]


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"receiver": {"id_type": "drivers_licence"}}, ["body", "receiver", "id_type"]),
        (
            {"items": [item(), item(category="counterfeit")], "declared_value": 240.0},
            ["body", "items", 1, "category"],
        ),
        ({"service": "Export"}, ["body", "service"]),
        ({"channel": "EXPRESS"}, ["body", "channel"]),
    ],
    ids=[
        "receiver-id-type",
        "second-item-category",
        "service-case",
        "channel-case",
    ],
)
def test_an_unknown_enum_value_is_a_422_at_its_field(
    client: ScoringClient, changes: dict[str, Any], loc: list[Any]
) -> None:
    r = client.http.post("/v1/score", json=waybill(**changes))
    assert r.status_code == 422, r.text
    assert locs(r.json()) == [loc]


@pytest.mark.parametrize(("declared", "ok"), [(0.3, True), (0.31, False), (0.29, False)])
def test_declared_value_must_be_the_sum_of_the_items_to_the_cent(
    client: ScoringClient, declared: float, ok: bool
) -> None:
    wb = waybill(items=[item(quantity=3, unit_value=0.1)], declared_value=declared, weight_kg=0.01)
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == (200 if ok else 422), r.text
    if not ok:
        assert locs(r.json()) == [["body", "declared_value"]]


def test_several_bad_fields_are_named_and_only_they(client: ScoringClient) -> None:
    wb = waybill(
        waybill_no="SF 1400",
        carrier="S",
        items=[item(), item(quantity=0)],
        receiver=cn_receiver(address={"country": "ZZ"}),
        declared_value=120.0,
        weight_kg=-2,
    )
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 422
    assert sorted(locs(r.json()), key=str) == sorted(
        [
            ["body", "waybill_no"],
            ["body", "carrier"],
            ["body", "items", 1, "quantity"],
            ["body", "receiver", "address", "country"],
            ["body", "weight_kg"],
        ],
        key=str,
    )


@pytest.mark.parametrize(
    ("waybill_no", "ok"),
    [
        ("SF140000", True),
        ("SF14000", False),
        ("A" * 32, True),
        ("A" * 33, False),
        ("SF_14000001", False),
        ("SF1400000１", False),
    ],
    ids=["8", "7", "32", "33", "underscore", "full-width-digit"],
)
def test_waybill_no_is_8_to_32_letters_digits_or_dashes(
    client: ScoringClient, waybill_no: str, ok: bool
) -> None:
    r = client.http.post("/v1/score", json=waybill(waybill_no=waybill_no))
    assert r.status_code == (200 if ok else 422), r.text
    if ok:
        assert r.json()["waybill_no"] == waybill_no
    else:
        assert locs(r.json()) == [["body", "waybill_no"]]


@pytest.mark.parametrize(
    ("carrier", "ok"),
    [("ABCDEFGH", True), ("S", False), ("ABCDEFGHI", False), ("S1", False)],
)
def test_carrier_is_2_to_8_upper_case_letters(client: ScoringClient, carrier: str, ok: bool) -> None:
    r = client.http.post("/v1/score", json=waybill(carrier=carrier))
    assert r.status_code == (200 if ok else 422), r.text
    if ok:
        assert r.json()["carrier"] == carrier
    else:
        assert locs(r.json()) == [["body", "carrier"]]


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        ("temporary_id", resident_id()[:17]),
        ("resident_id", resident_id()[:6] + "1949-231002"),
        ("uscc", valid_uscc()[:17]),
    ],
    ids=["temporary-17", "resident-dash", "uscc-17"],
)
def test_an_id_number_of_wrong_length_or_characters_is_a_422(
    client: ScoringClient, id_type: str, number: str
) -> None:
    r = client.http.post("/v1/score", json=waybill(sender=party(id_type=id_type, id_number=number)))
    assert r.status_code == 422, r.text
    assert locs(r.json()) == [["body", "sender", "id_number"]]
    assert number not in r.text


def test_a_buyer_id_of_the_wrong_length_is_a_422_at_the_receiver(client: ScoringClient) -> None:
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id()[:16])
    r = client.http.post("/v1/score", json=cbec_import(buyer))
    assert r.status_code == 422
    assert locs(r.json()) == [["body", "receiver", "id_number"]]


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        ("resident_id", resident_id(birth="19490230")),
        ("temporary_id", wrong_check_digit(resident_id(seq="311"))),
    ],
    ids=["feb-30", "temporary-check-digit"],
)
def test_a_well_formed_but_false_id_is_rejected_not_a_422(
    client: ScoringClient, id_type: str, number: str
) -> None:
    d = client.score(waybill(sender=party(id_type=id_type, id_number=number)))
    assert d["decision"] == "reject"
    assert reason_of(d, "ID_INVALID")["outcome"] == "reject"
    assert number not in str(d)


def test_a_uscc_with_a_wrong_check_character_is_rejected(client: ScoringClient) -> None:
    good = valid_uscc()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    org = {"name": "上海某某贸易有限公司", "id_type": "uscc", "id_verified": True}
    assert "ID_INVALID" not in client.codes(waybill(sender=party(**org, id_number=good)))
    d = client.score(waybill(sender=party(**org, id_number=bad)))
    assert d["decision"] == "reject" and "ID_INVALID" in codes(d)


def test_a_422_of_every_kind_in_a_ring_counts_nothing_for_the_next_parcels(client: ScoringClient) -> None:
    parcels = ring(9, "712")
    for wb in parcels[:5]:
        client.score(wb)
    bad_bodies = [
        merge(parcels[5], {"items": [*parcels[5]["items"], item(quantity=0)]}),  # nested
        merge(parcels[6], {"weight_kg": "0.4"}),  # wrong type
        merge(parcels[7], {"channel": "air"}),  # unknown enum
        merge(parcels[8], {"pickup_checks": {"xray_screened": ...}}),  # missing
    ]
    for wb in bad_bodies:
        assert client.http.post("/v1/score", json=wb).status_code == 422
        assert never_scored(client, wb)
    # The sixth parcel that passed validation is the first the ring rule sees as the sixth.
    ev = evidence(client.score(parcels[5]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert not {w["waybill_no"] for w in parcels[6:]} & set(ev["linked_waybills"])


# RANDOM_AUDIT ----------------------------------------------------------------------------------------------


def audit_waybills(count: int) -> list[dict[str, Any]]:
    """Clean domestic parcels with fixed waybill numbers (the audit draw depends on them only)."""
    return [waybill(waybill_no=f"AUD{n:010d}", hours_after=n * 0.1) for n in range(count)]


def audited(decisions: list[dict[str, Any]]) -> list[bool]:
    """Which decisions carry RANDOM_AUDIT."""
    return ["RANDOM_AUDIT" in codes(d) for d in decisions]


def test_random_audit_inspects_a_share_of_clean_parcels_with_its_reason(
    tmp_path: Path, policy: Policy
) -> None:
    with started(tmp_path / "a", with_audit(policy, 0.5)) as client:
        decisions = [client.score(wb) for wb in audit_waybills(40)]
    picked = audited(decisions)
    assert 0 < sum(picked) < 40
    for d, chosen in zip(decisions, picked, strict=True):
        if chosen:
            assert d["decision"] == "inspect" and [r["code"] for r in d["reasons"]] == ["RANDOM_AUDIT"]
            assert_contract_reason(reason_of(d, "RANDOM_AUDIT"))
            assert reason_of(d, "RANDOM_AUDIT")["outcome"] == "inspect"
        else:
            assert (d["decision"], d["reasons"]) == ("release", [])


def test_random_audit_picks_the_same_parcels_in_a_batch_and_one_by_one(
    tmp_path: Path, policy: Policy
) -> None:
    audit = with_audit(policy, 0.5)
    wbs = audit_waybills(40)
    with started(tmp_path / "single", audit) as client:
        one_by_one = audited([client.score(wb) for wb in wbs])
    with started(tmp_path / "batch", audit) as client:
        by_batch = audited(batch(client, wbs))
    with started(tmp_path / "reversed", audit) as client:
        reversed_batch = audited(batch(client, wbs[::-1]))[::-1]
    assert 0 < sum(one_by_one) < 40
    assert by_batch == one_by_one == reversed_batch


def test_random_audit_picks_the_same_parcel_when_it_is_re_sent_or_corrected(
    tmp_path: Path, policy: Policy
) -> None:
    wbs = audit_waybills(30)
    with started(tmp_path / "a", with_audit(policy, 0.5)) as client:
        first = audited([client.score(wb) for wb in wbs])
        resent = audited([client.score(wb) for wb in wbs])
        corrected = [
            merge(
                wb, {"items": [item(quantity=3, unit_value=40.0)], "declared_value": 120.0, "weight_kg": 0.9}
            )
            for wb in wbs
        ]
        rescored = audited([client.score(wb) for wb in corrected])
    assert 0 < sum(first) < 30
    assert resent == first and rescored == first


def test_random_audit_depends_on_the_parcel_key_not_its_lane_or_contents(
    tmp_path: Path, policy: Policy
) -> None:
    domestic = audit_waybills(30)
    exports = [
        export_postal(waybill_no=wb["waybill_no"], items=[item(quantity=1, unit_value=100.0)])
        for wb in domestic
    ]
    audit = with_audit(policy, 0.5)
    with started(tmp_path / "domestic", audit) as client:
        a = audited([client.score(wb) for wb in domestic])
    with started(tmp_path / "export", audit) as client:
        b = audited([client.score(wb) for wb in exports])
    assert 0 < sum(a) < 30 and a == b


def test_random_audit_evidence_carries_the_rate_in_force(tmp_path: Path, policy: Policy) -> None:
    with started(tmp_path / "a", with_audit(policy, 1.0)) as client:
        d = client.score(waybill())
    assert reason_of(d, "RANDOM_AUDIT")["outcome"] == "inspect"
    assert 1.0 in [v for v in evidence(d, "RANDOM_AUDIT").values() if isinstance(v, int | float)]


def test_an_audit_rate_of_one_inspects_every_parcel(tmp_path: Path, policy: Policy) -> None:
    with started(tmp_path / "a", with_audit(policy, 1.0)) as client:
        slots = batch(client, [waybill() for _ in range(10)])
    assert all(s["decision"] == "inspect" and codes(s) == {"RANDOM_AUDIT"} for s in slots)


def test_random_audit_never_lowers_a_more_severe_decision(tmp_path: Path, policy: Policy) -> None:
    with started(tmp_path / "a", with_audit(policy, 1.0)) as client:
        held = client.score(over_limit())
        rejected = client.score(no_id())
    assert held["decision"] == "hold" and {"RANDOM_AUDIT", "OVER_PERSONAL_LIMIT"} <= codes(held)
    assert rejected["decision"] == "reject" and {"RANDOM_AUDIT", "REALNAME_MISSING"} <= codes(rejected)
    assert held["reasons"][0]["outcome"] == "hold"


# Request ids -----------------------------------------------------------------------------------------------


def test_scoring_answers_carry_a_fresh_request_id_when_the_caller_sends_none(client: ScoringClient) -> None:
    wb = waybill()
    ids = [
        client.http.post("/v1/score", json=wb).headers.get("x-request-id"),
        client.http.post("/v1/score", json=wb).headers.get("x-request-id"),  # a re-send is another request
        client.http.post("/v1/score/batch", json={"waybills": [wb]}).headers.get("x-request-id"),
        client.http.post("/v1/score", json=waybill(weight_kg=0)).headers.get("x-request-id"),
    ]
    assert all(ids) and len(set(ids)) == 4


# HISTORY_UNAVAILABLE ---------------------------------------------------------------------------------------


@pytest.fixture
def no_history(tmp_path: Path, policy: Policy) -> Iterator[ScoringClient]:
    """A started app whose Redis history store is a port where nothing listens."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    with started(tmp_path / "data", policy, redis_url=url, redis_timeout_s=0.2) as client:
        yield client


def test_without_history_a_clean_domestic_parcel_is_released_with_an_informational_reason(
    no_history: ScoringClient,
) -> None:
    d = no_history.score(waybill())
    assert_contract_decision(d)
    assert d["decision"] == "release" and d["case_id"] is None
    assert [(r["code"], r["outcome"]) for r in d["reasons"]] == [("HISTORY_UNAVAILABLE", "release")]


@pytest.mark.parametrize("lane", ["export", "import"])
def test_without_history_a_clean_cross_border_parcel_is_inspected(
    no_history: ScoringClient, lane: str
) -> None:
    if lane == "export":
        wb = export_postal(items=[item(quantity=1, unit_value=100.0)])
    else:
        buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="713"), id_verified=True)
        wb = cbec_import(buyer, items=[item(description="手提包 handbag", quantity=1, unit_value=300.0)])
    d = no_history.score(wb)
    assert_contract_decision(d)
    assert d["decision"] == "inspect"
    assert [(r["code"], r["outcome"]) for r in d["reasons"]] == [("HISTORY_UNAVAILABLE", "inspect")]


def test_without_history_the_stateless_rules_still_decide(no_history: ScoringClient) -> None:
    rejected = no_history.score(no_id())
    assert rejected["decision"] == "reject"
    assert {"REALNAME_MISSING", "HISTORY_UNAVAILABLE"} <= codes(rejected)
    held = no_history.score(over_limit())
    assert held["decision"] == "hold" and held["case_id"]
    assert {"OVER_PERSONAL_LIMIT", "HISTORY_UNAVAILABLE"} <= codes(held)
    assert reason_of(held, "HISTORY_UNAVAILABLE")["outcome"] == "inspect"


def test_without_history_a_batch_is_decided_slot_by_slot_and_no_ring_is_seen(
    no_history: ScoringClient,
) -> None:
    parcels = ring(8, "714")
    wbs = [*parcels, waybill(), waybill(weight_kg=0)]
    slots = batch(no_history, wbs)
    for slot in slots[:8]:
        assert_contract_decision(slot)
        assert slot["decision"] == "inspect"
        assert reason_of(slot, "HISTORY_UNAVAILABLE")["outcome"] == "inspect"
        assert not {"ANT_MOVING_SENDER", "NEAR_LIMIT_SPLIT"} & codes(slot)
    assert slots[8]["decision"] == "release"
    assert [(r["code"], r["outcome"]) for r in slots[8]["reasons"]] == [("HISTORY_UNAVAILABLE", "release")]
    assert locs(slots[9]["error"]) == [["body", "waybills", 9, "weight_kg"]]


def test_without_history_a_resent_body_gets_the_same_decision_and_one_case(
    tmp_path: Path,
    policy: Policy,
    cheap_password_hashes: None,
) -> None:
    settings = Settings(
        env="development",
        data_dir=tmp_path / "data",
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        redis_timeout_s=0.2,
    )
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        client = CaseClient(http, app)
        wb = over_limit()
        first = client.score(wb)
        again = client.score(wb)
        assert first["decision"] == again["decision"] == "hold"
        assert first["reasons"] == again["reasons"] and first["case_id"] == again["case_id"]
        assert "HISTORY_UNAVAILABLE" in codes(first)
        client.as_new("wang", "officer")
        assert client.http.get("/v1/cases").json()["total"] == 1


def test_without_history_random_audit_picks_the_same_parcels(tmp_path: Path, policy: Policy) -> None:
    audit = with_audit(policy, 0.5)
    wbs = audit_waybills(30)
    with started(tmp_path / "with", audit) as client:
        with_history = audited([client.score(wb) for wb in wbs])
    url = f"redis://127.0.0.1:{free_port()}/0"
    with started(tmp_path / "without", audit, redis_url=url, redis_timeout_s=0.2) as client:
        decisions = [client.score(wb) for wb in wbs]
    assert all("HISTORY_UNAVAILABLE" in codes(d) for d in decisions)
    assert 0 < sum(with_history) < 30 and audited(decisions) == with_history


@pytest.mark.redis
def test_a_parcel_re_sent_through_an_outage_still_counts_once(tmp_path: Path, policy: Policy) -> None:
    port = free_port()
    server = start_redis_server(port, workdir=tmp_path)
    try:
        with cuttable(port) as proxy:
            url = f"redis://127.0.0.1:{proxy.port}/0"
            with started(tmp_path / "data", policy, redis_url=url, redis_timeout_s=0.2) as client:
                parcels = ring(7, "715")
                first = [client.score(wb) for wb in parcels[:5]]
                proxy.set("refuse")
                during = client.score(parcels[4])  # the courier retries while the history is cut
                assert "HISTORY_UNAVAILABLE" in codes(during)
                proxy.set("pass")
                deadline = time.monotonic() + 3
                while "HISTORY_UNAVAILABLE" in client.codes(waybill()):
                    assert time.monotonic() < deadline, "history did not come back"
                assert client.score(parcels[4]) == first[4]  # the remembered decision of the same body
                ev = evidence(client.score(parcels[5]), "ANT_MOVING_SENDER")
    finally:
        stop_processes([server])
    assert ev["parcels"] == 6
    assert sorted(ev["linked_waybills"]) == sorted(w["waybill_no"] for w in parcels[:5])


def test_without_history_bad_input_is_still_a_422(no_history: ScoringClient) -> None:
    r = no_history.http.post(
        "/v1/score", json=waybill(items=[item(), item(quantity=0)], declared_value=120.0)
    )
    assert r.status_code == 422
    assert locs(r.json()) == [["body", "items", 1, "quantity"]]


# Identity numbers never in plain text ----------------------------------------------------------------------


def id_scenarios() -> list[tuple[str, dict[str, Any], str]]:
    """(name, waybill, identity number it carries) for every kind of decision an ID can meet."""
    out: list[tuple[str, dict[str, Any], str]] = []
    n = resident_id(seq="722")
    out.append(("unverified", waybill(sender=party(id_number=n, id_verified=False)), n))
    n = wrong_check_digit(resident_id(seq="723"))
    out.append(("check-digit", waybill(sender=party(id_number=n)), n))
    n = resident_id(seq="725")
    out.append(("held", over_limit(sender=party(id_number=n)), n))
    n = "E12345678"
    out.append(("passport", export_postal(sender=party(id_type="passport", id_number=n)), n))
    n = resident_id(seq="726")
    buyer = cn_receiver(id_type="resident_id", id_number=n, id_verified=True)
    out.append(("buyer", cbec_import(buyer), n))
    n = wrong_check_digit(resident_id(seq="727"))
    buyer = cn_receiver(id_type="resident_id", id_number=n, id_verified=True)
    out.append(("false-buyer", cbec_import(buyer), n))
    return out


@pytest.mark.parametrize(
    ("wb", "number"), [s[1:] for s in id_scenarios()], ids=[s[0] for s in id_scenarios()]
)
def test_an_identity_number_appears_in_no_answer(
    client: ScoringClient, wb: dict[str, Any], number: str
) -> None:
    texts = [client.http.post("/v1/score", json=wb).text]
    texts.append(client.http.post("/v1/score", json=wb).text)  # the remembered decision
    texts.append(client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}").text)
    resent = {**wb, "waybill_no": wb["waybill_no"] + "B"}
    texts.append(
        client.http.post("/v1/score/batch", json={"waybills": [resent, {**resent, "weight_kg": 0}]}).text
    )
    for text in texts:
        assert number not in text and number.lower() not in text


def test_an_identity_number_of_a_held_parcel_is_not_in_its_case_or_the_metrics(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    number = resident_id(seq="731")
    buyer_number = resident_id(seq="732")
    held = client.score(over_limit(sender=party(id_number=number)))
    buyer = cn_receiver(id_type="resident_id", id_number=buyer_number, id_verified=True)
    over = cbec_import(
        buyer, items=[item(description="手表 watch", category="general", quantity=1, unit_value=6000.0)]
    )
    cbec_held = client.score(over)
    assert held["decision"] == "hold" and cbec_held["decision"] == "hold"
    client.as_new("wang", "officer")
    texts = [
        client.http.get(f"/v1/cases/{held['case_id']}").text,
        client.http.get(f"/v1/cases/{cbec_held['case_id']}").text,
        client.http.get("/v1/cases").text,
        client.http.get("/metrics").text,
    ]
    assert held["waybill_no"] in texts[0] and cbec_held["waybill_no"] in texts[1]
    for text in texts:
        assert number not in text and buyer_number not in text


def test_an_identity_number_in_a_bad_batch_slot_is_not_echoed(client: ScoringClient) -> None:
    number = resident_id(seq="728")
    bad = waybill(sender=party(id_number=number, phone="1"))
    short = resident_id(seq="729")[:17]
    worse = waybill(sender=party(id_number=short))
    r = client.http.post("/v1/score/batch", json={"waybills": [bad, worse]})
    assert r.status_code == 200
    slots = r.json()["decisions"]
    assert locs(slots[0]["error"]) == [["body", "waybills", 0, "sender", "phone"]]
    assert locs(slots[1]["error"]) == [["body", "waybills", 1, "sender", "id_number"]]
    assert number not in r.text and short not in r.text


def test_a_false_id_is_shown_masked_if_at_all(client: ScoringClient) -> None:
    number = wrong_check_digit(resident_id(seq="730"))
    d = client.score(waybill(sender=party(id_number=number)))
    assert d["decision"] == "reject"
    text = str(reason_of(d, "ID_INVALID"))
    # Only the masked form (110105********002X) may show: never the birth date in the middle.
    assert number not in text and number[6:14] not in text
