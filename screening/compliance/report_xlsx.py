"""The report as an XLSX workbook: summary, carriers, outlets, regions, daily trend, offending waybills."""

from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from screening.compliance.labels import CHANGE_COLUMNS, RATE_COLUMNS, displayable, label
from screening.compliance.report import DEFINITIONS, SHOWN, SUBTITLE, SUMMARY_LINES, Report

# Longer tables list their first rows and point to the CSV: a workbook of hundreds of thousands of rows
# is slow to write (xlsxwriter writes some 60,000 cells a second here) and to open; the CSV is not.
SHEET_ROWS = {"outlets": 5_000, "offending": 10_000}
SHEETS = {
    "carriers": "按企业 Carriers",
    "outlets": "网点排名 Outlets",
    "regions": "按地区 Regions",
    "daily": "每日趋势 Daily",
    "offending": "违规运单 Offending",
}


class _Formats:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"}
        )
        self.rate = book.add_format({"num_format": "0.0%"})
        self.change = book.add_format({"num_format": '+0.0" pt";-0.0" pt";0.0" pt"'})
        self.hours = book.add_format({"num_format": "0.0"})
        self.note = book.add_format({"italic": True, "font_color": "#555555"})
        # Without a number format a spreadsheet shows a date as its serial number (46300).
        self.day = book.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

    def of(self, column: str, value: Any = None) -> Any:
        if isinstance(value, datetime):
            return self.moment
        if isinstance(value, date):
            return self.day
        if column in CHANGE_COLUMNS:
            return self.change
        if column in RATE_COLUMNS:
            return self.rate
        if column == "median_resolve_hours":
            return self.hours
        return None


def _value(column: str, value: Any) -> Any:
    # Changes are fractions in the data and percentage points on the sheet.
    if value is not None and column in CHANGE_COLUMNS:
        return value * 100
    return value


def _table(sheet: Any, formats: _Formats, frame: pl.DataFrame, *, first_row: int) -> None:
    columns = frame.columns
    for c, column in enumerate(columns):
        sheet.write(first_row, c, label(column), formats.header)
        sheet.set_column(c, c, 14 if column not in ("outlet_name", "problems", "reasons") else 28)
    shown = displayable(frame)
    for r, values in enumerate(shown.iter_rows(), start=first_row + 1):
        for c, (column, value) in enumerate(zip(columns, values, strict=True)):
            if value is not None:
                sheet.write(r, c, _value(column, value), formats.of(column, value))
    sheet.freeze_panes(first_row + 1, 0)
    sheet.autofilter(first_row, 0, first_row + max(shown.height, 1), len(columns) - 1)


def _summary(book: Any, formats: _Formats, report: Report) -> None:
    sheet = book.add_worksheet("汇总 Summary")
    period, previous = report.tally.current, report.tally.previous
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 3, 16)
    sheet.write(0, 0, report.title, formats.title)
    sheet.write(1, 0, SUBTITLE)
    sheet.write(
        2, 0, f"统计周期 (period): {period.label}  {period.start} 至 {period.end}（北京时间 Beijing time）"
    )
    sheet.write(3, 0, f"对比周期 (compared with): {previous.label}  {previous.start} 至 {previous.end}")
    sheet.write(4, 0, f"生成时间 (generated at): {report.generated_at:%Y-%m-%d %H:%M}")
    header = ("指标 (figure)", "本期 (this period)", "上期 (previous)", "变化 (change)")
    for c, text in enumerate(header):
        sheet.write(6, c, text, formats.header)
    now = report.tally.rows([]).row(0, named=True)
    before = report.tally.rows([], period="previous").row(0, named=True)
    for r, figure in enumerate(SUMMARY_LINES, start=7):
        sheet.write(r, 0, label(figure))
        fmt = formats.of(figure)
        for c, value in ((1, now[figure]), (2, before[figure])):
            if value is not None:
                sheet.write(r, c, value, fmt)
        if figure in RATE_COLUMNS and now[figure] is not None and before[figure] is not None:
            sheet.write(r, 3, (now[figure] - before[figure]) * 100, formats.change)
    notes = 7 + len(SUMMARY_LINES) + 1
    sheet.write(notes, 0, "口径说明 (definitions)", formats.header)
    for r, text in enumerate(DEFINITIONS, start=notes + 1):
        sheet.write(r, 0, text, formats.note)


def write_xlsx(report: Report, path: Path) -> Path:
    """Write the workbook (rows are streamed out: memory stays flat however long the sheets are)."""
    # Text stays text: an outlet id of "=HYPERLINK(…)" or "https://…" from a waybill must not become a
    # live formula or link.
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    formats = _Formats(book)
    _summary(book, formats, report)
    tables = {
        "carriers": report.carriers(),
        "outlets": report.outlets(),
        "regions": report.regions(),
        "daily": report.daily(),
        "offending": report.offending,
    }
    for key, frame in tables.items():
        sheet = book.add_worksheet(SHEETS[key])
        first_row = 0
        if key in SHEET_ROWS:
            total, limit = frame.height, SHEET_ROWS[key]
            note = f"共 {total} 行 ({total} rows)"
            if key == "offending":
                note = f"共 {total} 条违规运单 ({total} offending waybills)"
            if total > limit:
                note += f"；此处列出前 {limit} 行，完整清单见 CSV"
                note += f" (first {limit} shown; the full list is in the CSV)"
            sheet.write(0, 0, note, formats.note)
            frame = frame.head(limit)
            first_row = 1
        _table(sheet, formats, frame.select(SHOWN[key]), first_row=first_row)
    book.close()
    return path
