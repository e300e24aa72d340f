"""Replaying a waybill history through an engine in arrival order; violations recorded once confirmed."""

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from features.goods import GoodsCatalogue
from screening.agreements import Agreement, AgreementRegistry, parse_agreements_csv
from screening.contract import Decision, Waybill
from screening.engine import Engine
from screening.errors import InvalidInput
from screening.history import EmbeddedHistoryStore
from screening.modelling.dataset import Confirmation, confirmations
from screening.policy.schemas import Policy
from screening.ports import Scorer
from screening.privacy import PersonalData
from screening.settings import Settings
from screening.simulation import companion, waybill_dict
from screening.watchlists import Ledger


@dataclass(frozen=True, slots=True)
class Replayed:
    """The engine's answer to one history row."""

    row: int
    decision: Decision


async def replay(
    engine: Engine, history: pl.DataFrame, *, confirmed: Sequence[Confirmation] | None = None
) -> list[Replayed]:
    """Decide every row in order; a confirmed violation is recorded once its confirmation time has passed."""
    pending = list(confirmed if confirmed is not None else confirmations(history))
    pending.sort(key=lambda c: c.known_ms)
    next_confirmation = 0
    out = []
    for index, row in enumerate(history.iter_rows(named=True)):
        received = row.get("received_at") or row["accepted_at"]
        received_ms = int(received.timestamp() * 1000)
        # Leakage guard: the engine learns of a violation only after customs confirmed it.
        while next_confirmation < len(pending) and pending[next_confirmation].known_ms <= received_ms:
            await engine.record_violations(pending[next_confirmation].violations)
            next_confirmation += 1
        try:
            decision = await engine.decide(Waybill.model_validate(waybill_dict(row)))
        except (ValidationError, InvalidInput):
            continue
        out.append(Replayed(row=index, decision=decision))
    return out


@contextmanager
def replay_engine(
    *,
    settings: Settings,
    policy: Policy,
    agreements: Sequence[Agreement] = (),
    scorer: Scorer | None = None,
    goods: GoodsCatalogue | None = None,
) -> Iterator[Engine]:
    """An engine with a fresh embedded history and a throw-away ledger, for replays and training."""
    registry = AgreementRegistry()
    registry.upsert(agreements)  # no file: kept in this process only
    with tempfile.TemporaryDirectory(prefix="screening-replay-") as tmp:
        yield Engine(
            policy=policy,
            goods=goods or GoodsCatalogue.shipped(),
            agreements=registry,
            privacy=PersonalData(hmac_key=settings.id_hmac_key, encryption_key=settings.id_encryption_key),
            rates=settings.cny_rates,
            # Room for every entity of a long replay: the service's own limit would forget early ones.
            history=EmbeddedHistoryStore(max_entities=5_000_000, max_decisions=2_000_000),
            ledger=Ledger(Path(tmp) / "ledger.jsonl"),
            scorer=scorer,
        )


def history_agreements(path: Path | None, settings: Settings) -> list[Agreement]:
    """Agreements of a simulated history (its companion CSV) and of the settings' agreements file."""
    out: list[Agreement] = []
    for source in (companion(path, "agreements") if path is not None else None, settings.agreements_file):
        if source is not None and source.exists():
            out.extend(parse_agreements_csv(source.read_text(encoding="utf-8")))
    return out
