"""The load guard: its verdicts, the server-side quantiles it reads, a short run against a real service."""

import csv
import math
import os
from pathlib import Path

import pytest

from loadtest.guard import Phase, locust_ms, main, verdicts
from loadtest.server import route_quantiles


def phase(name: str, cpu_us: float, *, failures: int = 0, p99_ms: float = 20.0) -> Phase:
    """A phase of 1,000 requests (and waybills) costing cpu_us each."""
    return Phase(
        name=name,
        requests=1000,
        failures=failures,
        waybills=1000,
        p50_ms=5.0,
        p99_ms=p99_ms,
        server_p50_ms=3.0,
        server_p99_ms=p99_ms,
        cpu_s=cpu_us * 1000 / 1e6,
    )


def test_a_percentile_locust_could_not_give_reads_as_nan_not_a_crash() -> None:
    # A warm-up that ended before any single scoring completed wrote "N/A" (seen in CI).
    assert math.isnan(locust_ms("N/A")) and locust_ms("12.5") == 12.5


def test_a_run_within_every_budget_passes() -> None:
    phases = [phase("echo", 800), phase("courier", 2400), phase("mix", 3000)]
    assert verdicts(phases, 3.5, p50_ms=5, p99_ms=50, max_ratio=3.0, noise=0.1) == []


def test_twice_the_cpu_per_waybill_fails_the_ratio() -> None:
    phases = [phase("echo", 800), phase("courier", 4800), phase("mix", 3000)]
    [wrong] = verdicts(phases, 3.5, p50_ms=5, p99_ms=50, max_ratio=3.0, noise=0.25)
    assert "6.00× the echo" in wrong


def test_a_failed_request_or_latency_over_budget_fails() -> None:
    phases = [phase("echo", 800), phase("courier", 2400, p99_ms=80), phase("mix", 3000, failures=1)]
    wrong = verdicts(phases, 8.5, p50_ms=5, p99_ms=50, max_ratio=3.0, noise=0.1)
    assert any("mix: 1 of 1000 requests failed" in w for w in wrong)
    assert any("p99 80.0 ms" in w for w in wrong)
    assert any("one request at a time, 8.5 ms" in w for w in wrong)


def test_a_fixed_delay_under_the_millisecond_budget_still_fails_against_the_echo() -> None:
    phases = [phase("echo", 800), phase("courier", 2400), phase("mix", 3000)]
    kept = {"p50_ms": 9.0, "p99_ms": 50, "max_ratio": 3.0, "noise": 0.1, "p50_over_echo_ms": 5.5}
    assert verdicts(phases, 4.3, echo_probe=1.9, **kept) == []
    [wrong] = verdicts(phases, 8.9, echo_probe=1.9, **kept)
    assert "7.0 ms over the echo's 1.90 ms (budget 5.5 ms)" in wrong


def test_quantiles_are_read_from_the_histogram_difference_of_one_route() -> None:
    def series(le: str, route: str = "/v1/score") -> str:
        return (
            f'screening_http_request_seconds_bucket{{method="POST",route="{route}",status="200",le="{le}"}}'
        )

    before = {series("0.002"): 10.0, series("0.005"): 10.0, series("+Inf"): 10.0}
    after = {
        series("0.002"): 10.0,  # the 100 new requests: none under 2 ms,
        series("0.005"): 60.0,  # 50 between 2 and 5 ms,
        series("+Inf"): 110.0,  # 50 over 5 ms
        series("0.002", route="/v1/bench/echo"): 999.0,
    }
    p50, p99 = route_quantiles(before, after, "/v1/score", (0.5, 0.99))
    assert p50 == pytest.approx(5.0)
    assert p99 > 5.0


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.solo
def test_a_short_guard_run_passes_and_writes_its_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCREENING_CASE_WRITER")  # the service as it runs, with its writer process
    # Margins are generous for a shared 2-core runner, yet twice the CPU per waybill (ratio ~3.4 → ~7)
    # or a 5 ms delay in scoring fails: one request at a time, p50 was 5.3 ms (11.8 ms with the delay) on
    # one VM and up to 7.9 ms on a slower one, where 7.5 ms failed a run without any delay.
    out = tmp_path / "report"
    args = ["--seconds", "8", "--echo-seconds", "6", "--warm-seconds", "2", "--rows", "8000"]
    args += ["--work", str(tmp_path / "work"), "--out", str(out)]
    args += ["--p50-ms", os.environ.get("GUARD_P50_MS", "9.0"), "--p99-ms", "400", "--max-ratio", "5.5"]
    args += ["--p50-over-echo-ms", os.environ.get("GUARD_P50_OVER_ECHO_MS", "5.5"), "--noise", "0"]
    assert main(args) == 0
    with (out / "guard.csv").open(encoding="utf-8") as f:
        rows = {row["name"]: row for row in csv.DictReader(f)}
    assert int(rows["courier"]["waybills"]) > 100 and int(rows["mix"]["failures"]) == 0
    assert (out / "mix.html").stat().st_size > 10_000
    assert (out / "mix_stats_history.csv").exists()
