"""Scenarios of POST /v1/score/batch over HTTP against the wire contract: a batch decides as one by one.

Written from shared/contract/README.md ("Waybills are scored in request order (a later parcel sees the
history of the earlier ones). An invalid waybill fails alone"; idempotency: "Re-sending a changed body ...
is scored again, and the parcel still counts once in the history: its earlier contribution is replaced"),
shared/domain/RULES.md (the history rules) and the README (corrections take a parcel off the entities only
the earlier body had; a held parcel's corrected body notes its case). Two started apps side by side ("twins",
each its own data dir and embedded history) get the same waybills: one as a batch, the other one by one;
their answers must be equal but for `scored_at`. Every test builds its own people, addresses and outlets,
so the module's apps are shared without one test's history reaching another's.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import DECISION_FIELDS, codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import (
    cn_receiver,
    hk_receiver,
    item,
    merge,
    party,
    resident_id,
    waybill,
)

OPTIONAL_FIELDS = {"case_status"}
_serial = itertools.count(1)


# Apps --------------------------------------------------------------------------------------------------


@dataclass
class App:
    """A started app and its HTTP client, with a customs key to read its case queue."""

    app: FastAPI
    http: TestClient
    customs: dict[str, str]

    def score(self, wb: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """POST /v1/score and expect a decision."""
        r = self.http.post("/v1/score", json=wb, headers=headers)
        assert r.status_code == 200, r.text[:500]
        body: dict[str, Any] = r.json()
        return body

    def answer(self, wb: Any) -> dict[str, Any]:
        """POST /v1/score: the decision, or the 422 body."""
        r = self.http.post("/v1/score", json=wb)
        assert r.status_code in (200, 422), r.text[:500]
        body: dict[str, Any] = r.json()
        return body

    def batch(self, wbs: list[Any], headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """POST /v1/score/batch, expect 200 and one slot per waybill."""
        r = self.http.post("/v1/score/batch", json={"waybills": wbs}, headers=headers)
        assert r.status_code == 200, r.text[:500]
        slots: list[dict[str, Any]] = r.json()["decisions"]
        assert len(slots) == len(wbs)
        return slots

    def read_back(self, wb: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """GET /v1/decisions/{carrier}/{waybill_no}, expect 200."""
        r = self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}", headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def never_scored(self, wb: dict[str, Any]) -> bool:
        """True when the service has no decision for the parcel."""
        return self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}").status_code == 404

    def queue(self, outlet: str) -> list[dict[str, Any]]:
        """The case queue of one outlet (customs key), oldest first."""
        r = self.http.get(
            "/v1/cases", params={"outlet": outlet, "per_page": 200, "sort": "age"}, headers=self.customs
        )
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return sorted(items, key=lambda c: c["case_id"])

    def case(self, case_id: str) -> dict[str, Any]:
        """GET /v1/cases/{case_id} (customs key)."""
        r = self.http.get(f"/v1/cases/{case_id}", headers=self.customs)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


def quiet_policy() -> Policy:
    """The shipped policy with random audit off (as the suite's policy fixture)."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, App]]:
    """Two started apps, each with its own data dir and embedded history: (batch side, single side)."""
    policy = quiet_policy()
    apps: list[App] = []

    def settings(name: str) -> Settings:
        return Settings(env="development", data_dir=tmp_path_factory.mktemp(name) / "data")

    # A server error is an answer here (a 500 the contract does not allow), not an exception in the test.
    with (
        TestClient(create_app(settings("b")), raise_server_exceptions=False) as b,
        TestClient(create_app(settings("s")), raise_server_exceptions=False) as s,
    ):
        for http in (b, s):
            app: FastAPI = http.app  # type: ignore[assignment]
            app.state.engine.policy = policy
            apps.append(App(app=app, http=http, customs=bearer(make_key(app, "customs", "SHA-PVG"))))
        yield apps[0], apps[1]


@pytest.fixture
def svc(twins: tuple[App, App]) -> App:
    """The batch side of the twins, for tests that need one app only."""
    return twins[0]


# People and parcels of their own for each test ---------------------------------------------------------


def n() -> int:
    """A number no other call in this module gets."""
    return next(_serial)


def outlet() -> str:
    """An outlet of its own: its case queue holds one test's cases only."""
    return f"SF-BATCH-{n():04d}"


def sender(**changes: Any) -> dict[str, Any]:
    """A mainland sender of their own: ID, phone and building."""
    k = n()
    own: dict[str, Any] = {
        "name": f"发件人{k}",
        "phone": f"1370{k:07d}",
        "id_number": resident_id(region="310115", birth="19850615", seq=f"{k:03d}"),
        "address": {"detail": f"祖冲之路{k}号{k}号楼201室"},
    }
    return party(**(own | changes))


def abroad() -> dict[str, Any]:
    """A receiver in Macau of their own (limit 800 CNY)."""
    k = n()
    return hk_receiver(
        name=f"RECEIVER {k}",
        phone=f"+85368{k:06d}",
        address={"country": "MO", "city": "Macau", "district": "Taipa", "detail": f"Rua {k}, Bloco {k}"},
    )


def buyer() -> dict[str, Any]:
    """A mainland cbec buyer of their own, with a verified ID."""
    k = n()
    return cn_receiver(
        name=f"买家{k}",
        phone=f"1390{k:07d}",
        id_type="resident_id",
        id_number=resident_id(region="110105", birth="19900101", seq=f"{k:03d}"),
        id_verified=True,
        address={"detail": f"建国路{k}号{k}号楼1201"},
    )


def export(
    who: dict[str, Any], to: dict[str, Any], value: float, hours: float, **changes: Any
) -> dict[str, Any]:
    """A personal postal article of one face cream from who to to."""
    cream = item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=value)
    base: dict[str, Any] = {
        "service": "export",
        "channel": "postal",
        "sender": who,
        "receiver": to,
        "items": [cream],
        "weight_kg": 0.4,
    }
    return waybill(hours_after=hours, **merge(base, changes))


