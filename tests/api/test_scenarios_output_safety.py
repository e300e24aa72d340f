"""What the service writes out is safe whatever a sender or a courier system typed in.

Written from ../shared/domain/RULES.md §1 ("Nowhere a plain ID number: not in stores, logs, the decision
log, exports or backups"; the masked display form 110105********002X), ../shared/contract/README.md (names,
addresses, goods descriptions, outlet and courier ids are free strings; 422 bodies name fields), and the
README ("HTTP API", "Cases for customs officers", "Compliance audit for the postal bureau", "Personal
data": answers, case rows, the decision log and audit exports show identity numbers masked, 422 bodies
never echo input; "Every response carries X-Request-ID: the caller's whole (1 to 128 visible ASCII
characters), or a new one"; logs are JSON lines). Where the sources are silent, what a mature product's
users expect: OWASP's advice for HTML output (escape, never execute) and for spreadsheets (a cell from a
sender's text starting =, +, -, @, tab or CR is not a formula, and no typed text becomes a live link).

One module-scoped service scores hostile waybills (markup and attribute-breaking quotes in every free-text
field, `javascript:` texts, formula and link texts in outlet and courier ids, line breaks, the longest
texts the contract takes, ID numbers typed into names, addresses and descriptions) beside a plain twin,
then reads every page, JSON answer and download an officer, auditor or investigator gets.

Readings chosen:
* Pages: sender text is shown as text, escaped; a page of a hostile parcel has the element structure of
  its plain twin's; no page carries an inline script, an event handler or a javascript: URL.
* Links built from a courier's text (the dashboard's drill-down per outlet) lead where they say, whatever
  characters the outlet id holds (as the queue's links already do, tests/api/test_scenarios_officers.py).
* Downloads: CSV cells from text starting with a formula character carry OWASP's leading apostrophe;
  workbook cells of such text are text cells (no formula) and no typed text is a hyperlink; the only
  negative figures the service writes (week-over-week changes: declared values are never negative) stay
  numbers in CSV, workbook and HTML.
* Headers: a request id that is not 1–128 visible ASCII characters is replaced, never echoed; download
  names come from the period, table and kind of search, never from what was typed.
* Identity numbers in free text: the README's "Identity numbers appear nowhere in plain text" covers every
  number the service knows is one — a party's own id_number — wherever else the waybill repeats it (its
  name, address or goods description); the decision log, logs and audit exports carry no free text, so any
  number typed there stays out of them. A number the service was never told is an ID is not held to be
  found in free text (no source asks for scanning).
* Phones: shown masked in every audit and trace listing and download; the case page shows the parcel's
  own phone to officers (no source asks to mask it there), so it is not tested here.
"""

import html
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from screening.logs import LogFormat
from screening.settings import Settings
from tests.api.conftest import CaseClient
from tests.api.test_scenarios_privacy import Logs, masked, the_policy
from tests.factories import export_postal, hk_receiver, item, party, resident_id, waybill
from tests.screening.compliance.test_scenarios_audit import TUESDAY_W47, Desk, csv_rows

SUNDAY_W46 = "2026-11-15T10:00:00+08:00"
W47 = {"week": "2026-W47"}
SPAN = {"from": "2026-11-16", "to": "2026-11-22"}

# Hostile texts, one per free-text field of the held parcel, each telling which field it came from.
PAYLOADS = {
    "sender_name": '"><script>alert("sender")</script>',
    "sender_detail": "张江路88号'><img src=x onerror=alert(2)>",
    "receiver_name": "' onmouseover='alert(3)' x='",
    "receiver_detail": "</title></text></svg><script>alert(4)</script>",
    "description": '<iframe src="javascript:alert(5)"></iframe> 羊毛外套 coat',
}
OUTLET = '"><svg onload=alert(6)>'
COURIER = '<a href="javascript:alert(7)">C-7</a>'
CONTRACT = '"><b onclick=alert(8)>HT'
HOSTILE_PHONE = "13712340001"
TWIN_PHONE = "13712340002"
FORMULA_PHONE = "13712340009"
# OWASP's formula starters; a leading tab or CR is trimmed at input, so the = or - after it is what is left.
FORMULAS = ["=1+2", "+1+2", "-1+2", "@SUM(1,2)", "\t=2+3", "\r-3+4"]
LINKS = [
    "https://evil.example/login",
    "mailto:audit@evil.example",
    "ftp://evil.example/report.exe",
    "external:c:\\windows\\calc.exe",
    "javascript:alert(9)",
]
LINK_OUTLETS = ["SF-B", "SF A+1", "SF#1", "SF&carrier=YTO", "SF%41"]
MULTILINE_COURIER = 'C-9\r\n=1+2, "quoted"'
LONG_OUTLET = "SF-" + "L" * 61
LONG_COURIER = "C-" + "9" * 198
LONG_NAME = "欧阳" + "娜" * 198
LONG_DETAIL = "张江路" + "8" * 197
ID_FIELDS = ("name", "detail", "description")
ID_IN_TEXT = {
    f: resident_id(region="370202", birth="19810423", seq=str(n))
    for n, f in zip((511, 512, 513), ID_FIELDS, strict=True)
}
HEX32 = re.compile(r"[0-9a-f]{32}")

