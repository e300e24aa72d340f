"""The engine that decides: validate, stateless rules, history, model, history rules, decision."""

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Collection, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from features.goods import GoodsCatalogue
from features.windows import window_stats_all
from screening import metrics, stages
from screening.agreements import BULK_TIMEOUT_S, AgreementRegistry, RedisAgreementRegistry, read_seed_file
from screening.cases.snapshot import case_id_of
from screening.contract import BatchError, Decision, Reason, Waybill
from screening.decisionlog.log import DecisionLog
from screening.entities import ParcelEntities, parcel_entities
from screening.errors import DecisionNotFound, HistoryUnavailable, InvalidInput, Unavailable
from screening.history import EmbeddedHistoryStore, HistoryStore, Observation, RedisHistoryStore, Span
from screening.history.redis import connect
from screening.history.store import DEFAULT_DECISION_TTL_S, PENDING_MS
from screening.parcel import BEIJING, Parcel, prepare, unrated_currency
from screening.policy import goods, limits, pickup, realname, sampling
from screening.policy.catalogue import most_severe, reason
from screening.policy.history import HISTORY_RULES, EntityView, history_span, history_unavailable, with_older
from screening.policy.loader import load_policy
from screening.policy.schemas import Policy
from screening.ports import CaseSink, DecisionSink, Scorer
from screening.privacy import PersonalData
from screening.scoring import ModelScorer
from screening.settings import Settings
from screening.watchlists import Ledger, ListEntry, Violation

log = logging.getLogger(__name__)

Rule = Callable[[Parcel, Policy], Reason | None]

# Order only matters for ties in the answer's reason list (sorted by severity, stable).
STATELESS_RULES: tuple[Rule, ...] = (
    realname.id_invalid,
    realname.realname_missing,
    realname.realname_unverified,
    realname.buyer_id_missing,
    realname.contract_unqualified,
    goods.prohibited_item,
    limits.over_personal_limit,
    limits.cbec_single_limit,
    goods.brand_price_anomaly,
    goods.commercial_quantity,
    goods.weight_value_mismatch,
    pickup.inspection_not_recorded,
    pickup.xray_not_recorded,
    sampling.random_audit,
)

# Waybills of a batch whose history goes in one round trip: large enough to amortise it, small enough
# that the round trip stays well inside the history timeout.
BATCH_CHUNK = 64
# How far back a violation report looks for its parcel in the decision log: as long as the history keeps
# decisions by default, and the report's own day.
SEEN_DAYS = DEFAULT_DECISION_TTL_S // 86_400 + 1

_SEVERITY_ORDER = {"reject": 0, "hold": 1, "inspect": 2, "release": 3}


# How often a body sent again while its first copy is being decided looks for that decision.
PENDING_POLL_S = 0.005
# For gc.set_threshold in a serving process: net allocations before a young collection, then young and middle
# collections before the next older one (CPython's defaults: 700, 10, 10); see the app's lifespan.
GC_THRESHOLDS = (20_000, 20, 20)


def stateless_reasons(parcel: Parcel, policy: Policy) -> list[Reason]:
    """Every stateless rule that fires for the parcel."""
    out = []
    for rule in STATELESS_RULES:
        r = rule(parcel, policy)
        if r is not None:
            out.append(r)
    return out


