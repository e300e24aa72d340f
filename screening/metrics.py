"""Domain metrics in Prometheus form: decisions, reasons, model scores, store latencies."""

from prometheus_client import Counter, Gauge, Histogram

DECISIONS = Counter("screening_decisions_total", "Decisions by outcome", ["decision"])
REASONS = Counter("screening_reasons_total", "Reasons that fired, by code", ["code"])
MODEL_SCORE = Histogram(
    "screening_model_score",
    "Model risk scores",
    buckets=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0),
)
STORE_SECONDS = Histogram(
    "screening_store_seconds",
    "Latency of calls to the backing stores",
    ["store", "call"],
    buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
)
STORE_ERRORS = Counter(
    "screening_store_errors_total", "Calls to the backing stores that failed", ["store", "call"]
)
DECISION_LOG_LAG = Gauge(
    "screening_decision_log_lag_seconds",
    "Age of the oldest decision not yet committed to the log",
    multiprocess_mode="max",
)
STAGE_CPU = Counter(
    "screening_stage_cpu_seconds",
    "Thread CPU spent in each stage of deciding (only with SCREENING_STAGE_TIMERS=true)",
    ["stage"],
)