OFFENDING_OUTLET = "网点编号 (outlet id)"
OFFENDING_COURIER = "收派员 (courier)"
OFFENDING_WAYBILL = "运单号 (waybill no.)"
OFFENDING_SHEET = "违规运单 Offending"


# Reading pages ---------------------------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every start tag of a page with its attributes (values unescaped, as a browser reads them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep the tag; start collecting an anchor's text."""
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        if tag == "a":
            self._href, self._text = values.get("href", ""), []

    def handle_data(self, data: str) -> None:
        """Text inside an anchor belongs to it."""
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        """Close an anchor: keep (href, text)."""
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, "".join(self._text).strip()))
            self._href = None


def elements(page: str) -> Elements:
    """The page parsed."""
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "hx-get", "hx-post", "data"}
NEVER_IN_PAGES = {"iframe", "img", "object", "embed", "frame", "base"}


def dangers(page: str) -> list[str]:
    """What a browser would run or load from the page: inline scripts, handlers, javascript: URLs, frames."""
    found = []
    for tag, attrs in elements(page).tags:
        if tag in NEVER_IN_PAGES:
            found.append(f"<{tag}>")
        if tag == "script" and not attrs.get("src", "").startswith("/static/"):
            found.append("inline <script>")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                found.append(f"<{tag} {name}=javascript:>")
    return found


def structure(page: str) -> list[tuple[str, tuple[str, ...]]]:
    """The page's elements in order, each as its tag and attribute names."""
    return [(tag, tuple(sorted(attrs))) for tag, attrs in elements(page).tags]


def shown_as_text(page: str, text: str) -> bool:
    """The text is on the page as text: escaped in the markup, whole once unescaped."""
    return text not in page and text in html.unescape(page)


# Reading downloads -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One workbook cell as a spreadsheet reads it."""

    value: Any
    data_type: str
    link: str | None


def workbook_cells(content: bytes, folder: Path) -> dict[str, list[list[Cell]]]:
    """Every sheet of a workbook as rows of cells with their types and hyperlinks."""
    path = folder / "report.xlsx"
    path.write_bytes(content)
    book = openpyxl.load_workbook(path)
    sheets = {
        ws.title: [
            [
                Cell(
                    c.value,
                    c.data_type,
                    (c.hyperlink.target or c.hyperlink.location) if c.hyperlink else None,
                )
                for c in row
            ]
            for row in ws.iter_rows()
        ]
        for ws in book.worksheets
    }
    book.close()
    return sheets


def sheet_records(rows: list[list[Cell]], heading_row: int) -> list[dict[str, Cell]]:
    """A sheet's table as dicts by heading."""
    headings = [str(c.value) for c in rows[heading_row]]
    return [dict(zip(headings, r, strict=True)) for r in rows[heading_row + 1 :]]


def xml_text(content: bytes) -> str:
    """All XML parts of a workbook as one text."""
    book = zipfile.ZipFile(io.BytesIO(content))
    return "".join(book.read(n).decode("utf-8") for n in book.namelist())


def by_waybill(rows: list[dict[str, str]], number: str) -> dict[str, str]:
    """The one CSV row of a waybill number."""
    found = [r for r in rows if r[OFFENDING_WAYBILL] == number]
    assert len(found) == 1, (number, len(found))
    return found[0]


# The scene ------------------------------------------------------------------------------------------------


@dataclass
class Scene:
    """A live service after the hostile parcels were scored, and what it showed and wrote."""

    http: TestClient
    desk: Desk
    data: Path
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    downloads: dict[str, bytes] = field(default_factory=dict)
    sheets: dict[str, list[list[Cell]]] = field(default_factory=dict)
    journal: str = ""
    parquet: str = ""
    logs: list[str] = field(default_factory=list)

    def number(self, label: str) -> str:
        """The waybill number of a scored parcel."""
        no: str = self.decisions[label]["waybill_no"]
        return no

    def case_id(self, label: str) -> str:
        """The case id of a held parcel."""
        case_id = self.decisions[label]["case_id"]
        assert isinstance(case_id, str), (label, self.decisions[label]["decision"])
        return case_id


def hostile() -> dict[str, Any]:
    """An export postal article over the limit, in 11 units, with markup in every free-text field: held."""
    return export_postal(
        accepted_at=TUESDAY_W47,
        outlet_id=OUTLET,
        courier_id=COURIER,
        sender=party(
            name=PAYLOADS["sender_name"],
            phone=HOSTILE_PHONE,
            id_number=resident_id(region="510104", seq="601"),
            address={"detail": PAYLOADS["sender_detail"]},
        ),
        receiver=hk_receiver(
            name=PAYLOADS["receiver_name"],
            phone="+85291230001",
            address={"detail": PAYLOADS["receiver_detail"]},
        ),
        items=[item(description=PAYLOADS["description"], quantity=11, unit_value=100.0)],
        pickup_checks={"xray_screened": False},
    )


