"""Officers', auditors' and investigators' flows in Chromium beyond test_browser.py's five."""

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import openpyxl
import orjson
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.orm import Session

from api.security import CSRF_HEADER, SESSION_COOKIE
from screening.cases.tables import Case
from screening.db import Database
from screening.decisionlog import LogLayout, compact
from screening.people.roles import parse_roles
from screening.people.schemas import NewUser
from screening.people.service import create_user
from screening.people.tables import LoginSession, User
from tests.factories import BEIJING, export_postal, hk_receiver, item, party, resident_id, waybill
from tests.pages.conftest import PASSWORD, Service, log_in
from tests.screening.cases.conftest import held
from tests.screening.compliance.logrows import row

pytestmark = pytest.mark.browser

T = TypeVar("T")
# People this file adds to the service beside conftest's wang, zhao, li and root.
MORE_PEOPLE = {"sun": ("supervisor",), "qian": ("officer",), "zhou": ("officer",)}
_people = itertools.count(1)
_parcels = itertools.count(1)


# Helpers ------------------------------------------------------------------------------------------------


def in_database(service: Service, work: Callable[[Session], T]) -> T:
    """One write transaction on the service's own SQLite file (the service runs without a database URL)."""
    db = Database.connect(f"sqlite:///{(service.data_dir / 'screening.db').resolve()}", timeout_s=5.0)
    try:
        return db.write_sync(work)
    finally:
        db.dispose()


def person(**changes: Any) -> dict[str, Any]:
    """A sender of this file's own (ID, phone and address), so no other test's parcels share its history."""
    n = next(_people)
    number = resident_id(region="320102", birth="19880808", seq=f"{600 + n:03d}")
    address = {"detail": f"张江路{n}号{n}号楼"}
    return party(**({"id_number": number, "phone": f"1350135{n:04d}", "address": address} | changes))


def receiver() -> dict[str, Any]:
    """A receiver in Hong Kong of this file's own."""
    n = next(_people)
    return hk_receiver(
        name=f"RECEIVER {n}", phone=f"+8526{n:07d}", address={"detail": f"Flat 1, 9/F, {n} Queen's Road"}
    )


def number_of(sender: dict[str, Any]) -> str:
    """The sender's plain ID number."""
    value: str = sender["id_number"]
    return value


def masked(number: str) -> str:
    """The display form the law asks for: 110105********002X."""
    return number[:6] + "********" + number[-4:]


def own_hold(
    service: Service, *, carrier: str = "SF", sender: dict[str, Any] | None = None, **changes: Any
) -> dict[str, Any]:
    """Score a held parcel (OVER_PERSONAL_LIMIT) of a sender of its own; the decision."""
    n = next(_parcels)
    who = sender or person()
    number = f"{carrier}{880000000 + n}"
    body = held(sender=who, receiver=receiver(), carrier=carrier, waybill_no=number, **changes)
    decision = service.score(body)
    assert decision["decision"] == "hold" and decision["case_id"], decision
    return decision


def ring(service: Service, sender: dict[str, Any], *, parcels: int = 8) -> list[str]:
    """One sender's parcels to four receivers of their own in Hong Kong, each under 800 CNY: from the sixth
    on, ANT_MOVING_SENDER holds them. The case ids of the holds."""
    tag = next(_people)
    receivers = [
        hk_receiver(
            name=f"RING {tag} {i}",
            phone=f"+8529{tag:03d}{i:04d}",
            address={"detail": f"Flat 1, 3/F, {tag * 10 + i} Ring Road"},
        )
        for i in range(4)
    ]
    cases = []
    for i in range(parcels):
        decision = service.score(
            export_postal(
                hours_after=i * 0.5,
                sender=sender,
                receiver=receivers[i % 4],
                items=[
                    item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=700.0)
                ],
                weight_kg=0.4,
            )
        )
        if decision["case_id"]:
            cases.append(decision["case_id"])
    assert len(cases) == parcels - 5, cases
    return cases


def api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """A JSON call in the browser's own session (its cookie and the page's CSRF token); the answer."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    answer = page.request.fetch(path, method=method, data=body, headers={CSRF_HEADER: token})
    return answer.status, (answer.json() if answer.status < 300 else answer.text())


def case_json(page: Page, case_id: str) -> dict[str, Any]:
    """GET /v1/cases/{id} in the browser's session."""
    status, body = api(page, "GET", f"/v1/cases/{case_id}")
    assert status == 200, body
    found: dict[str, Any] = body
    return found


