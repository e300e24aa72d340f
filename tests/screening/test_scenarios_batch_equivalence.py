"""A batch decides exactly as the same waybills scored one after the other, in request order.

Written from ../shared/contract/README.md ("POST /v1/score/batch ... in the same order. Waybills are scored in
request order (a later parcel sees the history of the earlier ones). An invalid waybill fails alone";
"Idempotency": a re-sent body gets the same decision and changes nothing, a changed body is scored again and
the parcel still counts once), the README (the batch route; a correction that changes who the parcel belongs
to takes it off the entities only the earlier body had; another carrier's slot fails alone in a keyed batch)
and RULES.md §3 (the history rules whose figures show what the history holds).

Two fresh engines get the same waybills: one decides them one by one (`Engine.decide`), the other in batches
(`Engine.decide_batch`). Every slot must carry the same decision, reason codes and evidence (not `scored_at`,
case ids or case status); afterwards the two histories must say the same thing, which is read by scoring
the same probe parcel for each sender, receiver, phone, address, account and IP on both engines, and by
reading back each parcel's latest decision. The property tests run on the embedded store; the hand-written
sequences that sit on the engine's chunk boundaries (it reads history 64 waybills at a time) run on every
store (`history_engine`, with a twin engine on the same kind of store for the one-by-one side).

The property sequences mix, from a small pool of senders, receivers, buyers, phones, buildings, accounts and
IPs: exports and imports around the personal limit (rings, near-limit splits, same goods), cbec purchases
against the annual quota, domestic filler, exact re-sends, corrections (value, pickup time, and in two of the
four variants sender or receiver), bad slots and another carrier's parcels, cut into batches of random sizes
(1 to 80, so chunks of 64 are crossed). The variant with corrections of who sent or received has pickup times
rising with the slot and no cbec; the variant with everything mixed pins an example that once failed (a
slot after a correction saw the slots after it when the rest of the chunk was observed again).

Readings used here, where the sources leave a choice:
- "Scored in request order" means a parcel's decision depends only on the slots before it: a slot never
  sees a later slot of the same request, whatever the pickup times (a later slot picked up earlier is, for
  the earlier slot, a parcel not yet seen; one picked up at the same instant is one "seen" after it).
- An invalid slot compares with the same body scored alone by the fields its errors name (loc below the
  slot, and type); for one body alone the engine raises the validation error (or InvalidInput for a
  currency without a rate) instead of answering a slot.
- A keyed batch (a carrier's key) answers another carrier's slot with an error naming `carrier`; one by one
  that body would be refused (403) and count nothing, so the one-by-one side skips it.
- Probes are scored under a sensitive copy of the policy (every history rule fires from a second parcel
  on, the annual cbec quota is 1 CNY, linked waybills are not cut short), switched on both engines alike
  after the sequence, so that every count, sum, first-seen day and linked waybill shows in the evidence.
"""

import itertools
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.app import create_app
from screening.contract import BatchError, Decision, Waybill
from screening.engine import BATCH_CHUNK, Engine, build_engine
from screening.errors import DecisionNotFound, InvalidInput
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.conftest import store_settings
from tests.factories import BASE_TIME, NO_ID, Whole, item, macau_receiver, party, resident_id, waybill

pytestmark = pytest.mark.anyio

# The shipped policy with random audit off (as the conftest's `policy` fixture).
POLICY: Policy = load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


def _sensitive(base: Policy) -> Policy:
    """A copy of the policy under which every history rule fires from an entity's second parcel on."""
    h = base.history
    history = h.model_copy(
        update={
            "linked_max": 500,
            "ant_sender": h.ant_sender.model_copy(
                update={"parcels_24h": 2, "parcels_7d": 2, "distinct_receivers": 1, "total_times_limit": 0.01}
            ),
            "ant_receiver": h.ant_receiver.model_copy(
                update={"parcels_7d": 2, "distinct_senders": 1, "total_times_limit": 0.01}
            ),
            "near_limit": h.near_limit.model_copy(update={"min_count": 2}),
            "same_goods": h.same_goods.model_copy(update={"parcels": 2, "counterparts": 1}),
            "velocity": h.velocity.model_copy(
                update={"min_history_days": 1, "times_median": 0.01, "min_parcels_24h": 2}
            ),
        }
    )
    limits = base.limits.model_copy(update={"cbec_annual_cny": 1.0})
    return base.model_copy(update={"history": history, "limits": limits, "version": "probe-policy"})


PROBE_POLICY = _sensitive(POLICY)

HOUR = timedelta(hours=1)
# Property sequences are picked up within two days; probes come after them.
PROBE_HOURS = 49.0

# Outcome of one slot: ("decision", the decision without its clock and case), ("error", the fields named),
# ("forbidden",) for another carrier's waybill under a carrier's key.
Outcome = tuple[Any, ...]


# Engines ------------------------------------------------------------------------------------------------


@asynccontextmanager
async def fresh_engines(count: int = 2) -> AsyncIterator[list[Engine]]:
    """Fresh engines on the embedded store, each with its own data dir, with the test policy."""
    with tempfile.TemporaryDirectory() as folder:
        engines = []
        for n in range(count):
            e = build_engine(Settings(env="development", data_dir=Path(folder) / f"e{n}"))
            e.policy = POLICY
            engines.append(e)
        try:
            yield engines
        finally:
            for e in engines:
                await e.close()


@pytest.fixture
async def twin(
    history_engine: Engine, request: pytest.FixtureRequest, tmp_path: Path, policy: Policy
) -> AsyncIterator[tuple[Engine, Engine]]:
    """(batch engine, one-by-one engine): `history_engine` and a fresh engine on the same kind of store."""
    backend = request.node.callspec.params["history_engine"]
    single = build_engine(store_settings(request, backend, tmp_path / "one-by-one"))
    single.policy = policy
    await single.start()
    yield history_engine, single
    await single.close()


# Comparing ----------------------------------------------------------------------------------------------


def comparable(d: Decision) -> dict[str, Any]:
    """A decision without its clock and its case (cases are not the history's)."""
    return d.model_dump(mode="json", exclude={"scored_at", "case_id", "case_status"})


def _named(errors: Sequence[Any], skip: int) -> frozenset[tuple[tuple[Any, ...], str]]:
    return frozenset((tuple(e["loc"][skip:]), e["type"]) for e in errors)