class Engine:
    """Decides waybills with one policy, the goods catalogue, the registries and the history store."""

    def __init__(
        self,
        *,
        policy: Policy,
        goods: GoodsCatalogue,
        agreements: AgreementRegistry,
        privacy: PersonalData,
        rates: dict[str, float],
        history: HistoryStore,
        ledger: Ledger,
        scorer: Scorer | None = None,
        cases: CaseSink | None = None,
        log: DecisionSink | None = None,
        clock: Callable[[], datetime] | None = None,
        stage_timers: bool = False,
        agreements_seed: Path | None = None,
    ) -> None:
        self.policy = policy
        self._span_of: Policy | None = None
        self._history_span: Span | None = None
        self.goods = goods
        self.agreements = agreements
        self.privacy = privacy
        self.rates = rates
        self.history = history
        self.ledger = ledger
        self.scorer = scorer
        self.cases = cases
        self.log = log
        self._clock = clock or (lambda: datetime.now(BEIJING))
        self.stage_timers = stage_timers
        self._agreements_seed = agreements_seed

    def prepare(self, waybill: Waybill) -> Parcel:
        """The facts of one waybill (raises InvalidInput for an unsupported currency)."""
        return prepare(
            waybill, policy=self.policy, rates=self.rates, goods=self.goods, agreements=self.agreements
        )

    def unrated_currency(
        self, raw: Any, *, named: Collection[tuple[Any, ...]], at: Sequence[Any]
    ) -> list[dict[str, Any]]:
        """The missing-rate error of a waybill body that failed validation on other fields (named: their
        locations in the waybill), located at `at`: every offending field is named at once."""
        currency = raw.get("currency") if isinstance(raw, dict) else None
        # As the contract reads it: trimmed, upper case (a code it refuses is named there already).
        if not isinstance(currency, str) or currency.strip().upper() in self.rates or ("currency",) in named:
            return []
        return [{**d, "loc": [*at, *d["loc"][1:]]} for d in unrated_currency().detail]

    async def readiness(self) -> dict[str, bool]:
        """What the service needs to decide, and whether each part answers."""
        return {"policy": True, "history": await self.history.ping()}

    async def start(self) -> None:
        """Seed the agreement registry from the operator's file, replay list changes and violations into the
        history store (idempotent)."""
        # A file that does not parse refuses the start (InvalidInput names its lines).
        seed = read_seed_file(self._agreements_seed) if self._agreements_seed is not None else None
        try:
            await self.agreements.load(seed)
        except Unavailable:
            # Scoring goes on with the registry as the other nodes left it; the next start seeds it.
            log.exception("the agreement registry could not be loaded or seeded at start")
        with suppress(HistoryUnavailable):
            await self._apply(self.ledger.read())

    async def close(self) -> None:
        """Commit the decision log and release the stores."""
        if self.log is not None:
            await asyncio.to_thread(self.log.close)
        await self.agreements.close()
        await self.history.close()

    async def set_listed(self, entries: Sequence[ListEntry]) -> int:
        """Put identifiers on lists (or take them off); durable before the store is touched."""
        records: list[dict[str, Any]] = [
            {"op": "list", "key": key, "list": e.list, "listed": e.listed}
            for e in entries
            for key in e.keys(self.privacy)
        ]
        self.ledger.append(records)
        await self._apply(records)
        return len(entries)

    async def record_violations(self, violations: Sequence[Violation]) -> int:
        """Record confirmed violations of identifiers; durable before the store is touched."""
        records: list[dict[str, Any]] = [
            {"op": "violation", "key": key, "at_ms": v.at_ms, "parcel": v.parcel}
            for v in violations
            for key in v.keys(self.privacy)
        ]
        self.ledger.append(records)
        await self._apply(records)
        return len(violations)

    async def seen_parcel(self, *, carrier: str, waybill_no: str, reported_at: datetime) -> "ParcelSeen":
        """Entity keys the parcel was counted under when last scored, and its pickup; empty when unknown."""
        stored = await self.history.recall(parcel=f"{carrier}:{waybill_no}")
        if stored is not None:
            remembered = Remembered.model_validate_json(stored.decision_json)
            return ParcelSeen(
                entities=remembered.entities | remembered.twins, accepted_at=remembered.accepted_at
            )
        if self.log is None:
            return ParcelSeen(entities={}, accepted_at=None)
        # Not remembered: decided while the history was unreachable (or forgotten early, say by a failover).
        # The decision log has every scoring, with the entity keys it counted under.
        day = reported_at.astimezone(BEIJING).date()
        scoring = await asyncio.to_thread(
            self.log.last_scoring,
            carrier=carrier,
            waybill_no=waybill_no,
            start=day - timedelta(days=SEEN_DAYS),
            end=day + timedelta(days=1),
        )
        if scoring is None:
            return ParcelSeen(entities={}, accepted_at=None)
        return ParcelSeen(entities=scoring.entities, accepted_at=scoring.accepted_at)

    async def _apply(self, records: Sequence[dict[str, Any]]) -> None:
        for r in records:
            if r["op"] == "list":
                await self.history.set_listed(entity=r["key"], list_name=r["list"], listed=r["listed"])
            elif r["op"] == "violation":
                await self.history.record_violation(entity=r["key"], at_ms=r["at_ms"], parcel=r["parcel"])

    async def recall(self, *, carrier: str, waybill_no: str) -> Decision:
        """The latest decision for a parcel."""
        stored = await self.history.recall(parcel=f"{carrier}:{waybill_no}")
        if stored is None:
            # A hold decided while the history was down (or could not keep it) is still in its case.
            held = None
            if self.cases is not None:
                held = await self.cases.held_decision(case_id_of(carrier, waybill_no))
            if held is None:
                raise DecisionNotFound(f"no decision for {carrier} {waybill_no}")
            return held
        remembered = Remembered.model_validate_json(stored.decision_json)
        decision = remembered.decision
        # The case of an earlier, held body as well: the courier learns it is still open, or released.
        case_id = remembered.case_of_parcel
        if case_id is not None and self.cases is not None:
            status = await self.cases.case_status(case_id)
            decision = decision.model_copy(update={"case_status": status})
        return decision

    async def decide(self, waybill: Waybill) -> Decision:
        """Decide one waybill; the same body re-sent gets the same decision and counts once."""
        lap = stages.lap(self.stage_timers)
        facts = self._facts(waybill)
        # A contract customer's agreement: the registry's version is read in the history's round trip, since
        # another node may have changed the registry after this worker last read it.
        watch = self.agreements.version_key if waybill.sender.customer_type == "contract" else None
        lap("prepare")
        started = time.perf_counter()
        try:
            observed = await self.history.observe(
                parcel=waybill.parcel_key, entities=facts.entities.events, span=self._span(), watch=watch
            )
            if watch is not None and await self.agreements.moved(observed.watched):
                facts = replace(facts, parcel=self.prepare(waybill))
            if observed.previous is not None and observed.previous.pending:
                observed = await self._decided_meanwhile(waybill.parcel_key, observed)
            seen: Observation | None = observed
        except HistoryUnavailable:
            seen = None
            metrics.STORE_ERRORS.labels("history", "observe").inc()
        metrics.STORE_SECONDS.labels("history", "observe").observe(time.perf_counter() - started)
        lap("redis")
        decision, fresh = await self._conclude(facts, seen, lap)
        if not fresh:
            return await self._with_case_status(decision)
        earlier = None
        if seen is not None:
            [earlier] = await self._keep([(facts, seen, decision)])
            lap("redis")
        self._record(decision, facts, lap, replaces_day=_replaced_day(facts, earlier))
        return decision

    def _facts(self, waybill: Waybill) -> "Facts":
        parcel = self.prepare(waybill)
        digest = body_digest(waybill)
        entities = parcel_entities(parcel, privacy=self.privacy, goods=self.goods, digest=digest)
        return Facts(waybill=waybill, parcel=parcel, digest=digest, entities=entities)

    async def _conclude(
        self, facts: "Facts", seen: Observation | None, lap: Callable[[str], None]
    ) -> tuple[Decision, bool]:
        """The decision on observed history, and whether it is new (not the remembered one of a re-send)."""
        decision, fresh = self._judge(facts, seen, lap)
        if fresh and decision.decision == "hold":
            decision = await self._open_case(decision, facts, seen)
            lap("cases")
        return decision, fresh

    def _judge(
        self, facts: "Facts", seen: Observation | None, lap: Callable[[str], None]
    ) -> tuple[Decision, bool]:
        """_conclude without the hold's case."""
        parcel, entities = facts.parcel, facts.entities
        if seen is not None and seen.previous is not None and seen.previous.digest == facts.digest:
            return Remembered.model_validate_json(seen.previous.decision_json).decision, False
        reasons = stateless_reasons(parcel, self.policy)
        views: list[EntityView] | None = None
        if seen is None:
            reasons.append(history_unavailable(parcel, self.policy))
        else:
            views = self._views(entities, seen)
            for rule in HISTORY_RULES:
                r = rule(parcel, views, self.policy)
                if r is not None:
                    reasons.append(r)
        lap("rules")
        risk = 0.0
        if self.scorer is not None:
            risk = self.scorer.score(parcel, views)
            r = self._model_reason(parcel, views, risk)
            if r is not None:
                reasons.append(r)
        lap("model")
        decision = self._decision(parcel, reasons, risk_score=risk)
        lap("rules")
        return decision, True

    async def _open_case(self, decision: Decision, facts: "Facts", seen: Observation | None) -> Decision:
        if self.cases is None:
            return decision
        case_id, status = await self.cases.open_case(
            decision=decision, parcel=facts.parcel, entities=facts.entities
        )
        # A parcel scored before may have a case an officer already closed: a new hold does not reopen it,
        # and the answer says so (the writer's status is the case's after the hold, history or not).
        decision = decision.model_copy(update={"case_id": case_id, "case_status": status or "open"})
        if status is not None:
            return decision
        # In the outbox: without history (seen None) or for a re-send, its case may be in SQL already.
        return await self._with_case_status(decision) if seen is None or seen.previous else decision

    async def _with_case_status(self, decision: Decision) -> Decision:
        """The decision with its case's status now (a re-sent hold's case may have moved on)."""
        if decision.case_id is None or self.cases is None:
            return decision
        status = await self.cases.case_status(decision.case_id)
        return decision.model_copy(update={"case_status": status or decision.case_status})

    @staticmethod
    def _remembered(decision: Decision, facts: "Facts", earlier: "Remembered | None") -> bytes:
        case_id = decision.case_id or (earlier.case_of_parcel if earlier is not None else None)
        return (
            Remembered(
                decision=decision,
                entities=facts.entities.kinds,
                twins=facts.entities.twins,
                case_id=case_id,
                accepted_at=facts.waybill.accepted_at,
            )
            .model_dump_json()
            .encode()
        )

    def _record(
        self, decision: Decision, facts: "Facts", lap: Callable[[str], None], *, replaces_day: date | None
    ) -> None:
        if self.log is not None:
            self.log.append(
                decision=decision, parcel=facts.parcel, entities=facts.entities, replaces_day=replaces_day
            )
        lap("log")
        metrics.DECISIONS.labels(decision.decision).inc()
        for r in decision.reasons:
            metrics.REASONS.labels(r.code).inc()
        if self.scorer is not None:
            metrics.MODEL_SCORE.observe(decision.risk_score)
        lap("metrics")

    def _model_reason(self, parcel: Parcel, views: list[EntityView] | None, risk: float) -> Reason | None:
        m = self.policy.model
        if risk > m.hold_threshold:
            code, threshold = "MODEL_HIGH_RISK", m.hold_threshold
        elif risk > m.inspect_threshold:
            code, threshold = "MODEL_ELEVATED_RISK", m.inspect_threshold
        else:
            return None
        assert self.scorer is not None
        # Contributions cost several predictions' worth: computed only where a model reason fires.
        factors = self.scorer.explain(parcel, views, top=m.top_factors)
        shown = _over(risk, threshold)
        return reason(
            code,
            words={"score": shown},
            # Four decimals, or as many as the sentence needs to show the score over the threshold.
            score=round(risk, max(4, len(shown.partition(".")[2]))),
            threshold=threshold,
            top_factors=[[name, round(value, 4)] for name, value in factors],
            model_version=self.model_version,
        )

    async def decide_batch(
        self, raw: Sequence[Any], *, carrier: str | None = None
    ) -> list[Decision | BatchError]:
        """Decide waybills in request order; an invalid one, or one not of carrier when given, fails alone.

        The same decisions as deciding one after the other: the history of a chunk of waybills is read and
        updated in one round trip, in request order, and a parcel sent twice in the batch starts a new chunk.
        """
        out: list[Decision | BatchError | None] = [None] * len(raw)
        await self.agreements.refresh()
        chunk: list[tuple[int, Facts]] = []
        keys: set[str] = set()  # the chunk's parcels
        for i, item in enumerate(raw):
            try:
                waybill = Waybill.model_validate(item)
                if carrier is not None and waybill.carrier != carrier:
                    msg = f"this key is for carrier {carrier}; carrier {waybill.carrier} is not its own"
                    detail = [{"loc": ["body", "waybills", i, "carrier"], "msg": msg, "type": "forbidden"}]
                    out[i] = BatchError.model_validate({"error": {"detail": detail}})
                    continue
                facts = self._facts(waybill)
            except ValidationError as exc:
                named = {tuple(e["loc"]) for e in exc.errors(include_url=False)}
                detail = batch_detail(exc, i) + self.unrated_currency(
                    item, named=named, at=["body", "waybills", i]
                )
                out[i] = BatchError.model_validate({"error": {"detail": detail}})
                continue
            except InvalidInput as exc:
                detail = [{**d, "loc": ["body", "waybills", i, *d["loc"][1:]]} for d in exc.detail]
                out[i] = BatchError.model_validate({"error": {"detail": detail}})
                continue
            key = waybill.parcel_key
            if len(chunk) == BATCH_CHUNK or key in keys:
                await self._decide_chunk(chunk, out)
                chunk, keys = [], set()
            chunk.append((i, facts))
            keys.add(key)
        await self._decide_chunk(chunk, out)
        return [d for d in out if d is not None]

    async def _decide_chunk(
        self, chunk: list[tuple[int, "Facts"]], out: list[Decision | BatchError | None]
    ) -> None:
        retake = False
        while chunk:
            seen_all = await self._observe_chunk(chunk, retake=retake)
            cut = _correction_cut(chunk, seen_all)
            await self._settle(chunk[:cut], seen_all[:cut], out)
            # The rest is observed again after the correction's forget, its first observation taken back in
            # the same round trip: else each would see the slots after it, which request order hides.
            chunk, retake = chunk[cut:], True

    async def _observe_chunk(
        self, chunk: list[tuple[int, "Facts"]], *, retake: bool = False
    ) -> list[Observation | None]:
        started = time.perf_counter()
        seen_all: list[Observation | None]
        try:
            observed = await self.history.observe_many(
                [(f.waybill.parcel_key, f.entities.events) for _, f in chunk], self._span(), retake=retake
            )
            waiting = [k for k, seen in enumerate(observed) if seen.previous and seen.previous.pending]
            settled = await asyncio.gather(
                *(self._decided_meanwhile(chunk[k][1].waybill.parcel_key, observed[k]) for k in waiting)
            )
            for k, seen in zip(waiting, settled, strict=True):
                observed[k] = seen
            seen_all = list(observed)
        except HistoryUnavailable:
            seen_all = [None] * len(chunk)
            metrics.STORE_ERRORS.labels("history", "observe").inc()
        metrics.STORE_SECONDS.labels("history", "observe_many").observe(time.perf_counter() - started)
        return seen_all

    async def _settle(
        self,
        chunk: list[tuple[int, "Facts"]],
        seen_all: list[Observation | None],
        out: list[Decision | BatchError | None],
    ) -> None:
        """Judge observed parcels, open their holds' cases, remember and log their decisions."""
        lap = stages.lap(False)
        judged = [self._judge(facts, seen, lap) for (_, facts), seen in zip(chunk, seen_all, strict=True)]
        # The chunk's holds open their cases together: the case writer commits them in one transaction.
        held = [k for k, (decision, fresh) in enumerate(judged) if fresh and decision.decision == "hold"]
        opened = await asyncio.gather(
            *(self._open_case(judged[k][0], chunk[k][1], seen_all[k]) for k in held)
        )
        for k, decision in zip(held, opened, strict=True):
            judged[k] = (decision, True)
        resent = [
            k for k, (decision, fresh) in enumerate(judged) if not fresh and decision.case_id is not None
        ]
        current = await asyncio.gather(*(self._with_case_status(judged[k][0]) for k in resent))
        for k, decision in zip(resent, current, strict=True):
            judged[k] = (decision, False)
        kept: list[tuple[Facts, Observation, Decision]] = []
        for (i, facts), seen, (decision, fresh) in zip(chunk, seen_all, judged, strict=True):
            out[i] = decision
            if fresh and seen is not None:
                kept.append((facts, seen, decision))
        earlier = dict(zip((id(f) for f, _, _ in kept), await self._keep(kept), strict=True)) if kept else {}
        for (_, facts), (decision, fresh) in zip(chunk, judged, strict=True):
            if fresh:
                self._record(decision, facts, lap, replaces_day=_replaced_day(facts, earlier.get(id(facts))))

    async def _decided_meanwhile(self, parcel: str, seen: Observation) -> Observation:
        """The observation with the decision of the body another call was deciding when this one observed
        (none if that call gave up): a body sent twice at once is decided, logged and counted once."""
        deadline = time.monotonic() + PENDING_MS / 1000
        while time.monotonic() < deadline:
            await asyncio.sleep(PENDING_POLL_S)
            decided = await self.history.recall(parcel=parcel)
            if decided is not None:
                return replace(seen, previous=decided)
        return replace(seen, previous=None)

    async def _keep(
        self, decided: Sequence[tuple["Facts", Observation, Decision]]
    ) -> list["Remembered | None"]:
        """Remember fresh decisions for re-sends; a corrected body also undoes what its earlier one left.

        Returns what was remembered of each parcel's earlier, different body (None for a first body).
        """
        earlier = [_earlier(facts, seen) for facts, seen, _ in decided]
        with suppress(HistoryUnavailable):
            # Forgotten before the new body is remembered: should forgetting fail, a re-send still finds the
            # earlier body's decision, with its entities, and forgets them then.
            for (facts, _, _), e in zip(decided, earlier, strict=True):
                stale = _stale_entities(facts, e)
                if stale:
                    await self.history.forget(parcel=facts.waybill.parcel_key, entities=stale)
            now: list[tuple[str, str, bytes]] = []
            soon: list[tuple[str, str, bytes]] = []
            for (facts, _, decision), e in zip(decided, earlier, strict=True):
                # A first body released or inspected rides on the next round trip: one round trip a waybill
                # (ARCHITECTURE). A hold, whose case the re-send must find, and a correction are written now.
                first = e is None and decision.decision != "hold"
                (soon if first else now).append(
                    (facts.waybill.parcel_key, facts.digest, self._remembered(decision, facts, e))
                )
            if now:
                await self.history.remember_many(now)
            if soon:
                await self.history.remember_soon(soon)
        for (facts, _, decision), e in zip(decided, earlier, strict=True):
            # A corrected body no longer held: the case an earlier body opened says so (its status stays).
            case_id = e.case_of_parcel if e is not None else None
            if case_id is not None and decision.decision != "hold" and self.cases is not None:
                await self.cases.note_not_held(
                    case_id=case_id,
                    decision=decision,
                    entities=facts.entities,
                    accepted_at=facts.waybill.accepted_at,
                )
        return earlier

    @property
    def model_version(self) -> str:
        """Version of the model in use, 'none' without one."""
        return self.scorer.version if self.scorer is not None else "none"

    def _span(self) -> Span | None:
        # The policy may be swapped at any time (tests, a reload): the span follows it.
        if self._span_of is not self.policy:
            self._span_of, self._history_span = self.policy, history_span(self.policy)
        return self._history_span

    def _views(self, entities: ParcelEntities, seen: Observation) -> list[EntityView]:
        band = self.policy.limits.near_limit_band
        views = []
        for key, event in entities.events.items():
            history = seen.entities[key]
            stats = with_older(window_stats_all(history.events, event, band=band), history)
            views.append(
                EntityView(kind=entities.kinds[key], key=key, history=history, stats=stats, current=event)
            )
        return views

    def _decision(self, parcel: Parcel, reasons: list[Reason], *, risk_score: float) -> Decision:
        reasons.sort(key=lambda r: _SEVERITY_ORDER[r.outcome])
        w = parcel.waybill
        return Decision(
            waybill_no=w.waybill_no,
            carrier=w.carrier,
            decision=most_severe(reasons),
            risk_score=risk_score,
            reasons=reasons,
            case_id=None,
            model_version=self.model_version,
            policy_version=self.policy.version,
            scored_at=self._clock(),
        )


