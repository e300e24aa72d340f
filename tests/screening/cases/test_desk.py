"""Holds become cases, officers act on them, outcomes flow back to history and labels (SQLite, PostgreSQL)."""

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest
import sqlalchemy as sa

from screening.cases.desk import CaseDesk
from screening.cases.schemas import AttachmentRequest, CaseQuery
from screening.cases.tables import AuditEntry, Case, Label
from screening.contract import Inspection
from screening.db import Database
from screening.engine import Engine
from screening.errors import CaseAlreadyDecided, CaseNotFound
from tests.factories import BASE_TIME, cn_receiver, hk_receiver, item, party, resident_id, waybill
from tests.screening.cases.conftest import ant_ring, held, score

pytestmark = pytest.mark.anyio


def rows(db: Database, model: Any, *where: Any) -> list[Any]:
    """Rows of a table read in a fresh transaction."""
    return db.read_sync(lambda s: list(s.scalars(sa.select(model).where(*where))))


def actions(db: Database, case_id: str) -> list[str]:
    """The audit trail's actions on one case, in order."""
    return [
        e.action for e in sorted(rows(db, AuditEntry, AuditEntry.case_id == case_id), key=lambda e: e.seq)
    ]


def codes(decision: Any) -> set[str]:
    """Reason codes of a decision."""
    return {r.code for r in decision.reasons}


async def test_a_hold_opens_its_case_with_identity_numbers_masked_keyed_and_encrypted(
    engine: Engine, desk: CaseDesk, database_url: str
) -> None:
    number = resident_id(region="310115", birth="19800512", seq="123")
    wb = held(sender=party(id_number=number))
    decision = await score(engine, wb)
    assert decision.decision == "hold"
    assert decision.case_id == f"CASE-SF-{wb['waybill_no']}"
    # Read back through a new connection: the case was committed before the answer.
    fresh = Database.connect(database_url)
    try:
        [case] = rows(fresh, Case, Case.case_id == decision.case_id)
    finally:
        fresh.dispose()
    assert case.status == "open" and case.lane == "export" and case.outlet_id == wb["outlet_id"]
    assert case.sla_due_at - case.opened_at == timedelta(hours=24)
    assert case.sender_id_masked == number[:6] + "*" * 8 + number[-4:]
    assert case.waybill["sender"]["id_number"] == case.sender_id_masked
    assert engine.privacy.decrypt(case.sender_id_cipher) == number
    assert case.sender_id_key == engine.privacy.key("sid", f"resident_id:{number}")
    assert [r["code"] for r in case.decision["reasons"]] == ["OVER_PERSONAL_LIMIT"]
    stored = " ".join(
        str(getattr(case, c.key)) for c in Case.__table__.columns if c.key != "sender_id_cipher"
    )
    assert number not in stored