def twin() -> dict[str, Any]:
    """The hostile parcel's plain twin: the same shape and reasons, other people, plain text."""
    return export_postal(
        accepted_at=TUESDAY_W47,
        outlet_id="SF-T",
        courier_id="C-T",
        sender=party(
            name="王强",
            phone=TWIN_PHONE,
            id_number=resident_id(region="510104", seq="602"),
            address={"detail": "张江路99号5号楼"},
        ),
        receiver=hk_receiver(
            name="CHAN SIU MING", phone="+85291230002", address={"detail": "10 Nathan Road"}
        ),
        items=[item(description="羊毛外套 wool coat", quantity=11, unit_value=100.0)],
        pickup_checks={"xray_screened": False},
    )


def id_in_text(where: str) -> dict[str, Any]:
    """A held parcel whose sender repeats their own ID number in one free-text field."""
    number = ID_IN_TEXT[where]
    sender = party(
        id_number=number,
        phone=f"1371234002{ID_FIELDS.index(where)}",
        name=f"张伟 {number}" if where == "name" else "张伟",
        address={"detail": f"张江路88号 身份证{number}" if where == "detail" else "张江路88号"},
    )
    description = f"羊毛外套 身份证号{number}" if where == "description" else "羊毛外套 wool coat"
    return export_postal(
        accepted_at=TUESDAY_W47,
        outlet_id="SF-A",
        sender=sender,
        receiver=hk_receiver(phone=f"+8529123003{ID_FIELDS.index(where)}"),
        items=[item(description=description, quantity=11, unit_value=100.0)],
        pickup_checks={"xray_screened": False},
    )


def longest() -> dict[str, Any]:
    """A held parcel with every text at the longest the contract takes: 100 lines of 300 characters."""
    lines = [item(description=f"{n:03d}羊毛外套" + "x" * 293, quantity=1, unit_value=9.0) for n in range(100)]
    return export_postal(
        accepted_at=TUESDAY_W47,
        outlet_id=LONG_OUTLET,
        courier_id=LONG_COURIER,
        sender=party(
            name=LONG_NAME,
            phone="13712340030",
            id_number=resident_id(region="510104", seq="630"),
            address={"detail": LONG_DETAIL},
        ),
        receiver=hk_receiver(phone="+85291230030", address={"detail": "Flat D, " + "9" * 192}),
        items=lines,
        pickup_checks={"xray_screened": False},
    )


def no_xray(**changes: Any) -> dict[str, Any]:
    """A domestic parcel picked up on Tuesday of 2026-W47 without its X-ray recorded: offending."""
    return waybill(**{"accepted_at": TUESDAY_W47, "pickup_checks": {"xray_screened": False}, **changes})


def score_all(scene: Scene) -> None:
    """Score the week before (all compliant), then the hostile week."""
    desk = scene.desk
    for _ in range(2):
        desk.score(waybill(accepted_at=SUNDAY_W46, outlet_id="SF-A"))
    bodies: dict[str, dict[str, Any]] = {"hostile": hostile(), "twin": twin()}
    bodies["contract"] = waybill(
        accepted_at=TUESDAY_W47,
        outlet_id="SF-A",
        sender=party(
            customer_type="contract",
            contract_id=CONTRACT,
            phone="13712340003",
            id_number=resident_id(region="510104", seq="603"),
        ),
    )
    formula_sender = party(phone=FORMULA_PHONE, id_number=resident_id(region="510104", seq="609"))
    for n, text in enumerate(FORMULAS):
        bodies[f"formula:{n}"] = no_xray(outlet_id=text, courier_id=text, sender=formula_sender)
    for n, text in enumerate(LINKS):
        bodies[f"link:{n}"] = no_xray(outlet_id="SF-A", courier_id=text)
    for n, text in enumerate(LINK_OUTLETS):
        bodies[f"outlet:{n}"] = no_xray(outlet_id=text)
    bodies["multiline"] = no_xray(outlet_id="SF-A", courier_id=MULTILINE_COURIER)
    bodies["long"] = longest()
    for where in ID_FIELDS:
        bodies[f"id-in-{where}"] = id_in_text(where)
    for label, body in bodies.items():
        scene.bodies[label] = body
        scene.decisions[label] = desk.score(body)


