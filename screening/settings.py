"""The service's one settings class (environment variables prefixed SCREENING_)."""

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from screening.errors import ConfigurationError

PLACEHOLDER = "dev-only-change-me"
DEFAULT_POLICY = Path(__file__).parent / "policy" / "policy.toml"

# Indicative rates; production sets SCREENING_CNY_RATES from the customs exchange-rate table.
DEFAULT_RATES: dict[str, float] = {
    "CNY": 1.0,
    "USD": 7.1,
    "EUR": 7.7,
    "GBP": 9.0,
    "JPY": 0.047,
    "KRW": 0.0051,
    "HKD": 0.91,
    "MOP": 0.88,
    "TWD": 0.22,
    "SGD": 5.3,
    "AUD": 4.6,
    "CAD": 5.1,
    "RUB": 0.078,
    "THB": 0.2,
    "MYR": 1.6,
    "VND": 0.00028,
}


class Settings(BaseSettings):
    """Every setting of the service; read once through get_settings()."""

    model_config = SettingsConfigDict(env_prefix="SCREENING_", env_file=None, extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    policy_file: Path = DEFAULT_POLICY
    redis_url: str | None = None
    redis_cluster: bool = False
    redis_prefix: str = "scr:"
    redis_timeout_s: float = Field(0.2, gt=0)
    database_url: str | None = None
    sql_timeout_s: float = Field(2.0, gt=0)
    # Holds are written by a writer process (see screening/cases/writer.py), or from a thread of each worker.
    case_writer: Literal["process", "thread"] = "process"
    id_hmac_key: str = PLACEHOLDER
    id_encryption_key: str = PLACEHOLDER
    session_secret: str = PLACEHOLDER
    cny_rates: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_RATES))
    agreements_file: Path | None = None
    model_dir: Path | None = None
    max_body_bytes: int = Field(2_000_000, gt=0)
    max_batch: int = Field(1000, ge=1, le=1000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_name(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    # Benchmarking only: the echo route (/v1/bench/echo) and CPU per stage in /metrics.
    bench_echo: bool = False
    stage_timers: bool = False
    # API keys: a revoked key stops working within api_key_cache_s (every process re-reads it then).
    api_key_cache_s: float = Field(5.0, gt=0, le=300)
    key_rate_per_s: float = Field(200.0, gt=0)
    key_burst: int = Field(400, ge=1)

    @model_validator(mode="after")
    def _rates_in_cny(self) -> "Settings":
        self.cny_rates = {k.upper(): v for k, v in self.cny_rates.items()}
        # NaN and infinity pass a comparison and fail later, in the arithmetic of every parcel's value.
        if not all(math.isfinite(v) and v > 0 for v in self.cny_rates.values()):
            raise ValueError("cny_rates must all be positive finite numbers")
        if self.cny_rates.setdefault("CNY", 1.0) != 1.0:
            raise ValueError("cny_rates gives CNY a rate other than 1 (amounts are valued in CNY)")
        return self

    @property
    def development(self) -> bool:
        """True in development mode."""
        return self.env == "development"

    def check_secrets(self) -> None:
        """Refuse placeholder secrets outside development mode."""
        if self.development:
            return
        weak = [
            name
            for name in ("id_hmac_key", "id_encryption_key", "session_secret")
            if getattr(self, name) == PLACEHOLDER or len(getattr(self, name)) < 32
        ]
        if weak:
            raise ConfigurationError(
                "production mode needs real secrets (at least 32 characters): set "
                + ", ".join(f"SCREENING_{n.upper()}" for n in weak)
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment once."""
    return Settings()
