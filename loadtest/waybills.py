"""Realistic waybills for load, made once before a run from the simulator and cached as JSON lines.

Ant-moving rings are kept apart (rings.jsonl) so the courier users can mix them in at a chosen share.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson

from screening.simulation.stream import simulate
from screening.simulation.wire import waybill_dict

BATCH = 500


@dataclass(frozen=True, slots=True)
class Prepared:
    """Files of one prepared set: ordinary waybills, ant-moving ones, the agreements they refer to."""

    ordinary: Path
    rings: Path
    agreements: Path

    def bodies(self) -> tuple[list[bytes], list[bytes]]:
        """(ordinary, ring) waybill bodies as JSON bytes, in simulated arrival order."""
        return _lines(self.ordinary), _lines(self.rings)


def prepare(folder: Path, *, rows: int = 40_000, seed: int = 11, days: int = 30) -> Prepared:
    """Simulate `rows` waybills once (cached in folder by rows and seed) and write them as JSON lines."""
    base = folder / f"sim-{rows}-{seed}-{days}"
    out = Prepared(base / "ordinary.jsonl", base / "rings.jsonl", base / "agreements.csv")
    if out.ordinary.exists() and out.rings.exists() and out.agreements.exists():
        return out
    base.mkdir(parents=True, exist_ok=True)
    simulation = simulate(rows=rows, seed=seed, start=date(2026, 11, 1), days=days)
    ordinary: list[bytes] = []
    rings: list[bytes] = []
    for row in simulation.waybills.iter_rows(named=True):
        body = orjson.dumps(waybill_dict(row))
        (rings if row["violation_type"] == "ant_moving" else ordinary).append(body)
    simulation.agreements.write_csv(out.agreements)
    # Written last and renamed: a run stopped half-way leaves no file that looks complete.
    for path, bodies in ((out.rings, rings), (out.ordinary, ordinary)):
        partial = path.with_suffix(".partial")
        partial.write_bytes(b"\n".join(bodies) + b"\n")
        partial.rename(path)
    return out


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line]


def retagged(body: bytes, tag: str) -> bytes:
    """The same waybill under a new number (tag prefixed): a rerun scores it afresh, not from memory."""
    return body.replace(b'"waybill_no":"', b'"waybill_no":"' + tag.encode() + b"-", 1)


def body_files(prepared: Prepared, folder: Path, *, ring_share: float = 0.02) -> tuple[Path, Path]:
    """(single, batch) body files: ordinary waybills with ring ones mixed in, batches of BATCH."""
    ordinary, rings = prepared.bodies()
    every = max(1, round(1 / ring_share)) if rings else 0
    mixed: list[bytes] = []
    ring_iter = iter(rings)
    for i, body in enumerate(ordinary):
        mixed.append(body)
        ring = next(ring_iter, None) if every and i % every == 0 else None
        if ring is not None:
            mixed.append(ring)
    single = folder / "single.jsonl"
    single.write_bytes(b"\n".join(mixed) + b"\n")
    batches = [
        b'{"waybills":[' + b",".join(mixed[i : i + BATCH]) + b"]}" for i in range(0, len(mixed), BATCH)
    ]
    batch = folder / "batch.jsonl"
    batch.write_bytes(b"\n".join(b for b in batches if b.count(b'"waybill_no"') == BATCH) + b"\n")
    return single, batch