async def one_by_one(engine: Engine, bodies: Sequence[Any], *, key: str | None = None) -> list[Outcome]:
    """Each body scored alone, in order, as POST /v1/score would (a body of another carrier is refused)."""
    out: list[Outcome] = []
    for body in bodies:
        try:
            wb = Waybill.model_validate(body)
        except ValidationError as exc:
            out.append(("error", _named(exc.errors(include_url=False), 0)))
            continue
        if key is not None and wb.carrier != key:
            out.append(("forbidden",))
            continue
        try:
            out.append(("decision", comparable(await engine.decide(wb))))
        except InvalidInput as exc:
            out.append(("error", _named(exc.detail, 1)))
    return out


def _slot(index: int, d: Decision | BatchError) -> Outcome:
    if isinstance(d, Decision):
        return ("decision", comparable(d))
    detail = [e.model_dump() for e in d.error.detail]
    assert all(e["loc"][:3] == ["body", "waybills", index] for e in detail), detail
    if [e["type"] for e in detail] == ["forbidden"]:
        assert detail[0]["loc"][3:] == ["carrier"], detail
        return ("forbidden",)
    return ("error", _named(detail, 3))


async def in_batches(
    engine: Engine, bodies: Sequence[Any], sizes: Sequence[int], *, key: str | None = None
) -> list[Outcome]:
    """The bodies sent as consecutive batches of the given sizes (cycled), slots in request order."""
    out: list[Outcome] = []
    start = 0
    for size in itertools.cycle(sizes):
        if start >= len(bodies):
            break
        part = list(bodies[start : start + size])
        answered = await engine.decide_batch(part, carrier=key)
        assert len(answered) == len(part)
        out.extend(_slot(i, d) for i, d in enumerate(answered))
        start += size
    return out


async def decisions_of(engine: Engine, bodies: Sequence[dict[str, Any]]) -> list[Decision]:
    """Valid bodies decided one by one (for hand-written expectations)."""
    return [await engine.decide(Waybill.model_validate(b)) for b in bodies]


async def batch_decisions(
    engine: Engine, bodies: Sequence[Any], *, key: str | None = None
) -> list[Decision | BatchError]:
    """One batch."""
    answered = await engine.decide_batch(list(bodies), carrier=key)
    assert len(answered) == len(bodies)
    return answered


def decided(d: Decision | BatchError) -> Decision:
    """A slot that must be a decision."""
    assert isinstance(d, Decision), d
    return d


def codes(d: Decision | BatchError) -> set[str]:
    """Reason codes of a decision slot."""
    return {r.code for r in decided(d).reasons}


def evidence(d: Decision | BatchError, code: str) -> dict[str, Any]:
    """Evidence of one reason of a decision slot (fails when it is absent)."""
    found = [r.evidence for r in decided(d).reasons if r.code == code]
    assert found, f"{code} not in {sorted(codes(d))}"
    return found[0]


async def recalled(engine: Engine, parcels: Sequence[tuple[str, str]]) -> list[Any]:
    """Each parcel's latest decision as the read-back route gives it (None when none)."""
    out: list[Any] = []
    for carrier, number in parcels:
        try:
            out.append(comparable(await engine.recall(carrier=carrier, waybill_no=number)))
        except DecisionNotFound:
            out.append(None)
    return out