def read_pages(scene: Scene) -> None:
    """Every page an officer, auditor or investigator opens on the scene."""
    http = scene.http

    def page(name: str, url: str, **params: str) -> None:
        r = http.get(url, params=params)
        scene.pages[name], scene.statuses[name] = r.text, r.status_code

    for label in ("hostile", "twin", "contract", "long"):
        page(f"case:{label}", f"/cases/{scene.case_id(label)}", lang="zh")
        page(f"case-en:{label}", f"/cases/{scene.case_id(label)}", lang="en")
    page("queue", "/cases", lang="zh")
    page("queue-filtered", "/cases", outlet=OUTLET, lang="zh")
    page("dashboard", "/audit", kind="week", label="2026-W47", lang="zh")
    page("offending", "/audit/offending", kind="week", label="2026-W47", lang="zh")
    trace = http.post("/trace", data={**SPAN, "phone": HOSTILE_PHONE})
    scene.pages["trace"], scene.statuses["trace"] = trace.text, trace.status_code
    panel = http.post(f"/cases/{scene.case_id('hostile')}/notes", data={"text": "已联系寄件人"})
    scene.pages["panel"], scene.statuses["panel"] = panel.text, panel.status_code


def read_answers(scene: Scene) -> None:
    """The JSON answers about the hostile parcel, with their content types."""
    http = scene.http

    def keep(name: str, r: Any) -> None:
        assert r.status_code == 200, (name, r.status_code, r.text[:300])
        scene.answers[name] = (r.headers["content-type"], r.text)

    keep("score", http.post("/v1/score", json=scene.bodies["hostile"]))
    keep("read-back", http.get(f"/v1/decisions/SF/{scene.number('hostile')}"))
    keep("case", http.get(f"/v1/cases/{scene.case_id('hostile')}"))
    keep("offending", http.get("/v1/audit/offending", params={**W47, "limit": "1000"}))
    keep("trace", http.post("/v1/audit/trace", json={**SPAN, "phone": HOSTILE_PHONE}))
    for where in ID_FIELDS:
        label = f"id-in-{where}"
        keep(f"score:{label}", http.post("/v1/score", json=scene.bodies[label]))
        keep(f"case:{label}", http.get(f"/v1/cases/{scene.case_id(label)}"))
        page = http.get(f"/cases/{scene.case_id(label)}", params={"lang": "zh"})
        scene.pages[f"case:{label}"] = page.text


def read_downloads(scene: Scene, folder: Path) -> None:
    """The weekly report in every format and table, and trace exports."""
    desk, http = scene.desk, scene.http
    scene.downloads["xlsx"] = desk.download("weekly/2026-W47")
    scene.downloads["html"] = desk.download("weekly/2026-W47", format="html")
    for table in ("carriers", "outlets", "offending"):
        scene.downloads[table] = desk.download("weekly/2026-W47", format="csv", table=table)
    for phone in (FORMULA_PHONE, HOSTILE_PHONE):
        r = http.post("/v1/audit/trace/export", json={**SPAN, "phone": phone})
        assert r.status_code == 200, r.text
        scene.downloads[f"trace:{phone}"] = r.content
    scene.sheets = workbook_cells(scene.downloads["xlsx"], folder)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """One service: hostile parcels scored, then every page, answer and download read; left running."""
    folder = tmp_path_factory.mktemp("output-safety")
    data = folder / "data"
    logs = Logs()
    root_level = logging.getLogger().level
    app = create_app(Settings(env="development", data_dir=data))
    logs.attach()
    try:
        with TestClient(app) as http:
            app.state.engine.policy = the_policy()
            desk = Desk(CaseClient(http, app))
            found = Scene(http=http, desk=desk, data=data)
            score_all(found)
            desk.log.journal.flush()
            journal = data / "decisionlog" / "journal"
            found.journal = "".join(p.read_text("utf-8") for p in sorted(journal.glob("*.jsonl")))
            desk.log.compact()
            read_pages(found)
            read_answers(found)
            read_downloads(found, folder)
            frames = [pl.read_parquet(p) for p in sorted(data.rglob("*.parquet"))]
            found.parquet = "".join(repr(f.rows()) for f in frames)
            found.logs = [
                text
                for record, text in zip(logs.handler.records, logs.handler.texts, strict=True)
                if record.name.startswith(("screening", "uvicorn"))
            ]
            yield found
    finally:
        logs.detach(root_level)


# The scene did what the sources say -----------------------------------------------------------------------


def test_the_hostile_parcels_were_decided_like_plain_ones(scene: Scene) -> None:
    d = scene.decisions
    assert (
        {r["code"] for r in d["hostile"]["reasons"]}
        == {r["code"] for r in d["twin"]["reasons"]}
        == {
            "OVER_PERSONAL_LIMIT",
            "COMMERCIAL_QUANTITY",
            "XRAY_NOT_RECORDED",
        }
    )
    held = ["hostile", "twin", "contract", "long", *(f"id-in-{w}" for w in ID_FIELDS)]
    assert all(d[label]["decision"] == "hold" for label in held), {k: d[k]["decision"] for k in held}
    assert "CONTRACT_UNQUALIFIED" in {r["code"] for r in d["contract"]["reasons"]}
    assert all(d[f"formula:{n}"]["decision"] == "inspect" for n in range(len(FORMULAS)))
    assert scene.parquet and scene.journal, "the decision log is empty: its checks would prove nothing"


