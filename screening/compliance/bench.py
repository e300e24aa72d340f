"""Benchmark: a simulated decision log of N waybills (default 10 million), the weekly report and traces.

    python -m screening.compliance.bench [--rows 10000000] [--dir /tmp/audit-bench] [--keep]

The log covers two ISO weeks (2026-W46 and W47, one file per Beijing day as after compaction), so the
W47 report, which compares with W46, reads every row. Each measurement runs in a fresh process and
prints its wall time and peak resident memory.
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from screening.compliance.case_outcomes import CASE_OUTCOMES_SCHEMA
from screening.compliance.periods import Period
from screening.compliance.schemas import TraceQuery
from screening.decisionlog.compaction import LogLayout
from screening.decisionlog.record import LOG_SCHEMA
from screening.outlets import OUTLET_SCHEMA
from screening.privacy import PersonalData

WEEK = "2026-W47"
CARRIERS = ("SF", "EMS", "YTO", "ZTO", "STO", "YD", "JD", "DBL")
OUTLETS = 20_000
COURIERS_PER_OUTLET = 6
PROVINCES = (
    "广东省",
    "浙江省",
    "江苏省",
    "上海市",
    "北京市",
    "山东省",
    "福建省",
    "河北省",
    "四川省",
    "湖北省",
)
BENCH_SECRET = "bench-only-hmac-key"
# The phone, ID and address key pools: each identifier recurs on a few parcels, as real ones do.
SENDER_PHONES, RECEIVER_PHONES, SENDER_IDS, ADDRESSES = 3_000_000, 5_000_000, 3_000_000, 4_000_000
# The identities the bench traces: a sender phone and a sender ID with a few parcels every day.
PROBE, PROBE_PARCELS_PER_DAY = 12_345, 3
PROBE_PHONE, PROBE_ID = "13900012345", "440106199001010012"
DISTRICTS, CITIES = 2_800, 340


def _privacy() -> PersonalData:
    return PersonalData(hmac_key=BENCH_SECRET, encryption_key=BENCH_SECRET)


def _keys(privacy: PersonalData, kind: str, count: int, probes: dict[int, str]) -> pl.Series:
    """A pool of count distinct keys shaped like real ones; the probe indices get the real HMAC of a value.

    Keying millions of made-up identifiers with the HMAC would take minutes and prove nothing: only the
    identities a trace looks for need their real key.
    """
    pool = (
        f"{kind}:" + pl.int_range(count, eager=True).hash(seed=len(kind)).cast(pl.String).str.zfill(20)
    ).rename(kind)
    return pool.scatter(list(probes), [privacy.key(kind, value) for value in probes.values()])


def _with_probe(indices: np.ndarray) -> np.ndarray:
    indices[: PROBE_PARCELS_PER_DAY * 1000 : 1000] = PROBE
    return indices


def _day(
    rng: np.random.Generator, day: date, n: int, serial: int, key_pools: dict[str, pl.Series]
) -> pl.DataFrame:
    start = datetime(day.year, day.month, day.day) - timedelta(hours=8)  # Beijing midnight in UTC
    seconds = np.sort(rng.integers(0, 86_400_000_000, n))
    outlet = rng.integers(0, OUTLETS, n)
    draw = rng.random((8, n))
    service = np.where(draw[0] < 0.85, "domestic", np.where(draw[0] < 0.95, "export", "import"))
    decision = np.where(
        draw[1] < 0.93,
        "release",
        np.where(draw[1] < 0.98, "inspect", np.where(draw[1] < 0.99, "hold", "reject")),
    )
    contract = draw[2] < 0.3
    needs = (service != "import") & ~(contract & (draw[3] < 0.9))
    present = draw[4] < 0.985
    present[: PROBE_PARCELS_PER_DAY * 1000 : 1000] = True
    valid = present & (draw[5] < 0.995)
    verified = valid & (draw[6] < 0.97)
    frame = pl.DataFrame(
        {
            "accepted_at": pl.Series(seconds, dtype=pl.Int64()),
            "outlet": outlet,
            "service": service,
            "decision": decision,
            "contract": contract,
            "needs_realname": needs,
            "sender_id_present": present,
            "sender_id_valid": valid,
            "sender_id_verified": verified,
            "opened_inspection": draw[7] < 0.97,
            "xray_screened": rng.random(n) < 0.95,
            "sender_phone_key": key_pools["sender_phone"].gather(
                _with_probe(rng.integers(0, SENDER_PHONES, n))
            ),
            "receiver_phone_key": key_pools["receiver_phone"].gather(rng.integers(0, RECEIVER_PHONES, n)),
            "sender_id_key": key_pools["sender_id"].gather(_with_probe(rng.integers(0, SENDER_IDS, n))),
            "receiver_address_key": key_pools["address"].gather(rng.integers(0, ADDRESSES, n)),
            "courier": rng.integers(0, COURIERS_PER_OUTLET, n),
            "carrier": np.array(CARRIERS)[outlet % len(CARRIERS)],
        }
    )
    carrier = pl.col("carrier")
    return (
        frame.select(
            accepted_at=pl.lit(start).dt.replace_time_zone("UTC")
            + pl.duration(microseconds=pl.col("accepted_at")),
            scored_at=pl.lit(start).dt.replace_time_zone("UTC")
            + pl.duration(microseconds=pl.col("accepted_at") + 40_000),
            carrier=carrier,
            waybill_no=carrier + pl.int_range(serial, serial + n).cast(pl.String).str.zfill(12),
            outlet_id=carrier + "-" + pl.col("outlet").cast(pl.String).str.zfill(5),
            courier_id=pl.format("C{}-{}", pl.col("outlet"), pl.col("courier")),
            service=pl.col("service"),
            channel=pl.when(pl.col("service") == "domestic")
            .then(pl.lit("express"))
            .otherwise(pl.lit("postal")),
            decision=pl.col("decision"),
            reasons=pl.when(pl.col("decision") == "release")
            .then(pl.lit([], dtype=pl.List(pl.String())))
            .otherwise(pl.concat_list(pl.lit("MODEL_ELEVATED_RISK"))),
            risk_score=pl.lit(0.1),
            policy_version=pl.lit("policy-1"),
            model_version=pl.lit("bench"),
            case_id=pl.when(pl.col("decision") == "hold").then(
                pl.format("CASE-{}", pl.int_range(serial, serial + n))
            ),
            value_cny=pl.lit(150.0),
            cross_border=pl.col("service") != "domestic",
            main_category=pl.lit("apparel_shoes"),
            counterpart_country=pl.when(pl.col("service") == "domestic")
            .then(pl.lit("CN"))
            .otherwise(pl.lit("HK")),
            opened_inspection=pl.col("opened_inspection"),
            xray_screened=pl.col("xray_screened"),
            needs_realname=pl.col("needs_realname"),
            sender_id_present=pl.col("sender_id_present"),
            sender_id_valid=pl.col("sender_id_valid"),
            sender_id_verified=pl.col("sender_id_verified"),
            realname_exempt=~pl.col("needs_realname"),
            realname_exempt_reason=pl.when(pl.col("service") == "import")
            .then(pl.lit("import"))
            .when(~pl.col("needs_realname"))
            .then(pl.lit("agreement")),
            customer_type=pl.when(pl.col("contract"))
            .then(pl.lit("contract"))
            .otherwise(pl.lit("individual")),
            agreement_status=pl.when(pl.col("contract")).then(
                pl.when(pl.col("needs_realname")).then(pl.lit("expired")).otherwise(pl.lit("active"))
            ),
            sender_id_type=pl.when(pl.col("sender_id_present")).then(pl.lit("resident_id")),
            sender_id_key=pl.when(pl.col("sender_id_present")).then(pl.col("sender_id_key")),
            sender_id_masked=pl.when(pl.col("sender_id_present")).then(pl.lit("440106********0012")),
            sender_phone_key=pl.col("sender_phone_key"),
            sender_phone_masked=pl.lit("+86139****0001"),
            receiver_id_key=pl.lit(None, pl.String()),
            receiver_id_masked=pl.lit(None, pl.String()),
            receiver_phone_key=pl.col("receiver_phone_key"),
            receiver_phone_masked=pl.lit("+86139****0002"),
            receiver_address_key=pl.col("receiver_address_key"),
            payment_account_key=pl.lit(None, pl.String()),
            buyer_ip_key=pl.lit(None, pl.String()),
        )
        .cast(LOG_SCHEMA)
        .select(LOG_SCHEMA.names())
    )


def generate(root: Path, rows: int, *, seed: int = 47) -> None:
    """Write the simulated log, the outlet registry and the case outcomes under root."""
    rng = np.random.default_rng(seed)
    privacy = _privacy()
    t0 = time.perf_counter()
    # Keys of the pools are computed once with the real HMAC, so that a trace keys its input the same way.
    pools = {
        "sender_phone": _keys(privacy, "sph", SENDER_PHONES, {PROBE: f"+86{PROBE_PHONE}"}),
        "receiver_phone": _keys(privacy, "rph", RECEIVER_PHONES, {}),
        "sender_id": _keys(privacy, "sid", SENDER_IDS, {PROBE: f"resident_id:{PROBE_ID}"}),
        "address": _keys(privacy, "adr", ADDRESSES, {}),
    }
    print(f"keys: {time.perf_counter() - t0:.1f} s", flush=True)
    layout = LogLayout(root / "decisionlog")
    current = Period.week(WEEK)
    days = [*current.previous().dates(), *current.dates()]
    per_day = rows // len(days)
    holds = []
    for i, day in enumerate(days):
        n = per_day + (rows - per_day * len(days) if i == len(days) - 1 else 0)
        frame = _day(rng, day, n, serial=i * 10_000_000, key_pools=pools)
        folder = layout.day_dir(day.isoformat())
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(folder / "part-mbench.parquet")
        holds.append(
            frame.filter(pl.col("decision") == "hold").select("carrier", "waybill_no", "accepted_at")
        )
    all_holds = pl.concat(holds)
    closed = rng.random(all_holds.height)
    all_holds.with_columns(
        draw=pl.Series(closed), minutes=pl.Series(rng.integers(30, 4000, all_holds.height))
    ).select(
        "carrier",
        "waybill_no",
        status=pl.when(pl.col("draw") < 0.3)
        .then(pl.lit("confirmed"))
        .when(pl.col("draw") < 0.8)
        .then(pl.lit("released"))
        .otherwise(pl.lit("open")),
        opened_at=pl.col("accepted_at"),
        closed_at=pl.when(pl.col("draw") < 0.8).then(
            pl.col("accepted_at") + pl.duration(minutes=pl.col("minutes"))
        ),
    ).cast(CASE_OUTCOMES_SCHEMA).write_parquet(root / "cases.parquet")
    outlet = np.arange(OUTLETS)
    registered = outlet[outlet % 10 != 9]  # every tenth outlet is missing from the registry
    pl.DataFrame(
        {
            "outlet_id": [f"{CARRIERS[o % len(CARRIERS)]}-{o:05d}" for o in registered],
            "carrier": [CARRIERS[o % len(CARRIERS)] for o in registered],
            "province": [PROVINCES[o % DISTRICTS % CITIES % len(PROVINCES)] for o in registered],
            "city": [f"城市{o % DISTRICTS % CITIES:03d}" for o in registered],
            "district": [f"区{o % DISTRICTS:04d}" for o in registered],
            "name": [f"营业部{o:05d}" for o in registered],
        },
        schema=OUTLET_SCHEMA,
    ).write_parquet(root / "outlets.parquet")
    print(f"generated {rows:,} waybills in {time.perf_counter() - t0:.1f} s", flush=True)


def _cases(root: Path):  # type: ignore[no-untyped-def]
    def read(*, opened_from: datetime, opened_to: datetime) -> pl.DataFrame:
        return pl.read_parquet(root / "cases.parquet").filter(
            pl.col("opened_at").is_between(opened_from, opened_to, closed="left")
        )

    return read


def peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_report(root: Path) -> dict[str, float]:
    """Build and write the weekly report; wall time and peak memory of this process."""
    from screening.compliance.export import write_report
    from screening.compliance.report import build_report

    t0 = time.perf_counter()
    report = build_report(
        LogLayout(root / "decisionlog"),
        period=Period.week(WEEK),
        outlets=pl.read_parquet(root / "outlets.parquet"),
        cases=_cases(root),
    )
    t1 = time.perf_counter()
    write_report(report, root / "out")
    t2 = time.perf_counter()
    return {
        "report_compute_s": t1 - t0,
        "report_write_s": t2 - t1,
        "report_total_s": t2 - t0,
        "offending_waybills": report.offending.height,
        "peak_rss_mib": peak_rss_mib(),
    }


def measure_trace(root: Path) -> dict[str, float]:
    """Trace a phone, an ID and a waybill over both weeks; wall time of each and peak memory."""
    from screening.compliance.case_outcomes import no_case_outcomes
    from screening.compliance.trace import trace

    layout, privacy = LogLayout(root / "decisionlog"), _privacy()
    period = Period.week(WEEK)
    span = {"from": period.previous().start, "to": period.end}
    some = pl.scan_parquet(layout.day_dir(period.start.isoformat()) / "part-mbench.parquet").head(1).collect()
    queries = {
        "phone": TraceQuery.model_validate({**span, "phone": PROBE_PHONE}),
        "id": TraceQuery.model_validate({**span, "id_type": "resident_id", "id_number": PROBE_ID}),
        "waybill": TraceQuery.model_validate({**span, "waybill_no": some["waybill_no"][0]}),
    }
    out: dict[str, float] = {}
    for name, query in queries.items():
        t0 = time.perf_counter()
        found = trace(layout, query, privacy=privacy, cases=no_case_outcomes)
        out[f"trace_{name}_s"] = time.perf_counter() - t0
        out[f"trace_{name}_rows"] = found.height
    out["peak_rss_mib"] = peak_rss_mib()
    return out


def measure_append(root: Path, count: int = 200_000) -> dict[str, float]:
    """The hot path: cost of one append, and how fast the writer thread commits (fsync every 20 ms)."""
    from screening.decisionlog.journal import Journal

    record = pl.read_parquet(
        LogLayout(root / "decisionlog").day_dir("2026-11-16") / "part-mbench.parquet", n_rows=1
    )
    row = record.with_columns(pl.col(pl.Datetime).dt.epoch("us"), day=pl.lit("2026-11-16")).row(0, named=True)
    journal: Journal[dict[str, object]] = Journal(root / "append-journal", encode=lambda r: r)
    t0 = time.perf_counter()
    for _ in range(count):
        journal.append(row)
    appended = time.perf_counter() - t0
    journal.close()
    total = time.perf_counter() - t0
    return {
        "append_us": appended / count * 1e6,
        "commit_records_per_s": count / total,
        "journal_mib": sum(p.stat().st_size for p in (root / "append-journal").iterdir()) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/audit-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    parser.add_argument("--measure", choices=("report", "trace", "append"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measures = {"report": measure_report, "trace": measure_trace, "append": measure_append}
        figures = measures[args.measure](args.dir)
        print(json.dumps(figures))
        return
    shutil.rmtree(args.dir, ignore_errors=True)
    generate(args.dir, args.rows)
    size = sum(p.stat().st_size for p in (args.dir / "decisionlog").rglob("*.parquet"))
    print(f"log on disk: {size / 2**20:.0f} MiB", flush=True)
    try:
        for what in ("report", "trace", "append"):
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "screening.compliance.bench",
                    "--dir",
                    str(args.dir),
                    "--measure",
                    what,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            print(what, json.dumps({k: round(v, 2) for k, v in figures.items()}), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