async def test_resending_a_waybill_keeps_one_case_and_a_changed_rescore_updates_it(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    wb = held()
    first = await score(engine, wb)
    again = await score(engine, wb)
    assert again.case_id == first.case_id
    assert actions(db, first.case_id or "") == ["opened"]
    changed = {**wb, "items": [item(description="羊毛大衣 wool coat", quantity=2, unit_value=900.0)]}
    changed["declared_value"] = 1800.0
    rescored = await score(engine, changed)
    assert rescored.case_id == first.case_id
    [case] = rows(db, Case)
    assert case.decision["reasons"][0]["evidence"]["value_cny"] == 1800.0
    assert actions(db, case.case_id) == ["opened", "rescored"]


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
async def test_a_corrected_body_no_longer_held_goes_on_the_cases_record_and_a_new_hold_rescores_it(
    engine: Engine, desk: CaseDesk, db: Database, batched: bool
) -> None:
    async def decide(wb: dict[str, Any]) -> Any:
        if not batched:
            return await score(engine, wb)
        [d] = await engine.decide_batch([wb])
        return d

    wb = held()
    first = await decide(wb)
    # The courier corrects the quantity: one coat of 500 CNY, under the limit.
    corrected = {**wb, "items": [item(description="羊毛大衣 wool coat", quantity=1, unit_value=500.0)]}
    corrected["declared_value"] = 500.0
    corrected["accepted_at"] = (BASE_TIME + timedelta(minutes=5)).isoformat()
    released = await decide(corrected)
    assert released.decision != "hold" and released.case_id is None
    [case] = rows(db, Case)
    assert (case.case_id, case.status) == (first.case_id, "open")  # the officer decides what becomes of it
    [entry] = rows(db, AuditEntry, AuditEntry.action == "rescored_not_held")
    assert (entry.case_id, entry.actor) == (first.case_id, "system")
    assert entry.after == {"decision": released.decision, "reason_codes": [r.code for r in released.reasons]}
    assert await decide(corrected) == released  # the same body again changes nothing
    again = await decide({**wb, "accepted_at": (BASE_TIME + timedelta(minutes=10)).isoformat()})
    assert again.case_id == first.case_id
    assert actions(db, case.case_id) == ["opened", "rescored_not_held", "rescored"]


async def test_a_correction_to_another_sender_no_longer_held_names_what_moved_on_the_trail(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    wb = held()
    await score(engine, wb)
    other = party(id_number=resident_id(region="110105", birth="19800101", seq="777"), phone="13900007777")
    corrected = {
        **wb,
        "sender": other,
        "items": [item(quantity=1, unit_value=100.0)],
        "declared_value": 100.0,
    }
    assert (await score(engine, corrected)).decision != "hold"
    [entry] = rows(db, AuditEntry, AuditEntry.action == "rescored_not_held")
    assert entry.after["entities_moved"] == ["sender_id", "sender_phone"]


async def test_seizing_a_case_counts_a_violation_that_the_senders_next_parcel_carries(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    sender = party(id_number=resident_id(region="350203", birth="19820202", seq="555"))
    decision = await score(engine, held(sender=sender))
    case_id = decision.case_id or ""
    assigned = await desk.act(case_id=case_id, action="assign", actor="wang")
    assert (assigned.status, assigned.assignee) == ("in_review", "wang")
    seized = await desk.act(case_id=case_id, action="seize", actor="wang", violation_type="undeclared goods")
    assert seized.status == "seized" and seized.closed_at is not None
    [label] = rows(db, Label)
    assert (label.label, label.source, label.violation_type) == (1, "case:seized", "undeclared goods")
    assert label.applied_at is not None and len(label.entity_keys) >= 3
    later = await score(engine, waybill(sender=sender, hours_after=3))
    assert "PRIOR_VIOLATIONS" in codes(later)
    with pytest.raises(CaseAlreadyDecided):
        await desk.act(case_id=case_id, action="release", actor="li")
    assert actions(db, case_id) == ["opened", "assign", "seize"]


async def test_a_release_is_a_negative_label_and_counts_no_violation(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    sender = party(id_number=resident_id(region="350203", birth="19820202", seq="777"))
    decision = await score(engine, held(sender=sender))
    await desk.act(case_id=decision.case_id or "", action="release", actor="wang", note="gift, own use")
    [label] = rows(db, Label)
    assert (label.label, label.source, label.entity_keys) == (0, "case:released", [])
    assert "PRIOR_VIOLATIONS" not in codes(await score(engine, waybill(sender=sender, hours_after=3)))
    detail = await desk.get(decision.case_id or "")
    assert [n.text for n in detail.notes] == ["gift, own use"]


async def test_an_ant_moving_ring_is_one_cluster_and_a_bulk_seize_closes_its_open_cases(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    ring = ant_ring(8, id_number=resident_id(region="440106", birth="19900101", seq="321"))
    decisions = [await score(engine, wb) for wb in ring]
    held_ids = [d.case_id for d in decisions if d.case_id]
    assert len(held_ids) == 3 and [d.decision for d in decisions[5:]] == ["hold"] * 3
    cases = {c.case_id: c for c in rows(db, Case)}
    clusters = {c.cluster_id for c in cases.values()}
    assert len(clusters) == 1 and None not in clusters
    cluster_id = clusters.pop() or ""
    last = await desk.get(held_ids[-1] or "")
    linked = {p.waybill_no: p.case_id for p in last.linked}
    assert set(linked) == {wb["waybill_no"] for wb in ring[:-1]}
    assert linked[ring[5]["waybill_no"]] == held_ids[0]
    await desk.act(case_id=held_ids[0] or "", action="release", actor="wang")
    result = await desk.bulk(cluster_id=cluster_id, action="seize", actor="wang", violation_type="ant moving")
    assert result.acted == sorted(held_ids[1:]) and result.skipped == [held_ids[0]]
    statuses = {c.case_id: c.status for c in rows(db, Case)}
    assert statuses == {held_ids[0]: "released", held_ids[1]: "seized", held_ids[2]: "seized"}
    assert sorted(lb.label for lb in rows(db, Label)) == [0, 1, 1]
    with pytest.raises(CaseNotFound):
        await desk.bulk(cluster_id="RING-SF-NOSUCHRING1", action="seize", actor="wang")


async def test_the_queue_filters_sorts_pages_and_counts_per_status(
    engine: Engine, db: Database, make_desk: Callable[..., CaseDesk]
) -> None:
    desk = make_desk(db)
    postal = await score(engine, held())
    ems = await score(engine, held(carrier="EMS", outlet_id="EMS-110000-7"))
    cbec = await score(
        engine,
        waybill(
            service="import",
            channel="cbec",
            sender=hk_receiver(),
            receiver=cn_receiver(),
            items=[item(description="奶粉 milk powder", category="food", quantity=1, unit_value=6000.0)],
        ),
    )
    ids = [postal.case_id, ems.case_id, cbec.case_id]
    await desk.act(case_id=ems.case_id or "", action="assign", actor="wang")
    await desk.act(case_id=postal.case_id or "", action="release", actor="li")

    async def ids_of(**query: Any) -> list[str]:
        return [c.case_id for c in (await desk.queue(CaseQuery(**query))).items]

    # Two hold reasons outrank one; equal priority: the older case first.
    assert await ids_of(sort="priority") == [ids[2], ids[0], ids[1]]
    assert await ids_of(sort="age") == ids
    assert await ids_of(lane="import") == [ids[2]]
    assert await ids_of(reason="BUYER_ID_MISSING") == [ids[2]]
    assert await ids_of(carrier="EMS") == [ids[1]]
    assert await ids_of(outlet="EMS-110000-7") == [ids[1]]
    assert await ids_of(assignee="wang") == [ids[1]]
    assert await ids_of(status=["open", "in_review"], sort="age") == ids[1:]
    assert await ids_of(opened_to=BASE_TIME) == []
    assert await ids_of(opened_from=BASE_TIME, sort="age") == ids
    page = await desk.queue(CaseQuery(sort="age", per_page=1, page=2))
    assert [c.case_id for c in page.items] == [ids[1]] and page.total == 3
    filtered = await desk.queue(CaseQuery(status=["open"], carrier="SF"))
    assert filtered.total == 1 and filtered.counts["released"] == 1 and filtered.counts["open"] == 1
    assert await ids_of(overdue=True) == []
    # A day and a bit later, the two open cases are past their SLA; the released one is not.
    later = make_desk(db, clock=lambda: postal.scored_at + timedelta(hours=25))
    overdue = await later.queue(CaseQuery(overdue=True, sort="age"))
    assert [c.case_id for c in overdue.items] == ids[1:] and all(c.overdue for c in overdue.items)
    assert overdue.items[0].priority >= 25 + 25


async def test_a_case_shows_other_cases_of_its_entities_notes_attachments_and_its_history(
    engine: Engine, desk: CaseDesk
) -> None:
    sender = party(id_number=resident_id(region="110105", birth="19700101", seq="888"))
    first = await score(engine, held(sender=sender))
    second = await score(
        engine, held(sender=sender, receiver=hk_receiver(phone="+85298765432"), hours_after=2)
    )
    await desk.note(case_id=second.case_id or "", author="wang", text="sender known to the bureau")
    sha = "ab" * 32
    await desk.attach(
        case_id=second.case_id or "",
        actor="wang",
        attachment=AttachmentRequest(
            kind="xray", reference="xray://outlet-42/2026/11/11/0001.png", sha256=sha
        ),
    )
    detail = await desk.get(second.case_id or "")
    assert [(p.case_id, "sender_id" in p.shared) for p in detail.prior_cases] == [(first.case_id, True)]
    assert "receiver_phone" not in detail.prior_cases[0].shared
    assert [n.text for n in detail.notes] == ["sender known to the bureau"]
    assert [(a.kind, a.sha256, a.added_by) for a in detail.attachments] == [("xray", sha, "wang")]
    assert [h.action for h in detail.history] == ["opened", "note", "attachment"]
    with pytest.raises(CaseNotFound):
        await desk.get("CASE-SF-SF0000000000")


async def test_unmasking_an_id_is_written_to_the_audit_trail(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    number = resident_id(region="440301", birth="19881111", seq="246")
    decision = await score(engine, held(sender=party(id_number=number)))
    plain = await desk.unmask(case_id=decision.case_id or "", actor="chief")
    assert (plain.sender_id_number, plain.receiver_id_number) == (number, None)
    [entry] = [e for e in rows(db, AuditEntry) if e.action == "unmask_id"]
    assert (entry.actor, entry.after) == ("chief", {"fields": ["sender_id_number"]})


async def test_inspection_results_become_labels_and_a_violation_flags_the_parcels_entities(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    sender = party(id_number=resident_id(region="120101", birth="19750505", seq="135"))
    released = await score(engine, waybill(sender=sender))
    assert released.decision == "release"
    report = Inspection.model_validate(
        {
            "carrier": "SF",
            "waybill_no": released.waybill_no,
            "result": "violation",
            "violation_type": "counterfeit",
            "inspected_at": (BASE_TIME + timedelta(hours=1)).isoformat(),
        }
    )
    outcome = await desk.inspection(inspection=report, actor="wang")
    assert outcome.label == 1 and outcome.case_id is None and outcome.entities >= 3
    again = await desk.inspection(inspection=report, actor="wang")
    assert again.label == 1
    assert "PRIOR_VIOLATIONS" in codes(await score(engine, waybill(sender=sender, hours_after=2)))
    case = await score(engine, held())
    clear = report.model_copy(
        update={
            "waybill_no": case.waybill_no,
            "result": "clear",
            "violation_type": None,
            "note": "nothing found",
        }
    )
    outcome = await desk.inspection(inspection=clear, actor="wang")
    assert (outcome.label, outcome.case_id) == (0, case.case_id)
    assert [(lb.waybill_no, lb.label) for lb in sorted(rows(db, Label), key=lambda lb: lb.id)] == [
        (released.waybill_no, 1),
        (case.waybill_no, 0),
    ]
    assert [n.text for n in (await desk.get(case.case_id or "")).notes] == ["[inspection] nothing found"]


async def test_concurrent_holds_each_get_a_case_and_one_unbroken_audit_chain(
    engine: Engine, desk: CaseDesk, db: Database
) -> None:
    waybills = [held(sender=party(id_number=resident_id(seq=f"{600 + i}"))) for i in range(12)]
    async with anyio.create_task_group() as tg:
        for wb in waybills:
            tg.start_soon(score, engine, wb)
    assert sorted(c.waybill_no for c in rows(db, Case)) == sorted(wb["waybill_no"] for wb in waybills)
    verdict = await desk.verify_audit()
    assert verdict.ok and verdict.entries == 12


async def test_a_replay_still_running_is_not_run_again_beside_itself(
    db: Database, make_desk: Callable[..., CaseDesk], caplog: pytest.LogCaptureFixture
) -> None:
    # A replay given up on after its timeout goes on in its thread; the next round used to run beside it,
    # migrating at the same time (Alembic's context is global to the process).
    started, release, calls = anyio.Event(), threading.Event(), []

    def slow_migrate() -> None:
        calls.append(threading.get_ident())
        anyio.from_thread.run_sync(started.set)
        assert release.wait(timeout=10)

    desk = make_desk(db, migrate=slow_migrate)
    async with anyio.create_task_group() as group:
        group.start_soon(desk.replay_outbox)
        await started.wait()
        assert await desk.replay_outbox() == 0  # turned away at once: the first one still runs
        assert "an earlier replay of the outbox has not finished" in caplog.text
        release.set()
    assert len(calls) == 1
    assert await desk.replay_outbox() == 0  # migrated once; the next replay runs
    assert len(calls) == 1