def ring(count: int, *, where: str = "SF-310115-0042") -> list[dict[str, Any]]:
    """One sender's parcels to five receivers of their own, each under 800 CNY: from the sixth on, held."""
    who, to = sender(), [abroad() for _ in range(5)]
    return [export(who, to[i % 5], 760.0 + i, i * 0.4, outlet_id=where) for i in range(count)]


def receiver_ring(count: int) -> list[dict[str, Any]]:
    """Parcels from as many senders to one receiver, each under 800 CNY: from the fifth on, held."""
    to = abroad()
    return [export(sender(), to, 700.0 + i, i * 0.5) for i in range(count)]


def purchases(values: list[float], who: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One buyer's cbec imports of handbags from a shop of its own, a day apart."""
    k = n()
    shop = hk_receiver(
        name=f"GLOBAL SHOP {k}", phone=f"+8523{k:07d}", address={"detail": f"{k} Queen's Road"}
    )
    whom = who or buyer()
    return [
        waybill(
            hours_after=24.0 * d,
            service="import",
            channel="cbec",
            sender=shop,
            receiver=whom,
            items=[item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=v)],
            weight_kg=1.0,
        )
        for d, v in enumerate(values)
    ]


def held_export(**changes: Any) -> dict[str, Any]:
    """An export of 1,000 CNY in five units to Macau (limit 800): held for OVER_PERSONAL_LIMIT."""
    return export(sender(), abroad(), 200.0, 0.0, items=[item(quantity=5, unit_value=200.0)], **changes)


def no_id(**changes: Any) -> dict[str, Any]:
    """A domestic parcel whose sender gave no ID: rejected."""
    who = sender(id_type=None, id_number=None, id_verified=False, verification_method=None)
    return waybill(sender=who, **changes)


def unverified(**changes: Any) -> dict[str, Any]:
    """A domestic parcel whose sender's ID was not verified: inspected."""
    return waybill(sender=sender(id_verified=False, verification_method="none"), **changes)


# Comparing ------------------------------------------------------------------------------------------------


