"""The report as one self-contained HTML page: tables, and charts drawn as inline SVG."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from screening.compliance.charts import bar_chart, line_chart, rate_text
from screening.compliance.labels import CHANGE_COLUMNS, RATE_COLUMNS, displayable, label
from screening.compliance.report import DEFINITIONS, SHOWN, SUBTITLE, SUMMARY_LINES, Report

OUTLETS_SHOWN = 50
OFFENDING_SHOWN = 200
RANKING_CHART_OUTLETS = 15
TREND_RATES = ("realname_rate", "inspection_rate", "xray_rate")

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("screening.compliance", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def cell_text(column: str, value: Any) -> str:
    """One figure as the page prints it: rates in %, changes in points, a dash for nothing."""
    if value is None:
        return "—"
    if column in CHANGE_COLUMNS:
        return f"{value * 100:+.1f} pt"
    if column in RATE_COLUMNS:
        return rate_text(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell, text aligned left."""

    value: str
    text: bool


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the page."""

    title: str
    headings: list[str]
    rows: list[list[Cell]]
    note: str = ""


def table(title: str, frame: pl.DataFrame, *, note: str = "") -> Table:
    """A frame as a table with bilingual headings."""
    shown = displayable(frame)
    numeric = {c for c, t in frame.schema.items() if t.is_numeric()}
    rows = [
        [Cell(cell_text(c, v), c not in numeric) for c, v in zip(frame.columns, values, strict=True)]
        for values in shown.iter_rows()
    ]
    return Table(title, [label(c) for c in frame.columns], rows, note)


def _trend(report: Report) -> str:
    # Every day of both periods is on the axis; a day without parcels breaks the lines.
    days = pl.DataFrame({"day": [*report.tally.previous.dates(), *report.tally.current.dates()]})
    daily = days.join(report.daily(), on="day", how="left")
    labels = [d.strftime("%m-%d") for d in daily["day"]]
    series = {label(r).split(" (")[0]: daily[r].to_list() for r in TREND_RATES}
    return line_chart(labels, series, title="每日合规率 (daily compliance rates)")


def _ranking(report: Report) -> str:
    worst = report.outlets().head(RANKING_CHART_OUTLETS)
    labels = [f"{name} ({oid})" for name, oid in zip(worst["outlet_name"], worst["outlet_id"], strict=True)]
    return bar_chart(labels, worst["non_compliance_rate"].to_list(), title="违规率 (non-compliance rate)")


def render_html(report: Report) -> str:
    """The report page as text."""
    now = report.tally.rows([]).row(0, named=True)
    before = report.tally.rows([], period="previous").row(0, named=True)
    summary = [
        {
            "label": label(f),
            "now": cell_text(f, now[f]),
            "before": cell_text(f, before[f]),
            "change": cell_text(
                f"{f}_change",
                now[f] - before[f] if f in RATE_COLUMNS and None not in (now[f], before[f]) else None,
            ),
        }
        for f in SUMMARY_LINES
    ]
    offending = report.offending
    tables = [
        table("按企业 (by carrier)", report.carriers().select(SHOWN["carriers"])),
        table(
            f"网点排名，前 {OUTLETS_SHOWN} (outlets, worst first)",
            report.outlets().head(OUTLETS_SHOWN).select(SHOWN["outlets"]),
        ),
        table(
            "按省份 (by province)",
            report.tally.compared(["province"]).select("province", *SHOWN["regions"][3:]),
        ),
        table(
            "违规运单 (offending waybills)",
            offending.head(OFFENDING_SHOWN).select(SHOWN["offending"]),
            note=f"共 {offending.height} 条，此处列出前 {min(offending.height, OFFENDING_SHOWN)} 条；"
            f"完整清单见 CSV。 ({offending.height} offending waybills; the full list is in the CSV.)",
        ),
    ]
    return _templates.get_template("report.html").render(
        report=report,
        period=report.tally.current,
        previous=report.tally.previous,
        subtitle=SUBTITLE,
        summary=summary,
        trend_chart=_trend(report),
        ranking_chart=_ranking(report),
        tables=tables,
        definitions=DEFINITIONS,
    )


def write_html(report: Report, path: Path) -> Path:
    """Write the report page."""
    path.write_text(render_html(report), encoding="utf-8")
    return path