def test_the_page_checks_find_what_they_look_for() -> None:
    assert dangers('<p title="x" onclick="y">') == ["<p onclick>"]
    assert dangers('<a href=" JavaScript:alert(1)">x</a>') == ["<a href=javascript:>"]
    assert dangers("<script>alert(1)</script><img src=x>") == ["inline <script>", "<img>"]
    assert dangers('<script src="/static/htmx.min.js" defer></script>') == []
    assert shown_as_text("<td>&lt;b&gt;</td>", "<b>") and not shown_as_text("<td><b></b></td>", "<b>")
    assert structure('<p a="1"><b>') != structure('<p a="1" onclick="x"><b>')


# Pages: escaped, never executed ----------------------------------------------------------------------------

CASE_TEXTS = (*PAYLOADS.values(), OUTLET)
SHOWS: dict[str, tuple[str, ...]] = {
    "case:hostile": CASE_TEXTS,
    "case-en:hostile": CASE_TEXTS,
    "panel": CASE_TEXTS,
    "queue": (OUTLET,),
    "queue-filtered": (OUTLET,),
    "dashboard": (OUTLET,),
    "offending": (OUTLET, COURIER),
    "trace": (OUTLET,),
    "case:contract": (CONTRACT,),
}


@pytest.mark.parametrize("name", list(SHOWS))
def test_a_page_shows_sender_text_as_text_and_runs_nothing_of_it(scene: Scene, name: str) -> None:
    page = scene.pages[name]
    assert scene.statuses[name] == 200, page[:300]
    assert dangers(page) == []
    assert [t for t in SHOWS[name] if not shown_as_text(page, t)] == []


def test_the_html_report_prints_outlet_and_courier_texts_as_text_and_runs_nothing(scene: Scene) -> None:
    page = scene.downloads["html"].decode("utf-8")
    assert dangers(page) == [] and "<script" not in page
    assert shown_as_text(page, OUTLET) and shown_as_text(page, COURIER)


@pytest.mark.parametrize("page", ["case", "case-en"])
def test_a_hostile_case_page_has_exactly_the_elements_of_its_plain_twins(scene: Scene, page: str) -> None:
    assert structure(scene.pages[f"{page}:hostile"]) == structure(scene.pages[f"{page}:twin"])


def test_the_parcel_graph_draws_names_and_addresses_as_svg_text(scene: Scene) -> None:
    page = scene.pages["case:hostile"]
    graph = page[page.index('<svg xmlns="http://www.w3.org/2000/svg"') :]
    graph = graph[: graph.index("</svg>") + len("</svg>")]
    assert page.count("</svg>") == 1, "a name closed the graph's svg early"
    for text in (PAYLOADS["sender_name"], PAYLOADS["receiver_name"], PAYLOADS["receiver_detail"]):
        assert shown_as_text(graph, text), text


def test_a_reason_quoting_the_description_quotes_it_as_text_in_both_languages(scene: Scene) -> None:
    for name in ("case:hostile", "case-en:hostile"):
        reasons = scene.pages[name].split('data-testid="reasons"', 1)[1].split("</section>", 1)[0]
        assert shown_as_text(reasons, PAYLOADS["description"]), name


@pytest.mark.parametrize("outlet", LINK_OUTLETS)
def test_a_worst_outlet_link_on_the_dashboard_leads_to_that_outlets_offending_waybill(
    scene: Scene, outlet: str
) -> None:
    links = [href for href, text in elements(scene.pages["dashboard"]).anchors if text == outlet]
    assert len(links) == 1, outlet
    r = scene.http.get(links[0])
    number = scene.number(f"outlet:{LINK_OUTLETS.index(outlet)}")
    assert r.status_code == 200
    assert 'data-testid="offending-total">1<' in r.text and f'data-waybill="{number}"' in r.text


# CSV: formula texts quoted, numbers kept ------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_a_formula_text_is_quoted_in_every_csv_it_reaches(scene: Scene, text: str) -> None:
    stored = text.strip()
    number = scene.number(f"formula:{FORMULAS.index(text)}")
    offending = by_waybill(csv_rows(scene.downloads["offending"]), number)
    assert (offending[OFFENDING_OUTLET], offending[OFFENDING_COURIER]) == (f"'{stored}", f"'{stored}")
    outlets = {r[OFFENDING_OUTLET] for r in csv_rows(scene.downloads["outlets"])}
    assert f"'{stored}" in outlets and stored not in outlets
    traced = by_waybill(csv_rows(scene.downloads[f"trace:{FORMULA_PHONE}"]), number)
    assert traced[OFFENDING_COURIER] == f"'{stored}"


def test_a_weeks_fall_in_a_rate_is_a_negative_number_in_the_carriers_csv(scene: Scene) -> None:
    metrics = scene.desk.get("metrics", **W47, by="carrier")
    change = next(r for r in metrics["rows"] if r["carrier"] == "SF")["xray_rate_change"]
    assert change < 0
    row = next(r for r in csv_rows(scene.downloads["carriers"]) if r["快递企业 (carrier)"] == "SF")
    cell = row["过机安检率-变化/百分点 (change, points)"]
    assert not cell.startswith("'") and float(cell) == pytest.approx(change)


