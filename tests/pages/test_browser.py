"""Officers, auditors and investigators in a real browser against the real service."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.factories import party, resident_id, waybill
from tests.pages.conftest import Service, log_in, screenshot
from tests.screening.cases.conftest import ant_ring, held

pytestmark = pytest.mark.browser


def test_an_officer_seizes_a_held_ring_parcel_and_its_sender_is_flagged_next_time(
    page: Page, service: Service, artifacts: Path
) -> None:
    number = resident_id(region="330106", birth="19850606", seq="975")
    sender = party(id_number=number, phone="13600136000")
    ring = [service.score(wb) for wb in ant_ring(7, **sender)]
    case_id = ring[-1]["case_id"]
    assert ring[-1]["decision"] == "hold" and case_id
    service.score(held())  # another sender's hold, so the queue has more than one ring

    # Newest first: other files' holds on the same service may fill the first page by priority.
    log_in(page, "wang", "/cases?sort=newest")
    expect(page.locator("h1")).to_have_text("案件队列")
    row = page.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_contain_text("ANT_MOVING_SENDER")
    expect(page.locator('[data-status="open"]')).not_to_have_text("0")
    screenshot(page, artifacts, "officer-queue")

    row.locator("a").first.click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.get_by_test_id("reasons")).to_contain_text("寄件人24小时内向5个不同收件人寄出7件跨境包裹")
    expect(page.get_by_test_id("linked").locator("tbody tr")).to_have_count(6)
    expect(page.locator("svg.parcel-graph")).to_be_visible()
    expect(page.get_by_test_id("waybill")).not_to_contain_text(number)
    expect(page.get_by_test_id("waybill")).to_contain_text(number[:6] + "********" + number[-4:])
    screenshot(page, artifacts, "officer-case")

    page.fill("input[name=violation_type] >> nth=0", "化整为零 ant moving")
    page.click("button.act-seize >> nth=0")
    expect(page.get_by_test_id("case-status")).to_have_text("已扣留")
    trail = page.get_by_test_id("audit-trail").locator('tr[data-action="seize"]')
    expect(trail).to_contain_text("wang")
    screenshot(page, artifacts, "officer-case-seized")

    following = service.score(waybill(sender=sender, hours_after=30))
    assert "PRIOR_VIOLATIONS" in {r["code"] for r in following["reasons"]}


def test_a_person_without_an_officer_role_is_refused_the_queue(page: Page) -> None:
    log_in(page, "root", "/cases")
    expect(page.locator("h1")).to_contain_text("403")
    expect(page.locator("a[data-nav=cases]")).to_have_count(0)


def test_an_auditor_filters_the_dashboard_drills_down_and_downloads_the_report(
    page: Page, artifacts: Path
) -> None:
    log_in(page, "zhao", "/audit?kind=week&label=2026-W47")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("14")
    page.fill("input[name=carrier]", "SF")
    page.click("form.filters button[type=submit]")
    expect(page.locator('[data-metric="parcels"]')).to_have_text("12")
    expect(page.get_by_test_id("worst-outlets")).to_contain_text("SF-A")
    screenshot(page, artifacts, "auditor-dashboard")

    with page.expect_download() as download:
        page.get_by_test_id("report-xlsx").click()
    saved = artifacts / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "compliance-week-2026-W47.xlsx"
    book = openpyxl.load_workbook(saved, read_only=True)
    assert book.sheetnames[0] == "汇总 Summary"
    book.close()

    page.get_by_test_id("show-offending").click()
    expect(page.get_by_test_id("offending-total")).to_have_text("6")
    offender = page.locator('details[data-waybill="SFA0000002"]')
    offender.locator("summary").click()
    expect(offender).to_contain_text("未提供证件")
    expect(offender).to_contain_text("110105********0021")
    screenshot(page, artifacts, "auditor-offending")


def test_an_investigator_traces_a_phone_to_its_parcels_and_their_cases(
    page: Page, service: Service, artifacts: Path
) -> None:
    suspect = party(phone="13700137000", id_number=resident_id(region="440106", birth="19900101", seq="123"))
    scored = [service.score(waybill(sender=suspect, hours_after=1)), service.score(held(sender=suspect))]
    case_id = scored[1]["case_id"]
    log_in(page, "li", "/trace")
    page.fill("input[name=from]", "2026-11-10")
    page.fill("input[name=to]", "2026-11-13")
    page.fill("input[name=phone]", "137 0013 7000")
    page.click("#trace-form button[type=submit]")
    expect(page.get_by_test_id("trace-count")).to_have_text("2")
    results = page.get_by_test_id("trace-results")
    for decision in scored:
        expect(results).to_contain_text(decision["waybill_no"])
    expect(results).to_contain_text("+86137****7000")
    screenshot(page, artifacts, "investigator-trace")

    with page.expect_download() as download:
        page.click("button[data-export]")
    saved = artifacts / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1 + 2

    results.locator(f'a[href="/cases/{case_id}"]').click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.get_by_test_id("reasons")).to_contain_text("OVER_PERSONAL_LIMIT")


def test_the_english_switch_changes_the_labels(page: Page) -> None:
    log_in(page, "wang", "/cases")
    expect(page.locator("a[data-nav=cases]")).to_have_text("案件队列")
    page.click("a.lang-switch")
    expect(page.locator("h1")).to_have_text("Case queue")
    expect(page.locator("a[data-nav=trace]")).to_have_text("Trace search")
    page.goto("/cases")  # the choice is kept in a cookie
    expect(page.locator("th").first).to_have_text("Case")
    page.click("a.lang-switch")
    expect(page.locator("h1")).to_have_text("案件队列")
