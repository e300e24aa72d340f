"""Report files: the XLSX workbook, the self-contained HTML page and the CSV tables."""

from pathlib import Path

import polars as pl

from screening.compliance.labels import displayable, label
from screening.compliance.report import Report
from screening.compliance.report_html import write_html
from screening.compliance.report_xlsx import write_xlsx


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """A frame as CSV with bilingual headings, in UTF-8 with a byte-order mark (Excel then reads Chinese)."""
    shown = displayable(frame)
    shown.rename({c: label(c) for c in shown.columns}).write_csv(path, include_bom=True)
    return path


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The same CSV in memory, for a download."""
    shown = displayable(frame)
    text = shown.rename({c: label(c) for c in shown.columns}).write_csv(include_bom=True)
    return text.encode("utf-8")


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