def test_a_weeks_fall_in_a_rate_is_a_negative_number_cell_in_the_workbook(scene: Scene) -> None:
    rows = sheet_records(scene.sheets["按企业 Carriers"], 0)
    sf = next(r for r in rows if r["快递企业 (carrier)"].value == "SF")
    cell = sf["过机安检率-变化/百分点 (change, points)"]
    assert cell.data_type == "n" and isinstance(cell.value, float) and cell.value < 0


def test_the_html_report_prints_a_fall_in_negative_points(scene: Scene) -> None:
    metrics = scene.desk.get("metrics", **W47, by="carrier")
    change = next(r for r in metrics["rows"] if r["carrier"] == "SF")["xray_rate_change"]
    assert f"{change * 100:+.1f} pt".startswith("-")
    assert f"{change * 100:+.1f} pt" in scene.downloads["html"].decode("utf-8")


def test_values_and_scores_stay_plain_numbers_in_the_trace_csv(scene: Scene) -> None:
    rows = csv_rows(scene.downloads[f"trace:{FORMULA_PHONE}"])
    assert len(rows) == len(FORMULAS)
    for row in rows:
        value, score = row["申报价值/元 (value, CNY)"], row["风险分 (risk score)"]
        assert float(value) == 120.0 and 0.0 <= float(score) <= 1.0
    assert all(r["寄件人电话/脱敏 (sender phone, masked)"].endswith("****0009") for r in rows)


def test_a_courier_id_with_a_line_break_and_a_comma_stays_one_csv_cell(scene: Scene) -> None:
    row = by_waybill(csv_rows(scene.downloads["offending"]), scene.number("multiline"))
    assert row[OFFENDING_COURIER] == MULTILINE_COURIER
    headings = csv_rows(scene.downloads["offending"])[0].keys()
    assert all(len(r) == len(headings) and None not in r for r in csv_rows(scene.downloads["offending"]))


def test_a_courier_id_with_a_line_break_stays_inside_one_journal_record(scene: Scene) -> None:
    records = [json.loads(line) for line in scene.journal.splitlines() if line.strip()]
    mine = [r for r in records if r.get("waybill_no") == scene.number("multiline")]
    assert [r["courier_id"] for r in mine] == [MULTILINE_COURIER]


# The workbook: text stays text ----------------------------------------------------------------------------


def offending_cell(scene: Scene, number: str, heading: str) -> Cell:
    """One cell of a waybill's row on the workbook's offending sheet."""
    rows = sheet_records(scene.sheets[OFFENDING_SHEET], 1)
    found = [r[heading] for r in rows if r[OFFENDING_WAYBILL].value == number]
    assert len(found) == 1, (number, len(found))
    return found[0]


def test_formula_texts_are_text_cells_in_the_workbook(scene: Scene) -> None:
    cells = {
        text.strip(): offending_cell(scene, scene.number(f"formula:{n}"), OFFENDING_COURIER)
        for n, text in enumerate(FORMULAS)
    }
    assert {t: (c.value, c.data_type) for t, c in cells.items()} == {t: (t, "s") for t in cells}


@pytest.mark.parametrize("text", LINKS, ids=[link.split(":", 1)[0] for link in LINKS])
def test_a_courier_text_that_looks_like_a_link_is_plain_text_in_the_workbook(scene: Scene, text: str) -> None:
    cell = offending_cell(scene, scene.number(f"link:{LINKS.index(text)}"), OFFENDING_COURIER)
    assert (cell.value, cell.data_type, cell.link) == (text, "s", None)


# Headers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "courier-1\r\nSet-Cookie: session=stolen",
        "courier-1\nX-Evil: 1",
        "courier 1",
        "courier-é",
        "c" * 129,
    ],
    ids=["crlf-cookie", "lf-header", "space", "latin-1", "129-chars"],
)
def test_a_request_id_that_is_not_visible_ascii_up_to_128_is_replaced_never_echoed(
    scene: Scene, given: str
) -> None:
    r = scene.http.get("/healthz", headers={b"X-Request-ID": given.encode("latin-1")})
    assert r.status_code == 200
    echoed = r.headers.get_list("x-request-id")
    assert len(echoed) == 1 and HEX32.fullmatch(echoed[0])
    assert "set-cookie" not in r.headers and "x-evil" not in r.headers


@pytest.mark.parametrize("given", ["c" * 128, 'x"<y>;z\\{}'], ids=["128-chars", "punctuation"])
def test_a_visible_ascii_request_id_up_to_128_characters_comes_back_whole(scene: Scene, given: str) -> None:
    r = scene.http.get("/healthz", headers={"X-Request-ID": given})
    assert r.headers.get_list("x-request-id") == [given]