async def probed(engine: Engine, probes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The probe parcels scored one by one under the sensitive probe policy."""
    engine.policy = PROBE_POLICY
    try:
        return [comparable(d) for d in await decisions_of(engine, probes)]
    finally:
        engine.policy = POLICY


# The small world of the property tests --------------------------------------------------------------------

GOODS = (
    ("面霜 face cream", "cosmetics"),
    ("纯棉T恤 cotton T-shirt", "apparel_shoes"),
    ("蓝牙耳机 bluetooth earphones", "electronics"),
)
SENDER_PHONES = ("13800138001", "13800138002", "13800138003")
SENDER_BUILDINGS = ("张江路88号3号楼", "碧波路690号1号楼")
ABROAD = (  # country, city, district, building
    ("HK", "Hong Kong", "Kowloon", "88 Nathan Road"),
    ("MO", "Macau", "Taipa", "Rua de Braga 12, Bloco 3"),
    ("JP", "Tokyo", "Minato", "1-2-3 Roppongi"),
)
ABROAD_PHONES = {"HK": ("+85291234501", "+85291234502"), "MO": ("+85366120001",), "JP": ("+81312345601",)}
MAINLAND_PHONES = ("13912345601", "13912345602")
MAINLAND_BUILDINGS = ("建国路93号万达广场8号楼", "望京街10号2号楼")
FOREIGN = (  # country, city, district, building, phone
    ("HK", "Hong Kong", "Central", "18 Queen's Road", "+85221234567"),
    ("JP", "Osaka", "Kita", "4-5 Umeda", "+81612345678"),
    ("US", "New York", "Manhattan", "350 Fifth Avenue", "+12125550123"),
)
ACCOUNTS = ("acct-1001", "acct-1002")
IPS = ("203.0.113.7", "198.51.100.23")
CBEC_VALUES = (1500.0, 3000.0, 4500.0, 4800.0, 4999.0, 5200.0)
FRACTIONS = (0.5, 0.7, 0.91, 0.95, 0.99, 1.05)  # of the parcel's personal limit
LIMITS = {"HK": 800.0, "MO": 800.0, "TW": 800.0}


def limit_with(country: str) -> float:
    """The personal-article limit to or from a country (starting policy)."""
    return LIMITS.get(country, 1000.0)


def sender(i: int) -> dict[str, Any]:
    """The i-th mainland sender (4): senders 0 and 3 share a phone, even and odd ones a building."""
    return party(
        name=f"寄件人{i}",
        phone=SENDER_PHONES[i % 3],
        address={"detail": f"{SENDER_BUILDINGS[i % 2]}{201 + i}室"},
        id_number=resident_id(region="310115", birth="19850312", seq=f"{101 + i:03d}"),
    )


def abroad_receiver(j: int) -> dict[str, Any]:
    """The j-th receiver abroad (6): two per country and building, sharing phones in Hong Kong."""
    country, city, district, building = ABROAD[j % 3]
    phones = ABROAD_PHONES[country]
    return Whole(
        {
            "name": f"RECEIVER {j}",
            "phone": phones[(j // 3) % len(phones)],
            "address": {
                "country": country,
                "province": None,
                "city": city,
                "district": district,
                "detail": f"Flat {j}, {building}",
                "postcode": None,
            },
        }
    )


def mainland_receiver(m: int) -> dict[str, Any]:
    """The m-th mainland receiver and cbec buyer (3), with a verified ID; 0 and 2 share phone and building."""
    return Whole(
        {
            "name": f"收件人{m}",
            "phone": MAINLAND_PHONES[m % 2],
            "address": {
                "country": "CN",
                "province": "北京市",
                "city": "北京市",
                "district": "朝阳区",
                "detail": f"{MAINLAND_BUILDINGS[m % 2]}{1201 + m}",
            },
            "id_type": "resident_id",
            "id_number": resident_id(region="320102", birth="19880808", seq=f"{201 + m:03d}"),
            "id_verified": True,
            "verification_method": "online_check",
        }
    )


def foreign_sender(f: int) -> dict[str, Any]:
    """The f-th sender abroad (3), no ID (the sender abroad gives none)."""
    country, city, district, building, phone = FOREIGN[f % 3]
    return Whole(
        {
            "name": f"SHOP {f}",
            "phone": phone,
            "address": {
                "country": country,
                "province": None,
                "city": city,
                "district": district,
                "detail": building,
                "postcode": None,
            },
        }
    )


def one_article(description: str, category: str, value: float) -> list[dict[str, Any]]:
    """One item line of one unit."""
    return [item(description=description, category=category, quantity=1, unit_value=value)]


def at(hours: float) -> str:
    """A pickup time, hours after the scenario's start."""
    return (BASE_TIME + hours * HOUR).isoformat()


class World:
    """Builds the bodies of one example: waybill numbers and fresh people numbered from 1 within it."""

    def __init__(self, tag: str = "") -> None:
        self.tag = tag
        self._numbers = itertools.count(1)
        self._fresh = itertools.count(1)

    def number(self) -> str:
        """A new waybill number."""
        return f"SF{self.tag}{next(self._numbers):010d}"

    def body(self, hours: float, **fields: Any) -> dict[str, Any]:
        """A valid body with a new number."""
        wb = waybill(**fields)
        wb["waybill_no"] = self.number()
        wb["accepted_at"] = at(hours)
        return wb

    def export(
        self, who: dict[str, Any], to: dict[str, Any], value: float, hours: float, goods: int = 0
    ) -> dict[str, Any]:
        """An export personal article of one unit."""
        description, category = GOODS[goods % len(GOODS)]
        return self.body(
            hours,
            service="export",
            channel="postal",
            sender=who,
            receiver=to,
            items=one_article(description, category, value),
            weight_kg=0.5,
        )

    def import_postal(
        self, who: dict[str, Any], to: dict[str, Any], value: float, hours: float, goods: int = 0
    ) -> dict[str, Any]:
        """An import personal article of one unit."""
        description, category = GOODS[goods % len(GOODS)]
        return self.body(
            hours,
            service="import",
            channel="postal",
            sender=who,
            receiver=to,
            items=one_article(description, category, value),
            weight_kg=0.5,
        )

    def cbec(
        self, shop: dict[str, Any], buyer: dict[str, Any], value: float, hours: float, account: str, ip: str
    ) -> dict[str, Any]:
        """A cross-border e-commerce import of one tin of milk powder."""
        return self.body(
            hours,
            service="import",
            channel="cbec",
            sender=shop,
            receiver=buyer,
            items=one_article("奶粉 milk powder", "food", value),
            weight_kg=1.0,
            order={
                "platform": "tmall-global",
                "order_id": f"O-{self.number()}",
                "payment_account": account,
                "buyer_ip": ip,
            },
        )

    def domestic(self, who: dict[str, Any], to: dict[str, Any], hours: float) -> dict[str, Any]:
        """An ordinary domestic parcel."""
        return self.body(hours, sender=who, receiver=to)

    def stranger_sender(self) -> dict[str, Any]:
        """A mainland sender nobody else is: own ID, phone and building."""
        n = next(self._fresh)
        return party(
            name=f"新人{n}",
            phone=f"1500000{n:04d}",
            address={
                "district": "南山区",
                "city": "深圳市",
                "province": "广东省",
                "detail": f"深南大道{n}号{n}栋",
            },
            id_number=resident_id(region="440305", birth="19900101", seq=f"{n % 1000:03d}"),
        )

    def stranger_abroad(self, country: str = "HK") -> dict[str, Any]:
        """A receiver in Hong Kong (or elsewhere abroad) nobody else is."""
        n = next(self._fresh)
        return Whole(
            {
                "name": f"STRANGER {n}",
                "phone": f"+8529800{n:04d}" if country == "HK" else f"+8190{n:08d}",
                "address": {
                    "country": country,
                    "province": None,
                    "city": "Hong Kong" if country == "HK" else "Tokyo",
                    "district": "Sha Tin" if country == "HK" else "Shibuya",
                    "detail": f"{n} Stranger Street",
                    "postcode": None,
                },
            }
        )

    def stranger_mainland(self) -> dict[str, Any]:
        """A mainland receiver nobody else is, with a verified ID."""
        n = next(self._fresh)
        return Whole(
            {
                "name": f"新收件人{n}",
                "phone": f"1510000{n:04d}",
                "address": {
                    "country": "CN",
                    "province": "广东省",
                    "city": "广州市",
                    "district": "天河区",
                    "detail": f"天河路{n}号{n}栋",
                },
                "id_type": "resident_id",
                "id_number": resident_id(region="440106", birth="19920202", seq=f"{n % 1000:03d}"),
                "id_verified": True,
                "verification_method": "online_check",
            }
        )


# Operations of a property sequence: each becomes one slot (a pad becomes several).


def _export_op() -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(
        st.just("export"),
        st.integers(0, 3),
        st.integers(0, 5),
        st.sampled_from(FRACTIONS),
        st.integers(0, 2),
        st.integers(0, 96),
    )


def _import_op() -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(
        st.just("import"),
        st.integers(0, 2),
        st.integers(0, 2),
        st.sampled_from(FRACTIONS),
        st.integers(0, 2),
        st.integers(0, 96),
    )


def _cbec_op() -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(
        st.just("cbec"),
        st.integers(0, 2),
        st.integers(0, 2),
        st.sampled_from(CBEC_VALUES),
        st.integers(0, 1),
        st.integers(0, 1),
        st.integers(0, 96),
    )


INVALID_KINDS = (
    "short_number",
    "value_mismatch",
    "naive_time",
    "no_rate",
    "bad_id",
    "not_a_waybill",
    "broken_copy",
)
CORRECTIONS = ("sender", "receiver", "value", "time")


def ops(*, who_changes: bool, cbec: bool) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Operations of one sequence."""
    kinds: list[st.SearchStrategy[tuple[Any, ...]]] = [
        _export_op(),
        _export_op(),
        _import_op(),
        st.tuples(st.just("domestic"), st.integers(0, 3), st.integers(0, 2), st.integers(0, 96)),
        st.tuples(st.just("resend"), st.integers(0, 1000)),
        st.tuples(
            st.just("correct"),
            st.integers(0, 1000),
            st.sampled_from(CORRECTIONS if who_changes else ("value", "time")),
            st.integers(0, 96),
        ),
        st.tuples(st.just("invalid"), st.sampled_from(INVALID_KINDS), st.integers(0, 1000)),
        st.tuples(st.just("other_carrier"), st.integers(0, 1000), st.booleans()),
        st.tuples(st.just("pad"), st.integers(1, 30)),
    ]
    if cbec:
        kinds += [_cbec_op(), _cbec_op()]
    return st.lists(st.one_of(kinds), min_size=1, max_size=35)


def _key(body: dict[str, Any]) -> tuple[str, str]:
    return (body["carrier"], body["waybill_no"])


def _value_of(body: dict[str, Any]) -> float:
    return float(body["declared_value"])


def _revalued(body: dict[str, Any], value: float) -> dict[str, Any]:
    lines = [{**body["items"][0], "quantity": 1, "unit_value": value}]
    return {**body, "items": lines, "declared_value": value}


def materialise(operations: Sequence[tuple[Any, ...]], *, ordered: bool = False) -> list[Any]:
    """The slot bodies of a sequence of operations (deterministic)."""
    world = World()
    slots: list[Any] = []
    valid: list[dict[str, Any]] = []  # bodies that were valid, in order
    clock = itertools.count(1)

    def hours(h: int) -> float:
        # Half hours within two days; strictly rising with the slot when the sequence is ordered.
        return next(clock) * 0.02 if ordered else h * 0.5

    latest: dict[tuple[str, str], dict[str, Any]] = {}  # the body in force of each parcel

    def add(body: Any, *, good: bool = True) -> None:
        slots.append(body)
        if good:
            valid.append(body)
            latest[_key(body)] = body

    for op in operations:
        kind = op[0]
        if kind == "export":
            _, s, r, frac, goods, h = op
            to = abroad_receiver(r)
            value = round(frac * limit_with(to["address"]["country"]), 2)
            add(world.export(sender(s), to, value, hours(h), goods))
        elif kind == "import":
            _, f, m, frac, goods, h = op
            shop = foreign_sender(f)
            value = round(frac * limit_with(shop["address"]["country"]), 2)
            add(world.import_postal(shop, mainland_receiver(m), value, hours(h), goods))
        elif kind == "cbec":
            _, f, m, value, a, ip, h = op
            add(world.cbec(foreign_sender(f), mainland_receiver(m), value, hours(h), ACCOUNTS[a], IPS[ip]))
        elif kind == "domestic":
            _, s, m, h = op
            add(world.domestic(sender(s), mainland_receiver(m), hours(h)))
        elif kind == "pad":
            for k in range(op[1]):
                add(world.domestic(sender(k % 4), mainland_receiver(k % 3), hours(k)))
        elif kind == "resend":
            if not valid:
                add(world.domestic(sender(0), mainland_receiver(0), hours(0)))
                continue
            body = valid[op[1] % len(valid)]
            # In an ordered sequence only the body in force is sent again (an older one would move it back).
            add(dict(latest[_key(body)] if ordered else body))
        elif kind == "correct" and valid:
            changed = _corrected(valid[op[1] % len(valid)], op[2], op[3], hours(op[3]))
            add({**changed, "accepted_at": at(hours(op[3]))} if ordered else changed)
        elif kind == "invalid":
            add(_invalid(world, op[1], valid[op[2] % len(valid)] if valid else None), good=False)
        elif kind == "other_carrier":
            _, j, same_number = op
            if valid and same_number:
                base = valid[j % len(valid)]
                copy = {**base, "carrier": "EMS", "outlet_id": "EMS-310115-0001"}
                add({**copy, "accepted_at": at(hours(j))} if ordered else copy)
            else:
                fresh = world.export(sender(j % 4), abroad_receiver(j % 6), 790.0, hours(j % 97))
                add({**fresh, "carrier": "EMS", "outlet_id": "EMS-310115-0001"})
    return slots


def _corrected(body: dict[str, Any], what: str, x: int, hours: float) -> dict[str, Any]:
    """A changed body of an earlier parcel (same number): another sender, receiver, value or time."""
    service, channel = body["service"], body["channel"]
    if what == "sender":
        if service == "import":
            return {**body, "sender": foreign_sender(x)}
        return {**body, "sender": sender(x % 4)}
    if what == "receiver":
        if service == "export":
            return {**body, "receiver": abroad_receiver(x % 6)}
        return {**body, "receiver": mainland_receiver(x % 3)}
    if what == "value":
        if channel == "cbec":
            return _revalued(body, CBEC_VALUES[x % len(CBEC_VALUES)])
        return _revalued(body, round(_value_of(body) * (0.6, 0.97, 1.08, 0.9)[x % 4], 2))
    return {**body, "accepted_at": at(hours)}


def _invalid(world: World, kind: str, earlier: dict[str, Any] | None) -> Any:
    """A slot that fails alone."""
    fresh = world.export(sender(1), abroad_receiver(1), 760.0, 1.0)
    if kind == "short_number":
        return {**fresh, "waybill_no": "X1"}
    if kind == "value_mismatch":
        return {**fresh, "declared_value": 761.0}
    if kind == "naive_time":
        return {**fresh, "accepted_at": "2026-11-11T09:30:00"}
    if kind == "no_rate":
        return {**fresh, "currency": "CHF"}
    if kind == "bad_id":
        return {**fresh, "sender": party(name="寄件人1", id_number="31011519850312")}
    if kind == "not_a_waybill":
        return "not a waybill"
    base = earlier if earlier is not None else fresh
    return {**base, "weight_kg": -1}


def probe_bodies(world: World) -> list[dict[str, Any]]:
    """One probe parcel per entity of the world, each otherwise among strangers, picked up after it all."""
    h = PROBE_HOURS
    probes: list[dict[str, Any]] = []
    near = 790.0
    # Senders by ID, by phone (no ID given: the phone is the person), by building.
    for i in range(4):
        who = {**sender(i), **{k: v for k, v in world.stranger_sender().items() if k in ("phone", "address")}}
        probes.append(world.export(Whole(who), world.stranger_abroad(), near, h))
    for phone in SENDER_PHONES:
        who = {**world.stranger_sender(), **NO_ID, "phone": phone}
        probes.append(world.export(Whole(who), world.stranger_abroad(), near, h))
    for building in SENDER_BUILDINGS:
        who = Whole(
            {**world.stranger_sender(), **NO_ID, "address": {**party()["address"], "detail": building}}
        )
        probes.append(world.export(who, world.stranger_abroad(), near, h))
    # Receivers abroad by phone and by building.
    for country, phones in ABROAD_PHONES.items():
        for phone in phones:
            to = Whole({**world.stranger_abroad(), "phone": phone})
            to["address"] = {**to["address"], "country": country}
            probes.append(world.export(world.stranger_sender(), to, near, h))
    for j in range(3):
        to = Whole({**world.stranger_abroad(), "address": abroad_receiver(j)["address"]})
        probes.append(world.export(world.stranger_sender(), to, near, h))
    # Mainland receivers and buyers by ID (a cbec purchase shows the year's total), phone and building.
    for m in range(3):
        buyer = Whole({**world.stranger_mainland(), **{k: mainland_receiver(m)[k] for k in ("id_number",)}})
        probes.append(world.cbec(foreign_sender(0), buyer, 100.0, h, f"acct-p{m}", f"192.0.2.{m + 1}"))
    for m in range(2):
        for part in ("phone", "address"):
            to = Whole({**world.stranger_mainland(), **NO_ID, part: mainland_receiver(m)[part]})
            probes.append(world.import_postal(world.stranger_abroad("JP"), to, 950.0, h))
    # Senders abroad by phone and building.
    for f in range(3):
        shop = foreign_sender(f)
        for part in ("phone", "address"):
            stranger = world.stranger_abroad(shop["address"]["country"] if part == "phone" else "JP")
            who = Whole({**stranger, part: shop[part]})
            probes.append(world.import_postal(who, world.stranger_mainland(), 700.0, h))
    # Payment accounts and buyer IPs.
    for a in ACCOUNTS:
        probes.append(world.cbec(foreign_sender(1), world.stranger_mainland(), 4700.0, h, a, "192.0.2.200"))
    for ip in IPS:
        probes.append(world.cbec(foreign_sender(1), world.stranger_mainland(), 4700.0, h, "acct-none", ip))
    return probes


def parcels_of(slots: Sequence[Any]) -> list[tuple[str, str]]:
    """(carrier, waybill_no) of every slot that names one, each once."""
    seen: dict[tuple[str, str], None] = {}
    for s in slots:
        if isinstance(s, dict) and isinstance(s.get("carrier"), str) and isinstance(s.get("waybill_no"), str):
            seen[(s["carrier"], s["waybill_no"])] = None
    return list(seen)


async def check_equivalence(
    slots: Sequence[Any], sizes: Sequence[int], *, key: str | None = None
) -> list[Outcome]:
    """Score the slots one by one and in batches on two fresh engines; every answer and the histories after
    must agree. Returns the one-by-one outcomes."""
    async with fresh_engines() as (single, batched):
        alone = await one_by_one(single, slots, key=key)
        together = await in_batches(batched, slots, sizes, key=key)
        for i, (a, b) in enumerate(zip(alone, together, strict=True)):
            assert b == a, f"slot {i} of {len(slots)} (batches {list(sizes)}): {slots[i]!r}"
        parcels = parcels_of(slots)
        assert await recalled(batched, parcels) == await recalled(single, parcels)
        probes = probe_bodies(World("P"))
        answers = zip(await probed(single, probes), await probed(batched, probes), strict=True)
        for n, (alone_probe, batch_probe) in enumerate(answers):
            assert batch_probe == alone_probe, f"probe {n}: {probes[n]!r}"
        return alone


PROPERTY = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
SIZES = st.lists(st.integers(1, 80), min_size=1, max_size=6)


# Property tests -------------------------------------------------------------------------------------------


@PROPERTY
@given(operations=ops(who_changes=False, cbec=True), sizes=SIZES)
async def test_rings_quotas_resends_value_and_time_corrections_decide_in_batches_as_one_by_one(
    operations: list[tuple[Any, ...]], sizes: list[int]
) -> None:
    await check_equivalence(materialise(operations), sizes)


@PROPERTY
@given(operations=ops(who_changes=False, cbec=True), sizes=SIZES)
async def test_a_carriers_keyed_batches_decide_as_its_own_waybills_one_by_one(
    operations: list[tuple[Any, ...]], sizes: list[int]
) -> None:
    outcomes = await check_equivalence(materialise(operations), sizes, key="SF")
    assert all(o[0] != "decision" or o[1]["carrier"] == "SF" for o in outcomes)


@PROPERTY
@given(operations=ops(who_changes=True, cbec=False), sizes=SIZES)
async def test_corrections_of_who_sent_or_received_in_time_ordered_batches_decide_as_one_by_one(
    operations: list[tuple[Any, ...]], sizes: list[int]
) -> None:
    await check_equivalence(materialise(operations, ordered=True), sizes)


@PROPERTY
@given(operations=ops(who_changes=True, cbec=True), sizes=SIZES)
# Found by the generator (rarely in 20 examples): sender 0's parcel moved to sender 1, then two more of sender
# 0's parcels, the second picked up before the first. Scored alone, the first sees neither; in the batch it
# counts the second as a third near-limit parcel.
@example(
    operations=[
        ("export", 0, 0, 0.95, 0, 0),
        ("export", 0, 1, 0.95, 0, 4),
        ("correct", 0, "sender", 1),
        ("export", 0, 3, 0.95, 0, 40),
        ("export", 0, 4, 0.95, 0, 20),
    ],
    sizes=[5],
)
async def test_every_kind_of_slot_mixed_decides_in_batches_as_one_by_one(
    operations: list[tuple[Any, ...]], sizes: list[int]
) -> None:
    await check_equivalence(materialise(operations), sizes)


@pytest.mark.parametrize("sizes", [[1], [BATCH_CHUNK + 1], [1000], [63, 2, 64]])
async def test_one_long_mixed_sequence_decides_as_one_by_one_in_batches_of_any_size(sizes: list[int]) -> None:
    # Exports, imports and cbec purchases of the small world, re-sends and value/time corrections, bad slots
    # and another carrier's parcels: 150 slots, so batches cross several chunks.
    operations: list[tuple[Any, ...]] = []
    for n in range(150):
        pick = n % 10
        if pick in (0, 1, 2):
            operations.append(("export", n % 4, n % 6, FRACTIONS[n % 6], n % 3, n % 97))
        elif pick == 3:
            operations.append(("import", n % 3, n % 3, FRACTIONS[(n + 2) % 6], n % 3, (n * 7) % 97))
        elif pick == 4:
            # Two buyers, seven or eight purchases of 4,800 to 5,200 each: both pass 26,000 in the year.
            operations.append(
                ("cbec", n % 3, (n // 10) % 2, CBEC_VALUES[3 + (n // 10) % 3], n % 2, 0, (n * 5) % 97)
            )
        elif pick == 5:
            operations.append(("resend", n * 13))
        elif pick == 6:
            operations.append(("correct", n * 7, ("value", "time")[n % 2], (n * 3) % 97))
        elif pick == 7:
            operations.append(("invalid", INVALID_KINDS[n % len(INVALID_KINDS)], n))
        elif pick == 8:
            operations.append(("other_carrier", n, n % 20 == 8))
        else:
            operations.append(("domestic", n % 4, n % 3, n % 97))
    slots = materialise(operations)
    outcomes = await check_equivalence(slots, sizes)
    kinds = [o[0] for o in outcomes]
    assert kinds.count("error") == 15 and kinds.count("decision") == 135
    flagged = {r["code"] for o in outcomes if o[0] == "decision" for r in o[1]["reasons"]}
    # The sequence is no quiet one: the history rules it is about fire in it.
    assert {"ANT_MOVING_SENDER", "NEAR_LIMIT_SPLIT", "CBEC_ANNUAL_LIMIT"} <= flagged


# Hand-written sequences on the chunk boundaries (every store) -------------------------------------------


@dataclass
class Ring:
    """A sender's export ring to Macau and Hong Kong, the parcels of a second sender, and filler."""

    world: World
    a: dict[str, Any]
    b: dict[str, Any]

    def parcel(self, who: dict[str, Any], n: int, hours: float, value: float | None = None) -> dict[str, Any]:
        """One parcel of the ring, to the n-th of five receivers."""
        return self.world.export(who, macau_receiver(n % 5), value if value is not None else 760.0 + n, hours)

    def filler(self, count: int, hours: float = 30.0) -> list[dict[str, Any]]:
        """Domestic parcels of strangers: they only push the ring's slots along the batch."""
        return [
            self.world.domestic(
                self.world.stranger_sender(), self.world.stranger_mainland(), hours + k * 0.01
            )
            for k in range(count)
        ]


def ring(tag: str) -> Ring:
    """Sender A and sender B: distinct IDs and phones, one building."""
    world = World(tag)
    a = party(
        name="甲", phone="13700001001", id_number=resident_id(region="310104", birth="19791010", seq="311")
    )
    b = party(
        name="乙", phone="13700001002", id_number=resident_id(region="310104", birth="19791010", seq="312")
    )
    return Ring(world, a, b)


async def same_on_both(
    pair: tuple[Engine, Engine],
    before: Sequence[dict[str, Any]],
    batch: Sequence[Any],
    *,
    key: str | None = None,
) -> list[Decision | BatchError]:
    """`before` scored on both engines one by one, then `batch` as one batch and one by one; the answers must
    agree slot by slot. Returns the batch's slots."""
    batched, single = pair
    for body in before:
        d1, d2 = (
            await batched.decide(Waybill.model_validate(body)),
            await single.decide(Waybill.model_validate(body)),
        )
        assert comparable(d1) == comparable(d2)
    together = await batch_decisions(batched, batch, key=key)
    alone = await one_by_one(single, batch, key=key)
    assert [_slot(i, d) for i, d in enumerate(together)] == alone
    return together


@pytest.mark.parametrize("slot", [62, 63, 64, 65])
async def test_a_correction_moving_a_ring_parcel_to_another_sender_at_any_slot_of_a_batch(
    twin: tuple[Engine, Engine], slot: int
) -> None:
    r = ring(f"C{slot}")
    first = [r.parcel(r.a, n, n * 0.5) for n in range(5)]  # A: five parcels in 2 h
    moved = {**first[0], "sender": r.b}
    later = [r.parcel(r.a, 5, 10.0), r.parcel(r.a, 6, 11.0)]
    batch = [*r.filler(slot), moved, *later, *r.filler(3)]
    slots = await same_on_both(twin, first, batch)
    fifth, sixth = slots[slot + 1], slots[slot + 2]
    # A has four parcels left: the first later one is A's fifth, the next its sixth and a ring.
    assert "ANT_MOVING_SENDER" not in codes(fifth)
    ant = evidence(sixth, "ANT_MOVING_SENDER")
    assert ant["parcels"] == 6 and first[0]["waybill_no"] not in ant["linked_waybills"]
    assert decided(sixth).decision == "hold"


@pytest.mark.parametrize(("first", "second"), [(10, 40), (62, 63), (63, 64)])
async def test_a_parcel_sent_twice_in_one_batch_gets_one_decision_and_counts_once(
    twin: tuple[Engine, Engine], first: int, second: int
) -> None:
    r = ring(f"R{first}x{second}")
    parcels = [r.parcel(r.a, n, n * 0.5) for n in range(6)]
    filler = r.filler(second + 2)
    batch: list[Any] = [*filler[:first], parcels[0], *filler[first : second - 1], parcels[0]]
    batch += [*filler[second - 1 :], *parcels[1:]]
    assert batch.index(parcels[0]) == first and batch[second] == parcels[0]
    slots = await same_on_both(twin, [], batch)
    assert comparable(decided(slots[second])) == comparable(decided(slots[first]))
    # Six distinct parcels: the sixth is held, and counts the twice-sent one once.
    ant = evidence(slots[-1], "ANT_MOVING_SENDER")
    assert ant["parcels"] == 6 and ant["linked_waybills"].count(parcels[0]["waybill_no"]) == 1
    assert all("ANT_MOVING_SENDER" not in codes(s) for s in slots[:-1])


async def test_a_correction_then_the_old_senders_later_parcels_in_the_same_chunk(
    twin: tuple[Engine, Engine],
) -> None:
    r = ring("K1")
    first = [r.parcel(r.a, n, n * 0.5) for n in range(5)]
    moved = {**first[2], "sender": r.b}
    later = [r.parcel(r.a, 5 + k, 10.0 + k) for k in range(4)]
    slots = await same_on_both(twin, first, [*r.filler(20), moved, *later])
    assert "ANT_MOVING_SENDER" not in codes(slots[21])
    assert [evidence(s, "ANT_MOVING_SENDER")["parcels"] for s in slots[22:]] == [6, 7, 8]
    # B has one parcel: the moved one.
    assert "ANT_MOVING_SENDER" not in codes(slots[20])


async def test_a_slot_after_a_correction_does_not_see_a_later_slot_picked_up_earlier(
    twin: tuple[Engine, Engine],
) -> None:
    r = ring("K2")
    first = [r.parcel(r.a, n, n * 0.5) for n in range(5)]
    moved = {**first[0], "sender": r.b}
    # Later in the request, earlier in pickup time: for the fifth parcel it is not yet seen, and for the sixth
    # the fifth is not yet picked up. A has four other parcels in each one's 24 h: no ring either time.
    fifth, sixth = r.parcel(r.a, 5, 10.0), r.parcel(r.a, 6, 9.0)
    slots = await same_on_both(twin, first, [moved, fifth, sixth])
    assert "ANT_MOVING_SENDER" not in codes(slots[1]) | codes(slots[2])
    assert decided(slots[1]).decision == "inspect"  # near-limit parcels, not a hold


async def test_a_slot_after_a_correction_does_not_see_a_later_slot_of_the_same_instant(
    twin: tuple[Engine, Engine],
) -> None:
    r = ring("K3")
    first = [r.parcel(r.a, n, n * 0.5) for n in range(5)]
    moved = {**first[0], "sender": r.b}
    fifth, sixth = r.parcel(r.a, 5, 10.0), r.parcel(r.a, 6, 10.0)  # one pickup time, typed once
    slots = await same_on_both(twin, first, [moved, fifth, sixth])
    assert "ANT_MOVING_SENDER" not in codes(slots[1])
    assert evidence(slots[2], "ANT_MOVING_SENDER")["parcels"] == 6


async def test_a_buyers_purchase_after_a_buyer_correction_does_not_add_a_later_purchase_to_its_year(
    twin: tuple[Engine, Engine],
) -> None:
    world = World("Q1")
    x, y = world.stranger_mainland(), world.stranger_mainland()
    shop = foreign_sender(0)
    bought = [world.cbec(shop, x, 4500.0, n * 1.0, "acct-q", "192.0.2.9") for n in range(5)]  # 22,500
    moved = {**bought[4], "receiver": y}  # the fifth was Y's: X has 18,000
    then, last = (
        world.cbec(shop, x, 4000.0, 20.0, "acct-q", "192.0.2.9"),
        world.cbec(shop, x, 4999.0, 21.0, "acct-q", "192.0.2.9"),
    )
    slots = await same_on_both(twin, bought, [moved, then, last])
    assert "CBEC_ANNUAL_LIMIT" not in codes(slots[1])  # 22,000
    quota = evidence(slots[2], "CBEC_ANNUAL_LIMIT")
    assert quota["earlier_cny"] == 22000.0 and quota["year_total_cny"] == 26999.0


async def test_a_buyer_correction_then_the_old_buyers_purchase_in_the_same_chunk(
    twin: tuple[Engine, Engine],
) -> None:
    world = World("Q2")
    x, y = world.stranger_mainland(), world.stranger_mainland()
    shop = foreign_sender(2)
    bought = [world.cbec(shop, x, 4500.0, n * 1.0, "acct-r", "192.0.2.10") for n in range(6)]  # 27,000
    moved = {**bought[5], "receiver": y}
    then = world.cbec(shop, x, 3000.0, 20.0, "acct-r", "192.0.2.10")
    slots = await same_on_both(
        twin, bought, [*[world.domestic(world.stranger_sender(), x, 1.0)], moved, then]
    )
    assert "CBEC_ANNUAL_LIMIT" not in codes(slots[1])  # Y's first purchase
    assert "CBEC_ANNUAL_LIMIT" not in codes(slots[2])  # X: 22,500 + 3,000


async def test_a_value_correction_inside_a_chunk_replaces_the_parcels_value_for_the_next_slots(
    twin: tuple[Engine, Engine],
) -> None:
    r = ring("V1")
    first = [r.parcel(r.a, n, n * 0.5) for n in range(5)]
    over = _revalued(first[1], 850.0)  # over the limit: no longer an ant's parcel
    later = [r.parcel(r.a, 5, 10.0), r.parcel(r.a, 6, 11.0)]
    slots = await same_on_both(twin, first, [*r.filler(40), over, *later])
    assert "ANT_MOVING_SENDER" not in codes(slots[41])
    ant = evidence(slots[42], "ANT_MOVING_SENDER")
    assert ant["parcels"] == 6 and first[1]["waybill_no"] not in ant["linked_waybills"]


async def test_a_time_correction_inside_a_chunk_moves_the_parcel_out_of_the_next_slots_day(
    twin: tuple[Engine, Engine],
) -> None:
    r = ring("T1")
    first = [r.parcel(r.a, n, 20.0 + n * 0.5) for n in range(5)]
    earlier_day = {**first[0], "accepted_at": at(-30.0)}  # typed a day late: out of the next parcels' 24 h
    later = [r.parcel(r.a, 5, 24.0), r.parcel(r.a, 6, 25.0)]
    slots = await same_on_both(twin, first, [*r.filler(63), earlier_day, *later])
    assert "ANT_MOVING_SENDER" not in codes(slots[64])
    ant = evidence(slots[65], "ANT_MOVING_SENDER")
    assert (
        ant["window"] == "24h"
        and ant["parcels"] == 6
        and first[0]["waybill_no"] not in ant["linked_waybills"]
    )


async def test_bad_slots_shift_the_chunks_and_count_nothing(twin: tuple[Engine, Engine]) -> None:
    r = ring("B1")
    world = r.world
    ring_parcels = [r.parcel(r.a, n, n * 0.5) for n in range(8)]
    filler = r.filler(60)
    bad = [_invalid(world, kind, ring_parcels[k % 8]) for k, kind in enumerate(INVALID_KINDS)]
    batch: list[Any] = [*filler[:30], *bad, *filler[30:], *ring_parcels[:4], *bad, *ring_parcels[4:]]
    slots = await same_on_both(twin, [], batch)
    errors = [k for k, s in enumerate(slots) if isinstance(s, BatchError)]
    assert len(errors) == 2 * len(bad)
    counts = [evidence(s, "ANT_MOVING_SENDER")["parcels"] for s in slots[-3:]]
    assert counts == [6, 7, 8]  # the broken copies of ring parcels counted nothing


async def test_another_carriers_slots_in_a_keyed_batch_fail_alone_across_the_chunk_boundary(
    twin: tuple[Engine, Engine],
) -> None:
    r = ring("E1")
    ring_parcels = [r.parcel(r.a, n, n * 0.5) for n in range(7)]
    theirs = [{**p, "carrier": "EMS", "outlet_id": "EMS-310115-0001"} for p in ring_parcels[:3]]
    batch: list[Any] = [*r.filler(60), *ring_parcels[:3], *theirs, *ring_parcels[3:]]
    slots = await same_on_both(twin, [], batch, key="SF")
    for k in range(63, 66):
        s = slots[k]
        assert isinstance(s, BatchError)
        assert [(e.loc, e.type) for e in s.error.detail] == [
            (["body", "waybills", k, "carrier"], "forbidden")
        ]
    assert "ANT_MOVING_SENDER" not in codes(slots[66])  # A's fourth SF parcel
    assert evidence(slots[-1], "ANT_MOVING_SENDER")["parcels"] == 7


async def test_one_waybill_number_under_two_carriers_in_one_chunk_is_two_parcels(
    twin: tuple[Engine, Engine],
) -> None:
    r = ring("E2")
    ring_parcels = [r.parcel(r.a, n, n * 0.5) for n in range(5)]
    same_number = {
        **ring_parcels[4],
        "carrier": "EMS",
        "outlet_id": "EMS-310115-0001",
        "accepted_at": at(3.0),
    }
    slots = await same_on_both(twin, [], [*r.filler(61), *ring_parcels, same_number])
    ant = evidence(slots[-1], "ANT_MOVING_SENDER")
    assert ant["parcels"] == 6 and ant["linked_waybills"].count(ring_parcels[4]["waybill_no"]) == 1


async def test_a_batch_re_sent_whole_answers_each_slot_as_the_first_time(twin: tuple[Engine, Engine]) -> None:
    r = ring("W1")
    parcels = [r.parcel(r.a, n, n * 0.5) for n in range(8)]
    batch = [*r.filler(62), *parcels]
    first = await same_on_both(twin, [], batch)
    again = await same_on_both(twin, [], batch)
    assert [comparable(decided(d)) for d in again] == [comparable(decided(d)) for d in first]
    assert evidence(again[-1], "ANT_MOVING_SENDER")["parcels"] == 8


# Over HTTP: POST /v1/score/batch against POST /v1/score on two apps --------------------------------------


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two started apps with their own data dirs and the test policy (cases written from a thread)."""
    one_app = create_app(Settings(data_dir=tmp_path / "a", case_writer="thread"))
    other_app = create_app(Settings(data_dir=tmp_path / "b", case_writer="thread"))
    with TestClient(one_app) as one, TestClient(other_app) as other:
        one_app.state.engine.policy = POLICY
        other_app.state.engine.policy = POLICY
        yield one, other


def _wire(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in ("scored_at", "case_id", "case_status")}


@pytest.mark.parametrize("slot", [63, 64])
def test_over_http_a_correction_at_the_chunk_boundary_answers_as_single_scoring(
    apps: tuple[TestClient, TestClient], slot: int
) -> None:
    batch_app, single_app = apps
    r = ring(f"H{slot}")
    first = [r.parcel(r.a, n, n * 0.5) for n in range(5)]
    moved = {**first[0], "sender": r.b}
    bad = {**r.parcel(r.a, 9, 10.5), "currency": "CHF"}
    batch = [*r.filler(slot), moved, r.parcel(r.a, 5, 10.0), bad, r.parcel(r.a, 6, 11.0), *r.filler(2)]
    for body in first:
        assert batch_app.post("/v1/score", json=body).status_code == 200
        assert single_app.post("/v1/score", json=body).status_code == 200
    answer = batch_app.post("/v1/score/batch", json={"waybills": batch})
    assert answer.status_code == 200
    together = answer.json()["decisions"]
    alone = []
    for body in batch:
        res = single_app.post("/v1/score", json=body)
        assert res.status_code in (200, 422)
        alone.append(res.json())
    assert len(together) == len(batch)
    for k, (b, a) in enumerate(zip(together, alone, strict=True)):
        if "error" in b:
            assert [e["loc"][3:] for e in b["error"]["detail"]] == [e["loc"][1:] for e in a["detail"]], k
        else:
            assert _wire(b) == _wire(a), k
            assert (b["case_id"] is None) == (a["decision"] != "hold"), k
    assert together[slot + 2]["error"]["detail"][0]["loc"] == ["body", "waybills", slot + 2, "currency"]
    assert together[slot + 3]["decision"] == "hold"
    assert "ANT_MOVING_SENDER" not in {x["code"] for x in together[slot + 1]["reasons"]}
