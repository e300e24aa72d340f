"""Report files: the XLSX workbook, the self-contained HTML page and the CSV tables."""

from pathlib import Path

import polars as pl

from screening.compliance.labels import displayable, label
from screening.compliance.report import Report
from screening.compliance.report_html import write_html
from screening.compliance.report_xlsx import write_xlsx


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Displayable, with bilingual headings, and text a spreadsheet would run as a formula quoted."""
    shown = displayable(frame)
    # Text from waybills (outlet ids, names) starting =, +, -, @ is data, not a formula (OWASP CSV
    # injection): a leading apostrophe makes Excel show it as it is.
    texts = [c for c, kind in shown.schema.items() if kind == pl.String]
    shown = shown.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]"))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in texts
    )
    return shown.rename({c: label(c) for c in shown.columns})


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """A frame as CSV with bilingual headings, in UTF-8 with a byte-order mark (Excel then reads Chinese)."""
    _csv_ready(frame).write_csv(path, include_bom=True)
    return path


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The same CSV in memory, for a download."""
    return _csv_ready(frame).write_csv(include_bom=True).encode("utf-8")


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """Write the workbook, the HTML page and the CSV tables into out_dir; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / report.name
    return [
        write_xlsx(report, stem.with_suffix(".xlsx")),
        write_html(report, stem.with_suffix(".html")),
        write_csv(report.carriers(), out_dir / f"{report.name}-carriers.csv"),
        write_csv(report.outlets(), out_dir / f"{report.name}-outlets.csv"),
        write_csv(report.regions(), out_dir / f"{report.name}-regions.csv"),
        write_csv(report.daily(), out_dir / f"{report.name}-daily.csv"),
        write_csv(report.offending, out_dir / f"{report.name}-offending.csv"),
    ]