def test_a_request_id_full_of_json_quotes_stays_one_string_in_the_json_log(scene: Scene) -> None:
    given = '"},{"level":"CRITICAL","message":"forged"}'
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(LogFormat())
    logger = logging.getLogger("screening")
    logger.addHandler(handler)
    try:
        r = scene.http.post(
            "/v1/audit/trace", json={**SPAN, "phone": HOSTILE_PHONE}, headers={"X-Request-ID": given}
        )
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 200 and r.headers["x-request-id"] == given
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    traced = [line for line in lines if str(line["message"]).startswith("trace by phone")]
    assert [(t["level"], t["request_id"]) for t in traced] == [("INFO", given)]
    assert all(line["level"] != "CRITICAL" for line in lines)


@pytest.mark.parametrize("label", ["2026-W47%22", "2026-W47%0D%0AX-Evil:%201"], ids=["quote", "crlf"])
def test_a_report_label_carrying_a_quote_or_a_line_break_gets_no_download(scene: Scene, label: str) -> None:
    r = scene.http.get(f"/v1/audit/reports/weekly/{label}", params={"format": "csv"})
    assert r.status_code == 422
    assert "content-disposition" not in r.headers and "x-evil" not in r.headers
    assert [e["loc"] for e in r.json()["detail"]] == [["path", "label"]]


@pytest.mark.parametrize(
    ("kind", "value"),
    [("phone", HOSTILE_PHONE), ("account", 'acct"; filename="x.exe"\r\nX-Evil: 1')],
    ids=["phone", "account-with-header-break"],
)
def test_a_trace_download_is_named_by_kind_and_days_never_by_the_value_searched(
    scene: Scene, kind: str, value: str
) -> None:
    r = scene.http.post("/v1/audit/trace/export", json={**SPAN, kind: value})
    assert r.status_code == 200, r.text
    assert r.headers.get_list("content-disposition") == [
        f'attachment; filename="trace-{kind}-2026-11-16-2026-11-22.csv"'
    ]
    assert "x-evil" not in r.headers


def test_report_downloads_are_attachments_named_by_period_and_table(scene: Scene) -> None:
    named = {}
    for fmt, table in (("xlsx", None), ("html", None), ("csv", "outlets"), ("csv", "offending")):
        params = {"format": fmt} | ({"table": table} if table else {})
        r = scene.http.get("/v1/audit/reports/weekly/2026-W47", params=params)
        named[(fmt, table)] = r.headers["content-disposition"]
    assert named == {
        ("xlsx", None): 'attachment; filename="compliance-week-2026-W47.xlsx"',
        ("html", None): 'attachment; filename="compliance-week-2026-W47.html"',
        ("csv", "outlets"): 'attachment; filename="compliance-week-2026-W47-outlets.csv"',
        ("csv", "offending"): 'attachment; filename="compliance-week-2026-W47-offending.csv"',
    }


# JSON answers ---------------------------------------------------------------------------------------------


def test_json_answers_carrying_sender_text_are_json_never_html(scene: Scene) -> None:
    kinds = {name: content_type.split(";")[0] for name, (content_type, _) in scene.answers.items()}
    assert set(kinds.values()) == {"application/json"}, kinds


def test_the_case_record_keeps_each_text_exactly_as_typed(scene: Scene) -> None:
    case = json.loads(scene.answers["case"][1])
    wb = case["waybill"]
    assert (wb["sender"]["name"], wb["sender"]["address"]["detail"]) == (
        PAYLOADS["sender_name"],
        PAYLOADS["sender_detail"],
    )
    assert (wb["receiver"]["name"], wb["receiver"]["address"]["detail"]) == (
        PAYLOADS["receiver_name"],
        PAYLOADS["receiver_detail"],
    )
    assert (wb["items"][0]["description"], wb["outlet_id"], wb["courier_id"]) == (
        PAYLOADS["description"],
        OUTLET,
        COURIER,
    )


def test_the_answer_quotes_the_description_as_data_in_its_reason(scene: Scene) -> None:
    answer = json.loads(scene.answers["score"][1])
    reason = next(r for r in answer["reasons"] if r["code"] == "COMMERCIAL_QUANTITY")
    assert PAYLOADS["description"] in reason["message"] and PAYLOADS["description"] in reason["message_en"]
    assert reason["evidence"]["description"] == PAYLOADS["description"]
    listed = json.loads(scene.answers["offending"][1])["rows"]
    assert [r["courier_id"] for r in listed if r["waybill_no"] == scene.number("hostile")] == [COURIER]


# Identity numbers typed into free text ---------------------------------------------------------------------


@pytest.mark.parametrize("where", ID_FIELDS)
def test_the_senders_own_id_number_repeated_in_free_text_is_not_plain_on_the_case(
    scene: Scene, where: str
) -> None:
    number = ID_IN_TEXT[where]
    case_json, page = scene.answers[f"case:id-in-{where}"][1], scene.pages[f"case:id-in-{where}"]
    assert masked(number) in page
    assert number not in case_json and number not in page