@dataclass(frozen=True, slots=True)
class Facts:
    """What deciding a waybill starts from: its facts, body digest and entities."""

    waybill: Waybill
    parcel: Parcel
    digest: str
    entities: ParcelEntities


class ParcelSeen(NamedTuple):
    """What the engine remembers of a parcel it scored: entity keys (→ kind) and its pickup."""

    entities: dict[str, str]
    accepted_at: datetime | None


class Remembered(BaseModel):
    """What the history store keeps per parcel: the decision and the entity keys it counted under."""

    decision: Decision
    entities: dict[str, str]
    # Keys a violation of the parcel reaches beyond those it counted under (ParcelEntities.twins).
    twins: dict[str, str] = {}
    # The parcel's case, opened by this body or an earlier, held one (None in records kept before it was).
    case_id: str | None = None
    # The pickup, in event time: a violation found later is dated at it (None: remembered before it was kept).
    accepted_at: datetime | None = None

    @property
    def case_of_parcel(self) -> str | None:
        """The parcel's case, opened by this body or an earlier one."""
        return self.decision.case_id or self.case_id


def _over(score: float, threshold: float) -> str:
    """The score in as few decimals (two at least) as show it above the threshold: 0.801, not 0.8."""
    for decimals in range(2, 10):
        shown = f"{score:.{decimals}f}"
        if float(shown) > threshold:
            return shown
    return shown