def trail_actions(case: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, actor) of every audit-trail entry of a case, oldest first."""
    return [(h["action"], h["actor"]) for h in case["history"]]


def tab_to(page: Page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the keyboard focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    pytest.fail(f"{selector} never got the focus by Tab")


# Fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def people(service: Service) -> None:
    """A supervisor and two more officers in the service's user table."""
    now = datetime.now(UTC)

    def add(session: Session) -> None:
        for username, roles in MORE_PEOPLE.items():
            if session.scalar(sa.select(User.id).where(User.username == username)) is None:
                new = NewUser(username=username, password=PASSWORD, roles=parse_roles(roles))
                create_user(session, new=new, now=now)

    in_database(service, add)


@pytest.fixture(scope="module")
def sessions(service: Service, people: None) -> dict[str, str]:
    """One login per person for the whole module, through the login API (a login hashes a password, and the
    login form has its own tests below): their session cookies."""
    cookies: dict[str, str] = {}
    for username in ("wang", "zhao", "li", "sun"):
        answer = httpx.post(
            f"{service.url}/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        cookies[username] = answer.cookies[SESSION_COOKIE]
    return cookies


def _context(browser: Browser, service: Service) -> BrowserContext:
    context = browser.new_context(
        base_url=service.url, locale="zh-CN", viewport={"width": 1400, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def as_user(browser: Browser, service: Service, sessions: dict[str, str]) -> Iterator[Callable[[str], Page]]:
    """as_user(name): a new browser context already logged in as that person, and a page in it."""
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = _context(browser, service)
        value = sessions[username]
        context.add_cookies(
            [
                {
                    "name": SESSION_COOKIE,
                    "value": value,
                    "url": service.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def fresh(browser: Browser, service: Service, people: None) -> Iterator[Page]:
    """A page in a context with no cookies (for flows that log in, out, or lose their session)."""
    context = _context(browser, service)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def week_42(service: Service) -> list[str]:
    """55 EMS parcels of 2026-W42 in the decision log, 53 of them not X-rayed: more than a drill-down page."""
    rows = [
        row(
            at=f"2026-10-{13 + i % 3}T10:00",
            carrier="EMS",
            waybill_no=f"EMS42{i:05d}",
            outlet_id="EMS-P",
            courier_id="E-1",
            decision="inspect" if i < 53 else "release",
            xray_screened=i >= 53,
        )
        for i in range(55)
    ]
    layout = LogLayout(service.data_dir / "decisionlog")
    layout.journal.mkdir(parents=True, exist_ok=True)
    (layout.journal / "0-0-004242.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    compact(layout)
    return [r["waybill_no"] for r in rows[:53]]


# The officers' queue ------------------------------------------------------------------------------------


def test_an_officer_filters_the_queue_by_carrier_and_pages_through_it(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    bodies = [
        held(
            sender=person(),
            receiver=receiver(),
            carrier="ZTO",
            waybill_no=f"ZTO77{i:06d}",
            outlet_id="ZTO-310-7",
        )
        for i in range(51)
    ]
    answer = httpx.post(f"{service.url}/v1/score/batch", json={"waybills": bodies}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert all(d["decision"] == "hold" for d in answer.json()["decisions"])

    page = as_user("wang")
    page.goto("/cases")
    page.fill("input[name=carrier]", "zto")
    page.click("form.filters button[type=submit]")
    expect(page.locator('[data-status="open"]')).to_have_text("51")
    expect(page.locator('[data-status="released"]')).to_have_text("0")
    expect(page.get_by_test_id("queue").locator("tbody tr")).to_have_count(50)
    expect(page.locator("p.pager")).to_contain_text("合计 51")
    assert set(page.get_by_test_id("queue").locator("tbody td:nth-child(6)").all_inner_texts()) == {"ZTO"}

    page.get_by_role("link", name="下一页").click()
    expect(page.get_by_test_id("queue").locator("tbody tr")).to_have_count(1)
    expect(page.locator("p.pager")).to_contain_text("页 2")
    expect(page.get_by_role("link", name="上一页")).to_be_visible()
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    shown = set(
        page.get_by_test_id("queue").locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.case)")
    )
    page.get_by_role("link", name="上一页").click()
    expect(page.get_by_test_id("queue").locator("tbody tr")).to_have_count(50)
    shown |= set(
        page.get_by_test_id("queue").locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.case)")
    )
    assert shown == {d["case_id"] for d in answer.json()["decisions"]}

    status, listed = api(page, "GET", "/v1/cases?carrier=ZTO&status=open")
    assert status == 200 and listed["total"] == 51

    page.fill("input[name=carrier]", "Z T O")
    page.click("form.filters button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("筛选条件无效: 寄递企业")
    expect(page.get_by_test_id("queue")).to_have_count(0)


def test_the_queue_sorts_by_priority_age_and_newest(service: Service, as_user: Callable[[str], Page]) -> None:
    first = own_hold(service, carrier="YD", outlet_id="YD-SORT-1")
    second = own_hold(service, carrier="YD", outlet_id="YD-SORT-1")
    # A cbec import over 5,000 CNY without the buyer's ID: two hold reasons, so it ranks first by priority.
    buyer = person(id_type=None, id_number=None, id_verified=False, verification_method=None)
    third = service.score(
        waybill(
            carrier="YD",
            waybill_no=f"YD{880000000 + next(_parcels)}",
            outlet_id="YD-SORT-1",
            service="import",
            channel="cbec",
            sender=receiver(),
            receiver=buyer,
            items=[item(description="手表 watch", category="general", quantity=1, unit_value=6000.0)],
        )
    )
    assert {r["code"] for r in third["reasons"]} >= {"BUYER_ID_MISSING", "CBEC_SINGLE_LIMIT"}
    ids = [first["case_id"], second["case_id"], third["case_id"]]

    page = as_user("wang")
    page.goto("/cases?outlet=YD-SORT-1")
    rows = page.get_by_test_id("queue").locator("tbody tr")

    def order() -> list[str]:
        found: list[str] = rows.evaluate_all("rs => rs.map(r => r.dataset.case)")
        return found

    expect(rows).to_have_count(3)
    assert order()[0] == third["case_id"]
    priorities = [float(t) for t in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert priorities == sorted(priorities, reverse=True)
    _, by_api = api(page, "GET", "/v1/cases?outlet=YD-SORT-1&sort=priority")
    assert order() == [c["case_id"] for c in by_api["items"]]

    page.select_option("select[name=sort]", "age")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/cases?*sort=age*")
    assert order() == ids

    page.select_option("select[name=sort]", "newest")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/cases?*sort=newest*")
    assert order() == ids[::-1]

    # Opened today (Beijing): the day filter keeps them; the day before shows none.
    today = datetime.now(BEIJING).date()
    page.fill("input[name=day]", today.isoformat())
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**/cases?*day={today.isoformat()}*")
    expect(rows).to_have_count(3)
    page.fill("input[name=day]", (today - timedelta(days=1)).isoformat())
    page.click("form.filters button[type=submit]")
    expect(page.locator("p.empty")).to_have_text("没有符合条件的案件")


def test_an_overdue_case_is_highlighted_until_it_is_decided(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    late = own_hold(service, carrier="STO", outlet_id="STO-SLA-1")["case_id"]
    fresh_case = own_hold(service, carrier="STO", outlet_id="STO-SLA-1")["case_id"]
    # The late case has waited past its SLA: its due time is moved into the past.
    past = datetime.now(UTC) - timedelta(hours=2)
    in_database(
        service, lambda s: s.execute(sa.update(Case).where(Case.case_id == late).values(sla_due_at=past))
    )

    page = as_user("wang")
    page.goto("/cases?carrier=STO")
    late_row = page.locator(f'tr[data-case="{late}"]')
    expect(late_row).to_have_class("overdue")
    expect(late_row.locator("strong.late")).to_have_text("已超时")
    expect(page.locator(f'tr[data-case="{fresh_case}"]')).not_to_have_class("overdue")
    expect(page.locator(f'tr[data-case="{fresh_case}"] strong.late')).to_have_count(0)

    late_row.locator("a").first.click()
    page.wait_for_url(f"**/cases/{late}")
    expect(page.locator(".case-head strong.late")).to_have_text("已超时")
    page.click("button.act-release >> nth=0")
    expect(page.get_by_test_id("case-status")).to_have_text("已放行")
    expect(page.locator(".case-head strong.late")).to_have_count(0)
    assert case_json(page, late)["overdue"] is False

    page.goto("/cases?carrier=STO")
    expect(page.locator(f'tr[data-case="{late}"]')).not_to_have_class("overdue")
    expect(page.locator('[data-status="released"]')).to_have_text("1")
    expect(page.locator('[data-status="open"]')).to_have_text("1")


# One case -----------------------------------------------------------------------------------------------


def test_an_officer_works_a_case_to_release_and_the_trail_records_each_step(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    sender = person()
    number = number_of(sender)
    decision = own_hold(service, sender=sender)
    case_id = decision["case_id"]
    page = as_user("wang")
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_test_id("waybill").locator("td.masked").first).to_have_text(masked(number))
    assert number not in page.content()
    reasons = page.get_by_test_id("reasons")
    expect(reasons).to_contain_text("OVER_PERSONAL_LIMIT")
    expect(reasons).to_contain_text(decision["reasons"][0]["message"])
    expect(page.get_by_test_id("case-status")).to_have_text("待处理")

    page.click("button.act-assign >> nth=0")
    expect(page.get_by_test_id("case-status")).to_have_text("审查中")
    expect(page.locator(".case-head")).to_contain_text("承办人 wang")

    page.fill("textarea[name=text]", "已电话联系寄件人，称为自用")
    page.click("form.note-form button[type=submit]")
    expect(page.locator("p.note")).to_contain_text("已电话联系寄件人，称为自用")

    page.fill("input[name=note] >> nth=0", "请补充购买凭证")
    page.click("button.act-request_info >> nth=0")
    expect(page.get_by_test_id("case-status")).to_have_text("待补充信息")

    page.click("button.act-release >> nth=0")
    expect(page.get_by_test_id("case-status")).to_have_text("已放行")
    expect(page.get_by_test_id("actions")).to_contain_text("案件已结案，不能再处置。")
    expect(page.locator("button.act-seize")).to_have_count(0)
    trail = page.get_by_test_id("audit-trail")
    for action in ("opened", "assign", "note", "request_info", "release"):
        expect(trail.locator(f'tr[data-action="{action}"]')).to_have_count(1)
    expect(trail.locator('tr[data-action="release"]')).to_contain_text("待补充信息 → 已放行")

    case = case_json(page, case_id)
    assert case["status"] == "released" and case["assignee"] == "wang" and case["closed_at"]
    assert trail_actions(case) == [
        ("opened", "system"),
        ("assign", "wang"),
        ("note", "wang"),
        ("request_info", "wang"),
        ("release", "wang"),
    ]
    assert {n["text"] for n in case["notes"]} >= {"已电话联系寄件人，称为自用", "请补充购买凭证"}


def test_an_officer_on_a_stale_page_is_told_the_case_is_closed_and_nothing_changes(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    sender = person()
    case_id = own_hold(service, sender=sender)["case_id"]
    page = as_user("wang")
    stale = page.context.new_page()
    stale.goto(f"/cases/{case_id}")
    page.goto(f"/cases/{case_id}")
    page.click("button.act-release >> nth=0")
    expect(page.get_by_test_id("case-status")).to_have_text("已放行")

    stale.fill("input[name=violation_type] >> nth=0", "走私 smuggling")
    stale.click("button.act-seize >> nth=0")
    expect(stale.get_by_role("alert")).to_have_text("案件已结案，不能再处置。")
    expect(stale.get_by_test_id("case-status")).to_have_text("已放行")

    case = case_json(page, case_id)
    assert case["status"] == "released" and case["violation_type"] is None
    assert "seize" not in {a for a, _ in trail_actions(case)}
    later = service.score(waybill(sender=sender, hours_after=30))
    assert "PRIOR_VIOLATIONS" not in {r["code"] for r in later["reasons"]}


def test_a_note_of_spaces_only_is_refused_without_losing_the_case_panel(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    case_id = own_hold(service)["case_id"]
    page = as_user("wang")
    page.goto(f"/cases/{case_id}")
    page.fill("textarea[name=text]", "   ")
    with page.expect_response(f"**/cases/{case_id}/notes") as answer:
        page.click("form.note-form button[type=submit]")
    assert answer.value.status == 422
    assert case_json(page, case_id)["notes"] == []
    expect(page.locator("main")).not_to_contain_text('{"detail"', timeout=1_000)
    expect(page.get_by_test_id("case-status")).to_have_text("待处理", timeout=1_000)


def test_an_attachment_added_to_a_case_shows_on_its_page_and_in_its_trail(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    case_id = own_hold(service)["case_id"]
    page = as_user("wang")
    page.goto(f"/cases/{case_id}")
    status, added = api(
        page,
        "POST",
        f"/v1/cases/{case_id}/attachments",
        {"kind": "xray", "reference": "xray://outlet-42/scan-0007.png", "sha256": "ab" * 32},
    )
    assert status == 200, added
    page.reload()
    expect(page.locator("section.notes")).to_contain_text("xray · xray://outlet-42/scan-0007.png · wang")
    expect(page.get_by_test_id("audit-trail").locator('tr[data-action="attachment"]')).to_contain_text("附件")
    assert case_json(page, case_id)["attachments"][0]["reference"] == "xray://outlet-42/scan-0007.png"


def test_a_supervisor_unmasks_an_id_once_audited_and_an_officer_is_refused(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    sender = person()
    number = number_of(sender)
    case_id = own_hold(service, sender=sender)["case_id"]

    officer = as_user("wang")
    officer.goto(f"/cases/{case_id}")
    status, _ = api(officer, "POST", f"/v1/cases/{case_id}/unmask")
    assert status == 403

    supervisor = as_user("sun")
    supervisor.goto(f"/cases/{case_id}")
    expect(supervisor.get_by_test_id("waybill")).to_contain_text(masked(number))
    status, plain = api(supervisor, "POST", f"/v1/cases/{case_id}/unmask")
    assert status == 200 and plain["sender_id_number"] == number
    supervisor.reload()
    assert number not in supervisor.content()
    entry = supervisor.get_by_test_id("audit-trail").locator('tr[data-action="unmask_id"]')
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("sun")
    expect(entry).to_contain_text("查看完整证件号")
    assert [a for a in trail_actions(case_json(supervisor, case_id)) if a[0] == "unmask_id"] == [
        ("unmask_id", "sun")
    ]


# Rings --------------------------------------------------------------------------------------------------


def test_an_officer_seizes_a_whole_ring_from_the_queue_and_closed_cases_are_skipped(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    sender = person()
    cases = ring(service, sender)
    page = as_user("wang")
    page.goto(f"/cases/{cases[0]}")
    page.click("button.act-release >> nth=0")
    expect(page.get_by_test_id("case-status")).to_have_text("已放行")
    cluster = case_json(page, cases[0])["cluster_id"]
    assert cluster and all(case_json(page, c)["cluster_id"] == cluster for c in cases)

    page.goto("/cases?carrier=SF&reason=ant_moving_sender&lane=export")
    page.locator(f'tr[data-case="{cases[1]}"] a[title="查看该团伙的案件"]').click()
    expect(page.locator("section.ring-actions h2")).to_contain_text(cluster)
    expect(page.get_by_test_id("queue").locator("tbody tr")).to_have_count(len(cases))
    ring_form = page.locator("section.ring-actions")
    ring_form.locator("input[name=violation_type]").fill("化整为零 ant moving")
    ring_form.locator("button.act-seize").click()
    result = page.get_by_test_id("bulk-result")
    expect(result).to_contain_text("已跳过（已结案）: " + cases[0])
    for c in cases[1:]:
        expect(result.locator(f'a[href="/cases/{c}"]')).to_have_count(1)

    page.reload()
    expect(page.locator('[data-status="seized"]')).to_have_text(str(len(cases) - 1))
    expect(page.locator('[data-status="released"]')).to_have_text("1")
    statuses = {c: case_json(page, c)["status"] for c in cases}
    assert statuses == {cases[0]: "released"} | dict.fromkeys(cases[1:], "seized")
    later = service.score(waybill(sender=sender, hours_after=30))
    assert "PRIOR_VIOLATIONS" in {r["code"] for r in later["reasons"]}


def test_only_officers_get_ring_actions_on_a_case_page_and_they_return_the_whole_ring(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    cases = ring(service, person())
    auditor = as_user("zhao")
    auditor.goto(f"/cases/{cases[0]}")
    expect(auditor.get_by_test_id("reasons")).to_contain_text("ANT_MOVING_SENDER")
    expect(auditor.get_by_test_id("actions")).to_have_count(0)
    expect(auditor.locator("a[data-nav=trace]")).to_have_count(0)
    investigator = as_user("li")
    investigator.goto(f"/cases/{cases[0]}")
    expect(investigator.locator("button.act-seize")).to_have_count(1)
    expect(investigator.locator("details.ring-actions")).to_have_count(0)

    page = as_user("wang")
    page.goto(f"/cases/{cases[-1]}")
    page.locator("details.ring-actions summary").click()
    page.locator("details.ring-actions button.act-return").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已退运")
    result = page.get_by_test_id("bulk-result")
    for c in cases:
        expect(result.locator(f'a[href="/cases/{c}"]')).to_have_count(1)
    expect(result).to_contain_text("已跳过（已结案）: 无")
    assert {case_json(page, c)["status"] for c in cases} == {"returned"}
    expect(page.get_by_test_id("audit-trail").locator('tr[data-action="return"]')).to_contain_text("wang")


# Sessions, keyboard, language ---------------------------------------------------------------------------


def test_logging_out_ends_the_session_in_the_browser_and_on_the_server(service: Service, fresh: Page) -> None:
    log_in(fresh, "zhou", "/cases")
    expect(fresh.locator("h1")).to_have_text("案件队列")
    old_cookies = {c["name"]: c["value"] for c in fresh.context.cookies()}
    fresh.get_by_role("button", name="退出登录").click()
    fresh.wait_for_url("**/login")
    expect(fresh.locator("h1")).to_have_text("登录")
    fresh.goto("/cases")
    fresh.wait_for_url("**/login?next=%2Fcases")
    me = httpx.get(f"{service.url}/v1/auth/me", cookies=old_cookies, timeout=10)
    assert me.status_code == 401


def test_an_expired_session_sends_the_officer_to_log_in_and_back_and_the_action_is_not_done(
    service: Service, fresh: Page
) -> None:
    case_id = own_hold(service)["case_id"]
    log_in(fresh, "qian", f"/cases/{case_id}")
    expect(fresh.get_by_test_id("case-status")).to_have_text("待处理")

    def expire(session: Session) -> None:
        user = sa.select(User.id).where(User.username == "qian").scalar_subquery()
        ended = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(sa.update(LoginSession).where(LoginSession.user_id == user).values(expires_at=ended))

    in_database(service, expire)
    fresh.click("button.act-assign >> nth=0")
    fresh.wait_for_url(f"**/login?next=%2Fcases%2F{case_id}")
    fresh.fill("input[name=username]", "qian")
    fresh.fill("input[name=password]", PASSWORD)
    fresh.click("button[type=submit]")
    fresh.wait_for_url(f"**/cases/{case_id}")
    expect(fresh.get_by_test_id("case-status")).to_have_text("待处理")
    case = case_json(fresh, case_id)
    assert case["status"] == "open" and case["assignee"] is None
    assert "assign" not in {a for a, _ in trail_actions(case)}


def test_an_officer_logs_in_and_takes_a_case_with_the_keyboard_alone(service: Service, fresh: Page) -> None:
    case_id = own_hold(service)["case_id"]
    fresh.goto(f"/cases/{case_id}")
    fresh.wait_for_url("**/login?next=*")
    tab_to(fresh, "input[name=username]")
    fresh.keyboard.type("zhou")
    fresh.keyboard.press("Tab")
    fresh.keyboard.type(PASSWORD)
    fresh.keyboard.press("Enter")
    fresh.wait_for_url(f"**/cases/{case_id}")

    tab_to(fresh, "button.act-assign")
    fresh.keyboard.press("Enter")
    expect(fresh.get_by_test_id("case-status")).to_have_text("审查中")
    tab_to(fresh, "textarea[name=text]")
    fresh.keyboard.type("键盘添加的备注")
    fresh.keyboard.press("Tab")
    fresh.keyboard.press("Enter")
    expect(fresh.locator("p.note")).to_contain_text("键盘添加的备注")
    case = case_json(fresh, case_id)
    assert case["assignee"] == "zhou" and case["notes"][0]["text"] == "键盘添加的备注"


def test_the_english_choice_follows_the_officer_across_pages_and_shows_english_reasons(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    decision = own_hold(service, outlet_id="SF-EN-0001")
    page = as_user("wang")
    page.goto(f"/cases/{decision['case_id']}")
    expect(page.get_by_test_id("reasons")).to_contain_text(decision["reasons"][0]["message"])
    page.click("a.lang-switch")
    reasons = page.get_by_test_id("reasons")
    expect(reasons.locator("h2")).to_have_text("Reasons")
    expect(reasons).to_contain_text(decision["reasons"][0]["message_en"])
    expect(reasons).not_to_contain_text(decision["reasons"][0]["message"])
    expect(page.get_by_test_id("case-status")).to_have_text("Open")

    page.click("a[data-nav=trace]")
    expect(page.locator("h1")).to_have_text("Trace search")
    page.click("a[data-nav=cases]")
    expect(page.locator("h1")).to_have_text("Case queue")
    page.fill("input[name=outlet]", "SF-EN-0001")
    page.get_by_role("button", name="Apply").click()
    page.locator(f'tr[data-case="{decision["case_id"]}"] a').first.click()
    expect(page.get_by_test_id("reasons").locator("h2")).to_have_text("Reasons")
    page.click("a.lang-switch")
    expect(page.get_by_test_id("reasons").locator("h2")).to_have_text("原因")


# The postal bureau's audit ------------------------------------------------------------------------------


def test_the_auditor_switches_the_dashboard_from_week_to_month_keeping_the_carrier(
    as_user: Callable[[str], Page], tmp_path: Path
) -> None:
    page = as_user("zhao")
    page.goto("/audit?kind=week&label=2026-W47")
    page.fill("input[name=carrier]", "YTO")
    page.click("form.filters button[type=submit]")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("2")
    expect(page.locator('[data-metric="xray_rate"]')).to_have_text("50.0%")

    page.select_option("select[name=kind]", "month")
    page.fill("input[name=label]", "2026-11")
    page.click("form.filters button[type=submit]")
    expect(page.locator("p.period")).to_contain_text("2026-11")
    expect(page.locator("input[name=carrier]")).to_have_value("YTO")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("3")
    expect(page.locator('[data-metric="xray_rate"]')).to_have_text("66.7%")

    with page.expect_download() as download:
        page.get_by_test_id("report-xlsx").click()
    assert download.value.suggested_filename == "compliance-month-2026-11.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    assert book.sheetnames[0] == "汇总 Summary"
    book.close()

    page.fill("input[name=label]", "2026-13")
    page.click("form.filters button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("筛选条件无效: 期间")


def test_the_auditor_filters_by_province_and_drills_into_an_outlet(as_user: Callable[[str], Page]) -> None:
    page = as_user("zhao")
    page.goto("/audit?kind=week&label=2026-W47")
    page.fill("input[name=province]", "北京市")
    page.click("form.filters button[type=submit]")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("3")
    worst = page.get_by_test_id("worst-outlets")
    expect(worst).to_contain_text("SF-B")
    expect(worst).not_to_contain_text("SF-A")

    worst.get_by_role("link", name="SF-B").click()
    page.wait_for_url("**/audit/offending?*")
    expect(page.get_by_test_id("offending-total")).to_have_text("1")
    offender = page.locator('details[data-waybill="SFB0000011"]')
    expect(offender).to_contain_text("证件无效")
    page.locator("p.crumbs a").click()
    expect(page.locator("h1")).to_have_text("合规审计看板")
    expect(page.locator("input[name=province]")).to_have_value("北京市")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("3")
    page.click("a.lang-switch")  # the same filtered dashboard, in English
    expect(page.locator("h1")).to_have_text("Compliance dashboard")
    expect(page.locator("input[name=province]")).to_have_value("北京市")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("3")


def test_the_drill_down_pages_through_more_offending_waybills_than_fit_on_one_page(
    as_user: Callable[[str], Page], week_42: list[str]
) -> None:
    page = as_user("zhao")
    page.goto("/audit?kind=week&label=2026-W42&carrier=EMS")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("55")
    expect(page.locator('[data-metric="xray_rate"]')).to_have_text("3.6%")
    page.get_by_test_id("show-offending").click()
    expect(page.get_by_test_id("offending-total")).to_have_text("53")
    offenders = page.locator("details.offender")
    expect(offenders).to_have_count(50)
    seen = set(offenders.evaluate_all("ds => ds.map(d => d.dataset.waybill)"))
    expect(page.get_by_role("link", name="上一页")).to_have_count(0)

    page.get_by_role("link", name="下一页").click()
    expect(page.locator("p.pager")).to_contain_text("页 2")
    expect(offenders).to_have_count(3)
    expect(page.get_by_role("link", name="下一页")).to_have_count(0)
    seen |= set(offenders.evaluate_all("ds => ds.map(d => d.dataset.waybill)"))
    assert seen == set(week_42)
    offenders.first.locator("summary").click()
    expect(offenders.first).to_contain_text("未过机")

    page.get_by_role("link", name="上一页").click()
    expect(offenders).to_have_count(50)


def test_the_html_and_csv_reports_download_with_their_names_and_types(
    as_user: Callable[[str], Page], tmp_path: Path
) -> None:
    page = as_user("zhao")
    page.goto("/audit/offending?kind=week&label=2026-W47")
    listed = set(page.locator("details.offender").evaluate_all("ds => ds.map(d => d.dataset.waybill)"))
    assert {"SFA0000002", "YTX0000013"} <= listed
    page.goto("/audit?kind=week&label=2026-W47")
    downloads = page.get_by_test_id("downloads")

    html_link = downloads.get_by_role("link", name="HTML", exact=True)
    with page.expect_download() as download:
        html_link.click()
    assert download.value.suggested_filename == "compliance-week-2026-W47.html"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "2026-W47" in text
    answer = page.request.get(html_link.get_attribute("href") or "")
    assert answer.headers["content-type"].startswith("text/html")

    csv_link = downloads.get_by_role("link", name="CSV", exact=True)
    with page.expect_download() as download:
        csv_link.click()
    assert download.value.suggested_filename == "compliance-week-2026-W47-offending.csv"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert {r["运单号 (waybill no.)"] for r in rows} == listed
    answer = page.request.get(csv_link.get_attribute("href") or "")
    assert answer.headers["content-type"].startswith("text/csv")


# The investigators' trace -------------------------------------------------------------------------------


def test_the_trace_form_names_the_field_of_each_problem(as_user: Callable[[str], Page]) -> None:
    page = as_user("li")
    page.goto("/trace")
    results = page.locator("#trace-results")

    def search(**fields: str) -> None:
        for name in ("waybill_no", "phone", "id_number"):
            page.fill(f"input[name={name}]", "")
        page.select_option("select[name=id_type]", "")
        for name, value in fields.items():
            if name == "id_type":
                page.select_option("select[name=id_type]", value)
            else:
                page.fill(f"input[name={name}]", value)
        page.click("#trace-form button[type=submit]")

    search(**{"from": "2026-11-13", "to": "2026-11-10", "waybill_no": "SF1400000000001"})
    expect(results.get_by_role("alert")).to_have_text("查询条件无效: to: the period ends before it starts")
    search(**{"from": "2026-11-10", "to": "2026-11-13", "waybill_no": "SF1"})
    expect(results.get_by_role("alert")).to_contain_text("waybill_no:")
    search(id_number="110105194912310021")
    expect(results.get_by_role("alert")).to_have_text("查询条件无效: id_type: an id_number needs its id_type")
    expect(results).not_to_contain_text("110105194912310021")
    search(waybill_no="SF1400000000001", phone="13800138000")
    expect(results.get_by_role("alert")).to_contain_text("got waybill_no, phone")

    search(**{"from": "2026-11-13", "to": "2026-11-10", "phone": "13800138000"})
    page.click("button[data-export]")
    expect(page.locator("[data-export-problem]")).to_have_text("422 to: the period ends before it starts")


def test_a_phone_that_is_no_phone_number_is_refused_with_the_forms_message(
    as_user: Callable[[str], Page],
) -> None:
    page = as_user("li")
    page.goto("/trace")
    page.fill("input[name=from]", "2026-11-10")
    page.fill("input[name=to]", "2026-11-13")
    page.fill("input[name=phone]", "abc")
    page.click("#trace-form button[type=submit]")
    alert = page.locator("#trace-results").get_by_role("alert")
    expect(page.locator("#trace-results")).to_contain_text("phone")
    expect(alert).to_contain_text("查询条件无效: phone:", timeout=1_000)
    expect(page.locator("#trace-results")).not_to_contain_text('{"detail"')


def test_an_investigator_traces_an_id_number_to_its_case_and_sees_it_only_masked(
    service: Service, as_user: Callable[[str], Page]
) -> None:
    sender = person()
    decision = own_hold(service, sender=sender)
    page = as_user("li")
    page.goto("/trace")
    page.fill("input[name=from]", "2026-11-10")
    page.fill("input[name=to]", "2026-11-13")
    page.select_option("select[name=id_type]", "resident_id")
    page.fill("input[name=id_number]", number_of(sender))
    page.click("#trace-form button[type=submit]")
    expect(page.get_by_test_id("trace-count")).to_have_text("1")
    results = page.get_by_test_id("trace-results")
    expect(results).to_contain_text(decision["waybill_no"])
    expect(results).to_contain_text(masked(number_of(sender)))
    assert number_of(sender) not in page.content()
    results.locator(f'a[href="/cases/{decision["case_id"]}"]').click()
    page.wait_for_url(f"**/cases/{decision['case_id']}")
    expect(page.get_by_test_id("waybill")).to_contain_text(masked(number_of(sender)))