def test_the_answer_never_quotes_the_senders_id_number_from_a_description(scene: Scene) -> None:
    number = ID_IN_TEXT["description"]
    answer = scene.answers["score:id-in-description"][1]
    assert "COMMERCIAL_QUANTITY" in answer and number not in answer


def id_needles() -> list[str]:
    """Each number typed into free text, and its 17 digits before the check character."""
    return [n for number in ID_IN_TEXT.values() for n in (number, number[:17])]


def test_no_decision_log_record_carries_an_id_number_typed_in_free_text(scene: Scene) -> None:
    assert [n for n in id_needles() if n in scene.journal or n in scene.parquet] == []


def test_no_audit_listing_or_download_carries_an_id_number_typed_in_free_text(scene: Scene) -> None:
    texts = {
        "offending-json": scene.answers["offending"][1],
        "offending-page": scene.pages["offending"],
        "xlsx": xml_text(scene.downloads["xlsx"]),
        "html": scene.downloads["html"].decode("utf-8"),
        **{name: scene.downloads[name].decode("utf-8-sig") for name in ("carriers", "outlets", "offending")},
    }
    listed = json.loads(scene.answers["offending"][1])["rows"]
    assert {scene.number(f"id-in-{w}") for w in ID_FIELDS} <= {r["waybill_no"] for r in listed}
    assert [(where, n) for where, text in texts.items() for n in id_needles() if n in text] == []


def test_no_log_record_carries_an_id_number_or_markup_typed_in_free_text(scene: Scene) -> None:
    assert scene.logs, "the service logged nothing: the check would prove nothing"
    typed = [*id_needles(), *PAYLOADS.values()]
    assert [(n, t) for n, line in enumerate(scene.logs) for t in typed if t in line] == []


# Phones masked in the audit -------------------------------------------------------------------------------


def phone_output(scene: Scene, where: str) -> str:
    """One audit listing or download as text."""
    texts: dict[str, Callable[[], str]] = {
        "offending-page": lambda: scene.pages["offending"],
        "offending-json": lambda: scene.answers["offending"][1],
        "trace-page": lambda: scene.pages["trace"],
        "trace-csv": lambda: scene.downloads[f"trace:{HOSTILE_PHONE}"].decode("utf-8-sig"),
        "workbook": lambda: xml_text(scene.downloads["xlsx"]),
    }
    return texts[where]()


@pytest.mark.parametrize("where", ["offending-page", "offending-json", "trace-page", "trace-csv", "workbook"])
def test_audit_listings_and_downloads_show_the_senders_phone_masked_never_plain(
    scene: Scene, where: str
) -> None:
    text = phone_output(scene, where)
    assert "+86137****0001" in text
    plain = [p for p in (HOSTILE_PHONE, TWIN_PHONE, FORMULA_PHONE, "91230001") if p in text]
    assert plain == []


# Very long text -------------------------------------------------------------------------------------------


def test_a_parcel_with_every_text_at_its_longest_renders_its_case_page_whole(scene: Scene) -> None:
    for name in ("case:long", "case-en:long"):
        page = scene.pages[name]
        assert scene.statuses[name] == 200 and dangers(page) == []
        assert LONG_NAME in page and LONG_DETAIL in page and LONG_OUTLET in page
        lines = scene.bodies["long"]["items"]
        assert all(line["description"] in page for line in lines)


def test_the_longest_outlet_and_courier_texts_open_whole_in_every_download(scene: Scene) -> None:
    number = scene.number("long")
    assert offending_cell(scene, number, OFFENDING_COURIER).value == LONG_COURIER
    assert offending_cell(scene, number, OFFENDING_OUTLET).value == LONG_OUTLET
    row = by_waybill(csv_rows(scene.downloads["offending"]), number)
    assert (row[OFFENDING_OUTLET], row[OFFENDING_COURIER]) == (LONG_OUTLET, LONG_COURIER)
    assert LONG_COURIER in scene.downloads["html"].decode("utf-8")
    assert LONG_OUTLET in scene.pages["offending"] and LONG_OUTLET in scene.pages["dashboard"]


TOO_LONG = '<script>alert("too-long")</script>'


@pytest.mark.parametrize(
    ("path", "size"),
    [
        (("sender", "name"), 201),
        (("sender", "address", "detail"), 201),
        (("items", 0, "description"), 301),
        (("outlet_id",), 65),
    ],
    ids=["name", "detail", "description", "outlet"],
)
def test_a_text_one_character_too_long_is_a_422_that_does_not_echo_it(
    scene: Scene, path: tuple[str | int, ...], size: int
) -> None:
    body = waybill(accepted_at=TUESDAY_W47)
    text = TOO_LONG + "x" * (size - len(TOO_LONG))
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = text
    r = scene.http.post("/v1/score", json=body)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", *path]]
    assert "too-long" not in r.text and "xxxxxxxx" not in r.text