def _replaced_day(facts: Facts, earlier: Remembered | None) -> date | None:
    """The earlier body's pickup day when this corrected body moved the parcel to another day."""
    if earlier is None or earlier.accepted_at is None:
        return None
    day = earlier.accepted_at.astimezone(BEIJING).date()
    return day if day != facts.parcel.local_day else None


def _earlier(facts: Facts, seen: Observation) -> Remembered | None:
    """What was remembered for an earlier, different body of the parcel, if anything."""
    previous = seen.previous
    if previous is None or previous.digest == facts.digest:
        return None
    try:
        return Remembered.model_validate_json(previous.decision_json)
    except ValidationError:
        return None  # remembered by an older release in another form: nothing known of it


def _correction_cut(chunk: Sequence[tuple[int, Facts]], seen_all: Sequence[Observation | None]) -> int:
    """How many of a chunk's parcels to settle before the rest is observed again: up to a correction that
    takes its parcel off an entity a later parcel of the chunk counts under (observed before the forget,
    that parcel still saw the earlier body there)."""
    for k, ((_, facts), seen) in enumerate(zip(chunk, seen_all, strict=True)):
        stale = _stale_entities(facts, _earlier(facts, seen)) if seen is not None else []
        if stale and any(key in f.entities.events for _, f in chunk[k + 1 :] for key in stale):
            return k + 1
    return len(chunk)


