"""`screening labels export` writes every case outcome and inspection as a training label in Parquet."""

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from screening.cases.desk import CaseDesk
from screening.contract import Inspection
from screening.engine import Engine
from tests.factories import BASE_TIME
from tests.screening.cases.conftest import held, score

pytestmark = pytest.mark.anyio


async def test_labels_export_to_parquet(
    engine: Engine, desk: CaseDesk, cli: typer.Typer, tmp_path: Path
) -> None:
    seized, released, inspected = [await score(engine, held()) for _ in range(3)]
    await desk.act(case_id=seized.case_id or "", action="seize", actor="wang", violation_type="counterfeit")
    await desk.act(case_id=released.case_id or "", action="release", actor="wang")
    report = {
        "carrier": "SF",
        "waybill_no": inspected.waybill_no,
        "result": "clear",
        "inspected_at": (BASE_TIME + timedelta(hours=2)).isoformat(),
    }
    await desk.inspection(inspection=Inspection.model_validate(report), actor="wang")
    out = tmp_path / "labels" / "labels.parquet"
    done = CliRunner().invoke(cli, ["labels", "export", "--out", str(out)])
    assert done.exit_code == 0, done.output
    frame = pl.read_parquet(out).sort("waybill_no")
    assert frame.select("waybill_no", "label", "source", "violation_type").rows() == [
        (seized.waybill_no, 1, "case:seized", "counterfeit"),
        (released.waybill_no, 0, "case:released", None),
        (inspected.waybill_no, 0, "inspection", None),
    ]
    assert frame.schema["at"] == pl.Datetime("us", "UTC")
    assert "entity_keys" not in frame.columns


def test_an_empty_export_still_has_the_columns(cli: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "labels.parquet"
    assert CliRunner().invoke(cli, ["labels", "export", "--out", str(out)]).exit_code == 0
    frame = pl.read_parquet(out)
    assert frame.height == 0 and frame.columns[:3] == ["carrier", "waybill_no", "label"]