def without_time(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without its scored_at, to compare two scorings of the same facts."""
    return {k: v for k, v in answer.items() if k != "scored_at"}


def as_slot(index: int, answer: dict[str, Any]) -> dict[str, Any]:
    """A single answer as a batch slot compares: a 422 as the fields it names, under body.waybills.index."""
    if "detail" not in answer:
        return without_time(answer)
    return {"error_at": [["body", "waybills", index, *e["loc"][1:]] for e in answer["detail"]]}


def comparable(slot: dict[str, Any]) -> dict[str, Any]:
    """A batch slot without its scored_at; a failed one as the fields it names.

    (The pydantic error type of a non-object may differ between the paths, model_type in a batch and
    model_attributes_type alone; the contract asks for loc, msg and type, not for the same wording.)
    """
    if "error" not in slot:
        return without_time(slot)
    return {"error_at": [e["loc"] for e in slot["error"]["detail"]]}


def one_by_one(app: App, wbs: list[Any]) -> list[dict[str, Any]]:
    """Each waybill POSTed alone, in order, in batch-slot form."""
    return [as_slot(i, app.answer(wb)) for i, wb in enumerate(wbs)]


def by_batch(app: App, wbs: list[Any]) -> list[dict[str, Any]]:
    """The waybills as one batch, slots without scored_at."""
    return [comparable(s) for s in app.batch(wbs)]


def on_both(twins: tuple[App, App], wbs: list[dict[str, Any]]) -> None:
    """Score waybills one by one on both twins (history both sides share before the compared part)."""
    for app in twins:
        for wb in wbs:
            app.score(wb)


def evidence(decision: dict[str, Any], code: str) -> dict[str, Any]:
    """The evidence of one reason of a decision."""
    ev: dict[str, Any] = reason_of(decision, code)["evidence"]
    return ev


def locs(error_slot: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error of a failed slot."""
    return [e["loc"] for e in error_slot["error"]["detail"]]


# A batch decides as one by one: rings and totals built up inside the batch -------------------------------


def test_a_sender_ring_formed_inside_a_batch_is_held_as_one_by_one(twins: tuple[App, App]) -> None:
    """Eight parcels of one sender in one batch: the same eight answers as sent one after the other."""
    wbs = ring(8)
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    assert [s["decision"] for s in got[5:]] == ["hold"] * 3
    assert [evidence(s, "ANT_MOVING_SENDER")["parcels"] for s in got[5:]] == [6, 7, 8]
    assert "ANT_MOVING_SENDER" not in codes(got[4])


def test_a_receiver_ring_formed_inside_a_batch_is_held_as_one_by_one(twins: tuple[App, App]) -> None:
    """Six senders' parcels to one receiver in one batch: ANT_MOVING_RECEIVER where one by one has it."""
    wbs = receiver_ring(6)
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    assert "ANT_MOVING_RECEIVER" not in codes(got[3])
    assert reason_of(got[4], "ANT_MOVING_RECEIVER")["outcome"] == "hold"
    assert got[4]["decision"] == "hold" and got[4]["case_id"]
    linked = evidence(got[5], "ANT_MOVING_RECEIVER")["linked_waybills"]
    assert sorted(linked) == sorted(w["waybill_no"] for w in wbs[:5])


def test_a_buyers_year_passing_26000_inside_a_batch_is_held_as_one_by_one(twins: tuple[App, App]) -> None:
    """Five purchases of 4,800 then one of 2,500 CNY in one batch: the sixth passes the annual limit."""
    wbs = purchases([4800.0] * 5 + [2500.0])
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    assert not any("CBEC_ANNUAL_LIMIT" in codes(s) for s in got[:5])
    assert reason_of(got[5], "CBEC_ANNUAL_LIMIT")["outcome"] == "hold"


def test_near_limit_parcels_inside_a_batch_are_flagged_as_one_by_one(twins: tuple[App, App]) -> None:
    """Three parcels in [720, 800) to Macau in one batch: the third is NEAR_LIMIT_SPLIT, as one by one."""
    wbs = ring(3)
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    assert ["NEAR_LIMIT_SPLIT" in codes(s) for s in got] == [False, False, True]
    assert evidence(got[2], "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3


def test_the_same_goods_fanning_out_inside_a_batch_are_flagged_as_one_by_one(twins: tuple[App, App]) -> None:
    """The fifth face cream of one sender to five receivers in one batch is SAME_GOODS_FANOUT."""
    wbs = ring(5)
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    assert ["SAME_GOODS_FANOUT" in codes(s) for s in got] == [False] * 4 + [True]


def test_a_ring_sent_against_pickup_order_decides_as_one_by_one(twins: tuple[App, App]) -> None:
    """Request order is not pickup order: a batch in reverse pickup order answers as the same order alone."""
    parcels = ring(9)
    wbs = [*parcels[:8][::-1], parcels[8]]
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    # A window holds the parcels picked up before this one: none of the reversed eight sees a ring,
    # the ninth (the latest pickup) sees all eight.
    assert not any("ANT_MOVING_SENDER" in codes(s) for s in got[:8])
    assert evidence(got[8], "ANT_MOVING_SENDER")["parcels"] == 9


def test_a_ring_split_over_two_batches_decides_as_one_by_one(twins: tuple[App, App]) -> None:
    """Parcels 1–4 in one batch and 5–8 in the next: the second batch sees the first's parcels."""
    wbs = ring(8)
    got = by_batch(twins[0], wbs[:4]) + by_batch(twins[0], wbs[4:])
    assert got == one_by_one(twins[1], wbs)
    assert evidence(got[5], "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_ring_begun_one_by_one_and_finished_in_a_batch_decides_as_one_by_one(
    twins: tuple[App, App],
) -> None:
    """Four parcels scored alone on both sides, then four in a batch: the batch sees the four before it."""
    wbs = ring(8)
    on_both(twins, wbs[:4])
    got = by_batch(twins[0], wbs[4:])
    assert got == one_by_one(twins[1], wbs[4:])
    assert ["ANT_MOVING_SENDER" in codes(s) for s in got] == [False, True, True, True]


def test_a_ring_begun_in_a_batch_and_finished_one_by_one_decides_as_one_by_one(
    twins: tuple[App, App],
) -> None:
    """Five parcels in a batch, then three alone: the later single scorings see the batch's parcels."""
    wbs = ring(8)
    got = by_batch(twins[0], wbs[:5]) + [without_time(twins[0].score(wb)) for wb in wbs[5:]]
    assert got == one_by_one(twins[1], wbs)
    assert [evidence(s, "ANT_MOVING_SENDER")["parcels"] for s in got[5:]] == [6, 7, 8]


def test_bad_slots_in_a_ring_batch_answer_as_the_same_bodies_sent_alone(twins: tuple[App, App]) -> None:
    """Bad slots get the single 422's errors (relocated); the ring counts only the valid parcels."""
    wbs: list[Any] = ring(9)
    wbs[2] = merge(wbs[2], {"weight_kg": 0})
    wbs[5] = merge(wbs[5], {"declared_value": 1.0, "sender": {"phone": "12"}})
    wbs.insert(4, merge(waybill(), {"pickup_checks": ..., "order": ["O-1"]}))
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    assert ["error_at" in s for s in got] == [
        False,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        False,
        False,
    ]
    assert sorted(got[6]["error_at"]) == [
        ["body", "waybills", 6, "declared_value"],
        ["body", "waybills", 6, "sender", "phone"],
    ]
    # Seven valid parcels of the ring: the sixth of them (slot 8) is the first the ring rule holds.
    assert "ANT_MOVING_SENDER" not in codes(got[7])
    assert [evidence(got[k], "ANT_MOVING_SENDER")["parcels"] for k in (8, 9)] == [6, 7]


def test_holds_of_a_batch_answer_case_ids_and_status_as_one_by_one(twins: tuple[App, App]) -> None:
    """A hold's slot carries its case_id and case status exactly as the same parcel alone."""
    wbs = [held_export(), waybill(), no_id(), unverified(), held_export()]
    got = by_batch(twins[0], wbs)
    assert got == one_by_one(twins[1], wbs)
    assert [s["decision"] for s in got] == ["hold", "release", "reject", "inspect", "hold"]
    assert [s["case_id"] is not None for s in got] == [True, False, False, False, True]


# Corrections of a parcel scored in an earlier request, followed in the same batch -----------------------


def test_a_value_correction_then_more_of_the_ring_in_one_batch_decides_as_one_by_one(
    twins: tuple[App, App],
) -> None:
    """A corrected value of an earlier parcel, then the ring's next parcels: counted once, as one by one."""
    wbs = ring(7)
    on_both(twins, wbs[:5])
    cream = {**wbs[4]["items"][0], "unit_value": 700.0}
    corrected = {**wbs[4], "items": [cream], "declared_value": 700.0}
    tail = [corrected, wbs[5], wbs[6]]
    got = by_batch(twins[0], tail)
    assert got == one_by_one(twins[1], tail)
    assert [evidence(s, "ANT_MOVING_SENDER")["parcels"] for s in got[1:]] == [6, 7]


def test_a_corrected_sender_no_longer_counts_for_the_old_sender_later_in_the_same_batch(
    twins: tuple[App, App],
) -> None:
    """Parcel 5 moved to another sender, then the old sender's next parcel in the same batch: its fifth."""
    wbs = ring(7)
    on_both(twins, wbs[:5])
    moved = {**wbs[4], "sender": sender()}
    tail = [moved, wbs[5]]
    got = by_batch(twins[0], tail)
    alone = one_by_one(twins[1], tail)
    assert "ANT_MOVING_SENDER" not in codes(alone[1])  # one by one: the old sender has five parcels
    assert got == alone


def test_a_corrected_buyer_no_longer_counts_in_the_old_buyers_year_later_in_the_same_batch(
    twins: tuple[App, App],
) -> None:
    """A purchase moved to its real buyer, then the named buyer's next purchase in one batch: under 26,000."""
    wbs = purchases([4800.0] * 5 + [2500.0])
    on_both(twins, wbs[:5])  # 24,000 CNY for the named buyer
    moved = {**wbs[4], "receiver": buyer()}  # the courier named the wrong buyer on the fifth
    tail = [moved, wbs[5]]  # the named buyer's own year: 19,200 + 2,500
    got = by_batch(twins[0], tail)
    alone = one_by_one(twins[1], tail)
    assert "CBEC_ANNUAL_LIMIT" not in codes(alone[1])
    assert got == alone


def test_a_corrected_pickup_time_then_more_of_the_ring_in_one_batch_decides_as_one_by_one(
    twins: tuple[App, App],
) -> None:
    """An earlier parcel moved three days back, then the ring's next parcels: out of their 24 h, as alone."""
    wbs = ring(7)
    on_both(twins, wbs[:5])
    earlier = {**wbs[0], "accepted_at": waybill(hours_after=-72.0)["accepted_at"]}
    tail = [earlier, wbs[5], wbs[6]]
    got = by_batch(twins[0], tail)
    assert got == one_by_one(twins[1], tail)
    assert "ANT_MOVING_SENDER" not in codes(got[1])
    assert wbs[0]["waybill_no"] not in evidence(got[2], "ANT_MOVING_SENDER")["linked_waybills"]


def test_a_corrected_sender_in_one_batch_frees_the_old_sender_for_the_next_request(
    twins: tuple[App, App],
) -> None:
    """The same correction, with the old sender's next parcel in the next request: not held, as alone."""
    wbs = ring(7)
    on_both(twins, wbs[:5])
    moved = {**wbs[4], "sender": sender()}
    got = by_batch(twins[0], [moved]) + by_batch(twins[0], [wbs[5]]) + by_batch(twins[0], [wbs[6]])
    assert got == one_by_one(twins[1], [moved, wbs[5], wbs[6]])
    assert "ANT_MOVING_SENDER" not in codes(got[1])
    ev = evidence(got[2], "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6 and wbs[4]["waybill_no"] not in ev["linked_waybills"]


# Re-sends and corrections across the two paths ------------------------------------------------------------


def test_a_batch_re_sent_whole_answers_the_same_slots_and_opens_no_other_case(svc: App) -> None:
    """The same batch twice: identical answers, scored_at and case ids included, and the same cases."""
    where = outlet()
    wbs = [
        *ring(7, where=where),
        held_export(outlet_id=where),
        waybill(outlet_id=where),
        no_id(outlet_id=where),
    ]
    first = svc.batch(wbs)
    cases = svc.queue(where)
    assert len(cases) == 3  # two ring holds and the over-limit parcel
    assert svc.batch(wbs) == first
    assert svc.queue(where) == cases


def test_a_body_scored_in_a_batch_and_re_sent_alone_gets_the_batch_decision(svc: App) -> None:
    """Batch first, then each body alone: the remembered decisions, scored_at and case_id included."""
    wbs = [held_export(), waybill(), no_id(), unverified()]
    slots = svc.batch(wbs)
    assert [svc.score(wb) for wb in wbs] == slots


def test_a_ring_scored_alone_and_re_sent_in_a_batch_counts_each_parcel_once(svc: App) -> None:
    """Five parcels alone, then all five again with the sixth in a batch: the sixth is the sixth."""
    wbs = ring(6)
    first = [svc.score(wb) for wb in wbs[:5]]
    slots = svc.batch(wbs)
    assert slots[:5] == first
    ev = evidence(slots[5], "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert sorted(ev["linked_waybills"]) == sorted(w["waybill_no"] for w in wbs[:5])


def test_a_ring_scored_in_a_batch_and_re_sent_alone_counts_each_parcel_once(svc: App) -> None:
    """Five parcels in a batch, each re-sent alone twice, then the sixth: the sixth is the sixth."""
    wbs = ring(6)
    slots = svc.batch(wbs[:5])
    for _ in range(2):
        assert [svc.score(wb) for wb in wbs[:5]] == slots
    assert evidence(svc.score(wbs[5]), "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_ring_re_sent_in_two_overlapping_batches_counts_each_parcel_once(svc: App) -> None:
    """Batches of parcels 1–5 and 3–7: parcels 3–5 are re-sends, 6 and 7 the sixth and seventh."""
    wbs = ring(7)
    first = svc.batch(wbs[:5])
    second = svc.batch(wbs[2:])
    assert second[:3] == first[2:]
    assert [evidence(s, "ANT_MOVING_SENDER")["parcels"] for s in second[3:]] == [6, 7]


def test_the_same_body_written_differently_is_the_same_body(svc: App) -> None:
    """Keys reordered and 120 for 120.0: the same body, so the batch answers the remembered decision."""
    wb = waybill(items=[item(quantity=2, unit_value=60.0)], declared_value=120.0)
    first = svc.score(wb)
    rewritten = dict(reversed(list(wb.items())))
    rewritten["declared_value"] = 120
    rewritten["items"] = [
        {
            "unit_value": 60,
            "quantity": 2,
            "category": "apparel_shoes",
            "description": wb["items"][0]["description"],
        }
    ]
    [again] = svc.batch([rewritten])
    assert again == first  # scored_at too: nothing was scored again


def test_a_changed_body_sent_in_a_batch_after_alone_is_scored_again(svc: App) -> None:
    """A corrected value in a batch is a new scoring (new scored_at); the read-back is the new answer."""
    wb = waybill()
    first = svc.score(wb)
    changed = merge(
        wb, {"items": [item(quantity=3, unit_value=60.0)], "declared_value": 180.0, "weight_kg": 0.9}
    )
    [slot] = svc.batch([changed])
    assert slot["decision"] == "release" and slot["scored_at"] != first["scored_at"]
    assert svc.read_back(wb) == slot
    assert svc.score(changed) == slot  # the corrected body is now the remembered one


def test_a_hold_corrected_to_a_release_in_a_batch_keeps_its_case_and_notes_the_rescoring(svc: App) -> None:
    """Held alone, corrected under the limit in a batch: released, its case stays open with a note."""
    where = outlet()
    wb = held_export(outlet_id=where)
    held = svc.score(wb)
    assert held["decision"] == "hold" and held["case_id"]
    corrected = merge(wb, {"items": [item(quantity=5, unit_value=100.0)], "declared_value": 500.0})
    [slot] = svc.batch([corrected])
    assert (slot["decision"], slot["case_id"]) == ("release", None)
    assert "OVER_PERSONAL_LIMIT" not in codes(slot)
    [case] = svc.queue(where)
    assert (case["case_id"], case["status"]) == (held["case_id"], "open")
    notes = [h for h in svc.case(held["case_id"])["history"] if h["action"] == "rescored_not_held"]
    assert len(notes) == 1 and notes[0]["after"]["decision"] == "release"
    # The read-back is the release, and tells the courier the earlier hold's case is still open.
    back = svc.read_back(wb)
    assert back["decision"] == "release" and back.get("case_status") == "open"


def test_a_hold_corrected_and_still_held_in_a_batch_rescores_the_same_case(svc: App) -> None:
    """Held alone, corrected to a higher value in a batch: the same case, rescored, and no second one."""
    where = outlet()
    wb = held_export(outlet_id=where)
    held = svc.score(wb)
    corrected = merge(wb, {"items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0})
    [slot] = svc.batch([corrected])
    assert (slot["decision"], slot["case_id"]) == ("hold", held["case_id"])
    assert [c["case_id"] for c in svc.queue(where)] == [held["case_id"]]
    detail = svc.case(held["case_id"])
    assert [h["action"] for h in detail["history"]].count("rescored") == 1
    assert detail["decision"]["reasons"] == slot["reasons"]


def test_a_release_then_its_held_correction_in_one_batch_opens_one_case(svc: App) -> None:
    """The same parcel released and then, corrected, held in one batch: one case, of the held body."""
    where = outlet()
    wb = export(sender(), abroad(), 500.0, 0.0, outlet_id=where)
    over = merge(wb, {"items": [item(quantity=5, unit_value=200.0)], "declared_value": 1000.0})
    slots = svc.batch([wb, over])
    assert [s["decision"] for s in slots] == ["release", "hold"]
    assert [c["case_id"] for c in svc.queue(where)] == [slots[1]["case_id"]]
    assert svc.read_back(wb)["decision"] == "hold"


def test_a_broken_copy_after_a_valid_one_in_one_batch_changes_nothing(svc: App) -> None:
    """A parcel, then the same parcel broken and moved to another receiver: the broken copy fails alone."""
    wbs = ring(6)
    broken = merge(wbs[4], {"receiver": abroad(), "weight_kg": -1})
    slots = svc.batch([*wbs[:5], broken])
    assert locs(slots[5]) == [["body", "waybills", 5, "weight_kg"]]
    assert svc.read_back(wbs[4]) == slots[4]
    assert evidence(svc.score(wbs[5]), "ANT_MOVING_SENDER")["parcels"] == 6


# Cases opened by a batch ----------------------------------------------------------------------------------


def test_every_hold_of_a_batch_is_in_the_case_queue_and_nothing_else_is(svc: App) -> None:
    """Each held slot's case_id is an open case of the queue with its hold reasons; other slots open none."""
    where = outlet()
    wbs: list[Any] = [
        waybill(outlet_id=where),
        held_export(outlet_id=where),
        no_id(outlet_id=where),
        unverified(outlet_id=where),
        held_export(outlet_id=where, weight_kg=-1),  # would be held, but fails validation
        held_export(outlet_id=where),
    ]
    slots = svc.batch(wbs)
    held = [s for s in slots if s.get("decision") == "hold"]
    assert [slots.index(s) for s in held] == [1, 5]
    queue = svc.queue(where)
    assert [c["case_id"] for c in queue] == sorted(s["case_id"] for s in held)
    for case in queue:
        slot = next(s for s in held if s["case_id"] == case["case_id"])
        assert (case["carrier"], case["waybill_no"], case["status"]) == ("SF", slot["waybill_no"], "open")
        assert {r["code"] for r in slot["reasons"] if r["outcome"] == "hold"} <= set(case["reason_codes"])
    assert svc.never_scored(wbs[4])


def test_a_held_slot_says_its_case_is_open_and_other_slots_have_no_case(svc: App) -> None:
    """case_id is set exactly when the decision is hold; its case_status is open."""
    slots = svc.batch([held_export(), waybill(), no_id(), unverified()])
    assert [(s["case_id"] is not None, s.get("case_status")) for s in slots] == [
        (True, "open"),
        (False, None),
        (False, None),
        (False, None),
    ]


def test_a_batch_holds_case_keeps_the_slots_decision_and_ring(svc: App) -> None:
    """The case of a batch's ring hold holds the decision the slot answered and links the ring's parcels."""
    where = outlet()
    wbs = ring(6, where=where)
    slots = svc.batch(wbs)
    case = svc.case(slots[5]["case_id"])
    assert case["decision"]["reasons"] == slots[5]["reasons"]
    assert case["decision"]["decision"] == "hold"
    assert sorted(p["waybill_no"] for p in case["linked"]) == sorted(w["waybill_no"] for w in wbs[:5])


def test_ring_holds_of_one_batch_share_one_cluster_as_one_by_one(twins: tuple[App, App]) -> None:
    """The ring's holds of one batch form one cluster, the one they form when scored one by one."""
    where = outlet()
    wbs = ring(9, where=where)
    twins[0].batch(wbs)
    for wb in wbs:
        twins[1].score(wb)
    by_batch_cases = [(c["case_id"], c["cluster_id"], c["reason_codes"]) for c in twins[0].queue(where)]
    alone_cases = [(c["case_id"], c["cluster_id"], c["reason_codes"]) for c in twins[1].queue(where)]
    assert len(by_batch_cases) == 4
    assert len({cluster for _, cluster, _ in by_batch_cases}) == 1
    assert by_batch_cases == alone_cases


# Bad input changes nothing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"waybill_no": "SF 1400"},
        {"weight_kg": "heavy"},
        {"accepted_at": "2026-11-11T09:30:00"},
        {"accepted_at": 1762824600},
        {"sender": {"id_number": "1101051949123100"}},
        {"receiver": {"address": {"country": "ZZ"}}},
        {"items": [{"description": "T-shirt", "quantity": 0, "unit_value": 1.0}], "declared_value": 0.0},
        {"declared_value": 999.0},
        {"currency": "ZAR"},
        {"dims_cm": [10, 10]},
        {"surprise": 1},
        {"pickup_checks": {"xray_screened": "yes"}},
    ],
    ids=[
        "waybill-no",
        "weight-text",
        "naive-time",
        "unix-time",
        "id-length",
        "country",
        "quantity",
        "value-sum",
        "no-rate",
        "two-dims",
        "unknown-field",
        "xray-text",
    ],
)
def test_a_bad_slot_names_the_fields_a_single_422_names_and_scores_nothing(
    svc: App, changes: dict[str, Any]
) -> None:
    """A bad body fails in its slot (index 1) with the fields the same body alone gets a 422 for."""
    bad = merge(held_export(), changes)
    alone = svc.http.post("/v1/score", json=bad)
    assert alone.status_code == 422
    good = waybill()
    slots = svc.batch([good, bad, waybill()])
    assert set(slots[1]) == {"error"}
    assert locs(slots[1]) == [["body", "waybills", 1, *e["loc"][1:]] for e in alone.json()["detail"]]
    for e in slots[1]["error"]["detail"]:
        assert set(e) == {"loc", "msg", "type"} and e["msg"] and e["type"]
    assert slots[0]["waybill_no"] == good["waybill_no"] and slots[2]["decision"] == "release"
    if "waybill_no" not in changes:
        assert svc.never_scored(bad)


def test_a_bad_slot_names_a_currency_without_a_rate_beside_another_bad_field(svc: App) -> None:
    """Every offending field is named at once: the bad phone and the currency without a rate."""
    bad = merge(waybill(), {"currency": "ZAR", "sender": {"phone": "12"}})
    [slot] = svc.batch([bad])
    assert sorted(locs(slot)) == [
        ["body", "waybills", 0, "currency"],
        ["body", "waybills", 0, "sender", "phone"],
    ]
    single = svc.http.post("/v1/score", json=bad)
    assert single.status_code == 422
    assert sorted(d["loc"] for d in single.json()["detail"]) == [
        ["body", "currency"],
        ["body", "sender", "phone"],
    ]
    ok_currency = svc.http.post("/v1/score", json=merge(waybill(), {"sender": {"phone": "12"}}))
    assert [d["loc"] for d in ok_currency.json()["detail"]] == [["body", "sender", "phone"]]


@pytest.mark.parametrize(
    "body",
    [
        "extra-key",
        "singular-key",
        "waybills-object",
        "waybills-one-waybill",
        "waybills-null",
        "bare-list",
        "empty",
    ],
)
def test_a_body_that_is_not_a_batch_is_a_422_that_scores_and_holds_nothing(svc: App, body: str) -> None:
    """Not a batch at all: 422 (pydantic style), no slot scored, no case opened."""
    where = outlet()
    wbs = [held_export(outlet_id=where), *ring(2, where=where)]
    payload: Any = {
        "extra-key": {"waybills": wbs, "callback": "https://example.com"},
        "singular-key": {"waybill": wbs},
        "waybills-object": {"waybills": {"0": wbs[0]}},
        "waybills-one-waybill": {"waybills": wbs[0]},
        "waybills-null": {"waybills": None},
        "bare-list": wbs,
        "empty": {"waybills": []},
    }[body]
    r = svc.http.post("/v1/score/batch", json=payload)
    assert r.status_code == 422, r.text[:300]
    assert set(r.json()) == {"detail"}
    for e in r.json()["detail"]:
        assert set(e) == {"loc", "msg", "type"} and e["loc"][0] == "body"
    assert all(svc.never_scored(wb) for wb in wbs)
    assert svc.queue(where) == []


def test_a_refused_batch_leaves_no_trace_in_the_senders_history(svc: App) -> None:
    """Five parcels in a 422 batch, then the sender's real six: the sixth is the sixth, not the eleventh."""
    wbs = ring(11)
    r = svc.http.post("/v1/score/batch", json={"waybills": wbs[:5], "priority": "high"})
    assert r.status_code == 422
    for wb in wbs[5:10]:
        svc.score(wb)
    ev = evidence(svc.score(wbs[10]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert not {w["waybill_no"] for w in wbs[:5]} & set(ev["linked_waybills"])


def test_an_oversized_batch_is_a_413_that_scores_nothing(svc: App) -> None:
    """A batch over the body limit (2 MB) is refused whole: none of its waybills is scored."""
    wbs = [held_export(), *ring(3)]
    r = svc.http.post("/v1/score/batch", json={"waybills": [*wbs, {"padding": "x" * 2_100_000}]})
    assert r.status_code == 413
    assert all(svc.never_scored(wb) for wb in wbs)


def test_a_batch_body_that_is_not_json_is_a_422(svc: App) -> None:
    """A truncated JSON body is a 422 in the pydantic style, not a 500."""
    r = svc.http.post(
        "/v1/score/batch",
        content=b'{"waybills": [{"waybill_no": ',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert all(set(e) == {"loc", "msg", "type"} for e in r.json()["detail"])


def test_a_false_id_in_a_batch_is_a_reject_in_its_slot_and_a_short_one_an_error(svc: App) -> None:
    """A check-digit error is a decision (reject, ID_INVALID); an ID of the wrong length fails its slot."""
    number = resident_id(region="310115", birth="19850615", seq=f"{n():03d}")
    false_id = number[:-1] + ("1" if number[-1] != "1" else "2")
    slots = svc.batch(
        [waybill(sender=sender(id_number=false_id)), waybill(sender=sender(id_number=number[:17]))]
    )
    assert slots[0]["decision"] == "reject" and reason_of(slots[0], "ID_INVALID")["outcome"] == "reject"
    assert locs(slots[1]) == [["body", "waybills", 1, "sender", "id_number"]]


def test_a_held_parcel_and_its_still_held_correction_in_one_batch_share_one_case(svc: App) -> None:
    """Held, then corrected and held again later in the same batch: one case, rescored to the later body."""
    where = outlet()
    wb = held_export(outlet_id=where)
    more = merge(wb, {"items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0})
    slots = svc.batch([wb, waybill(outlet_id=where), more])
    assert slots[0]["case_id"] == slots[2]["case_id"] is not None
    assert [c["case_id"] for c in svc.queue(where)] == [slots[0]["case_id"]]
    assert svc.case(slots[0]["case_id"])["decision"]["reasons"] == slots[2]["reasons"]
    assert svc.read_back(wb) == slots[2]


# API keys: the carrier of the key, and who may score -------------------------------------------------------


@pytest.fixture(scope="module")
def keys(twins: tuple[App, App]) -> dict[str, dict[str, str]]:
    """Headers of keys of the batch side: SF and YTO carriers, customs, admin."""
    app = twins[0].app
    return {
        "SF": bearer(make_key(app, "carrier", "SF")),
        "YTO": bearer(make_key(app, "carrier", "YTO")),
        "customs": twins[0].customs,
        "admin": bearer(make_key(app, "admin", "ops")),
    }


def yto(**changes: Any) -> dict[str, Any]:
    """A clean domestic waybill of carrier YTO."""
    own: dict[str, Any] = {"carrier": "YTO", "waybill_no": f"YT{n():010d}", "outlet_id": "YTO-310115-0001"}
    return waybill(**(own | changes))


def test_another_carriers_slots_in_a_keyed_batch_fail_alone_and_count_nothing(
    svc: App, keys: dict[str, dict[str, str]]
) -> None:
    """A YTO key sending SF parcels: those slots are refused at carrier, never scored, never counted."""
    wbs = ring(11)
    own = yto()
    slots = svc.batch([*wbs[:5], own], headers=keys["YTO"])
    for i, slot in enumerate(slots[:5]):
        (problem,) = slot["error"]["detail"]
        assert problem["loc"] == ["body", "waybills", i, "carrier"]
        assert "SF" in problem["msg"] and "YTO" in problem["msg"]
    assert slots[5]["waybill_no"] == own["waybill_no"] and slots[5]["decision"] == "release"
    assert all(svc.never_scored(wb) for wb in wbs[:5])
    for wb in wbs[5:10]:
        svc.score(wb, headers=keys["SF"])
    assert evidence(svc.score(wbs[10], headers=keys["SF"]), "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_refused_hold_of_another_carrier_opens_no_case(svc: App, keys: dict[str, dict[str, str]]) -> None:
    """An over-limit SF parcel sent with a YTO key opens no case: it was not scored."""
    where = outlet()
    wb = held_export(outlet_id=where)
    [slot] = svc.batch([wb], headers=keys["YTO"])
    assert "error" in slot
    assert svc.queue(where) == []


def test_a_single_score_of_another_carriers_waybill_is_a_403_that_counts_nothing(
    svc: App, keys: dict[str, dict[str, str]]
) -> None:
    """POST /v1/score of an SF parcel with a YTO key: 403 naming the carrier, nothing kept."""
    wbs = ring(6)
    r = svc.http.post("/v1/score", json=wbs[0], headers=keys["YTO"])
    assert r.status_code == 403 and "SF" in r.json()["detail"]
    assert svc.never_scored(wbs[0])
    slots = svc.batch(wbs, headers=keys["SF"])
    assert evidence(slots[5], "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_keyed_batch_is_read_back_by_its_carrier_and_customs_but_not_another_carrier(
    svc: App, keys: dict[str, dict[str, str]]
) -> None:
    """GET after a batch: the SF key and customs read the slot's decision; the YTO key gets 403."""
    wbs = [held_export(), waybill(), no_id()]
    slots = svc.batch(wbs, headers=keys["SF"])
    for wb, slot in zip(wbs, slots, strict=True):
        assert svc.read_back(wb, headers=keys["SF"]) == slot
        assert svc.read_back(wb, headers=keys["customs"]) == slot
        r = svc.http.get(f"/v1/decisions/SF/{wb['waybill_no']}", headers=keys["YTO"])
        assert r.status_code == 403


def test_one_waybill_number_under_two_carriers_keys_is_two_parcels(
    svc: App, keys: dict[str, dict[str, str]]
) -> None:
    """YTO's parcel with the number of an SF hold is its own parcel: the SF hold and its case stay."""
    held = held_export()
    [sf] = svc.batch([held], headers=keys["SF"])
    other = yto(waybill_no=held["waybill_no"])
    [mine] = svc.batch([other], headers=keys["YTO"])
    assert (mine["carrier"], mine["decision"], mine["case_id"]) == ("YTO", "release", None)
    assert svc.read_back(held, headers=keys["SF"]) == sf
    assert svc.read_back(other, headers=keys["YTO"]) == mine


@pytest.mark.parametrize(("kind", "status"), [("customs", 403), ("admin", 403), ("unknown", 401)])
def test_only_a_carrier_key_may_score_a_batch(
    svc: App, keys: dict[str, dict[str, str]], kind: str, status: int
) -> None:
    """Customs and admin keys may not score (403), an unknown key is a 401; neither scores or holds."""
    where = outlet()
    wbs = [held_export(outlet_id=where), waybill(outlet_id=where)]
    headers = keys.get(kind, bearer("scr_car_made-up-key"))
    r = svc.http.post("/v1/score/batch", json={"waybills": wbs}, headers=headers)
    assert r.status_code == status
    assert all(svc.never_scored(wb) for wb in wbs)
    assert svc.queue(where) == []


# The shape of a batch answer --------------------------------------------------------------------------------


def test_a_batch_answer_is_decisions_only_with_the_contracts_field_names(svc: App) -> None:
    """{"decisions": [...]} only; each slot a Decision with the contract's field names, or an error."""
    wbs: list[Any] = [held_export(), waybill(), no_id(), unverified(), waybill(weight_kg=0)]
    r = svc.http.post("/v1/score/batch", json={"waybills": wbs})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"decisions"}
    for wb, slot in zip(wbs[:4], body["decisions"][:4], strict=True):
        assert DECISION_FIELDS <= set(slot) <= DECISION_FIELDS | OPTIONAL_FIELDS, sorted(slot)
        assert (slot["waybill_no"], slot["carrier"]) == (wb["waybill_no"], wb["carrier"])
        assert 0.0 <= slot["risk_score"] <= 1.0
        for reason in slot["reasons"]:
            assert set(reason) == {"code", "outcome", "message", "message_en", "evidence"}
    assert set(body["decisions"][4]) == {"error"} and set(body["decisions"][4]["error"]) == {"detail"}


def test_a_batch_of_one_answers_what_scoring_it_alone_answers(twins: tuple[App, App]) -> None:
    """Each outcome as a batch of one, on one side, and alone, on the other: the same answer."""
    for wb in (held_export(), waybill(), no_id(), unverified()):
        assert by_batch(twins[0], [wb]) == one_by_one(twins[1], [wb])


@pytest.mark.parametrize("accepted_at", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_a_slot_with_a_pickup_time_at_the_edge_of_the_calendar_fails_alone(
    svc: App, accepted_at: str
) -> None:
    """An extreme but well-formed pickup time fails in its slot, named; the others are scored."""
    wbs: list[Any] = [waybill(), waybill(accepted_at=accepted_at), held_export()]
    r = svc.http.post("/v1/score/batch", json={"waybills": wbs})
    assert r.status_code == 200, r.status_code
    slots = r.json()["decisions"]
    assert slots[0]["decision"] == "release" and slots[2]["decision"] == "hold"
    assert locs(slots[1]) == [["body", "waybills", 1, "accepted_at"]]
    assert svc.read_back(wbs[0]) == slots[0]
    single = svc.http.post("/v1/score", json=waybill(accepted_at=accepted_at))
    assert single.status_code == 422
    assert [d["loc"] for d in single.json()["detail"]] == [["body", "accepted_at"]]


# Counted once in the postal bureau's figures ----------------------------------------------------------------


def test_parcels_re_sent_and_corrected_across_both_paths_count_once_in_the_compliance_metrics(
    svc: App,
) -> None:
    """Scored alone, re-sent and corrected in batches: each parcel counts once, in its latest state."""
    where = outlet()
    missing = no_id(outlet_id=where)  # rejected: no ID
    fixed = merge(missing, {"sender": sender()})  # the courier adds the ID
    plain = waybill(outlet_id=where, sender=sender())
    unchecked = waybill(
        outlet_id=where, sender=sender(), pickup_checks={"opened_inspection": False, "xray_screened": True}
    )
    svc.score(missing)
    svc.batch([plain, missing, unchecked])
    svc.batch([fixed, plain])
    svc.score(unchecked)
    engine = svc.app.state.engine
    engine.log.compact()
    try:
        assert svc.http.post("/v1/auth/login", json={"username": "dev", "password": "dev"}).status_code == 200
        r = svc.http.get("/v1/audit/metrics", params={"week": "2026-W46", "by": "outlet", "outlet_id": where})
    finally:
        svc.http.cookies.clear()
    assert r.status_code == 200, r.text
    total = r.json()["total"]
    assert (total["parcels"], total["realname_ok"], total["inspected"]) == (3, 3, 2)
    assert (total["release"], total["inspect"], total["reject"]) == (2, 1, 0)