def _stale_entities(facts: Facts, earlier: Remembered | None) -> list[str]:
    """Entities the earlier body counted the parcel under and this body does not."""
    # A corrected sender, receiver, phone or address: the parcel counts once, under the body in force.
    if earlier is None:
        return []
    return [key for key in earlier.entities if key not in facts.entities.events]


def body_digest(waybill: Waybill) -> str:
    """Digest of a waybill's content: equal bodies, equal digests."""
    return hashlib.blake2b(waybill.model_dump_json().encode(), digest_size=12).hexdigest()


def batch_detail(exc: ValidationError, index: int) -> list[dict[str, Any]]:
    """Pydantic errors of one batch slot, located inside the batch body."""
    return [
        {"loc": ["body", "waybills", index, *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def build_engine(settings: Settings) -> Engine:
    """The engine for these settings: policy, goods catalogue, registries and keys."""
    settings.check_secrets()
    data_dir = settings.data_dir
    history: HistoryStore
    agreements: AgreementRegistry
    if settings.redis_url:
        history = RedisHistoryStore.from_url(
            settings.redis_url,
            cluster=settings.redis_cluster,
            prefix=settings.redis_prefix,
            timeout_s=settings.redis_timeout_s,
        )
        agreements = RedisAgreementRegistry(
            connect(settings.redis_url, cluster=settings.redis_cluster, timeout_s=BULK_TIMEOUT_S),
            prefix=settings.redis_prefix,
            timeout_s=settings.redis_timeout_s,
            legacy=data_dir / "agreements.csv",
        )
    else:
        history = EmbeddedHistoryStore()
        agreements = AgreementRegistry(data_dir / "agreements.csv", seeded=data_dir / "agreements.seeded.csv")
    policy = load_policy(settings.policy_file)
    return Engine(
        history=history,
        ledger=Ledger(data_dir / "ledger.jsonl"),
        policy=policy,
        goods=GoodsCatalogue.shipped(),
        agreements=agreements,
        privacy=PersonalData(hmac_key=settings.id_hmac_key, encryption_key=settings.id_encryption_key),
        rates=settings.cny_rates,
        scorer=ModelScorer.load_production(settings.model_dir or data_dir / "models"),
        log=DecisionLog.open(data_dir / "decisionlog", policy=policy),
        stage_timers=settings.stage_timers,
        agreements_seed=settings.agreements_file,
    )
