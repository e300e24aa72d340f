"""Every decision carries its reasons and evidence (个人信息保护法 art. 24: transparent automated decisions).

Written from shared/domain/RULES.md §1 (personal information: an ID number is shown masked, never
plain) and §3 (the reason catalogue: each code's outcome, a Chinese and an English sentence, and
evidence; the final decision is the most severe outcome among the reasons), the wire contract
(shared/contract/README.md and decision.example.json: reasons most severe first, each with `code`,
`outcome`, `message`, `message_en` and `evidence`; the evidence shapes of the example) and the README
(evidence shows ID numbers masked as `110105********002X`; a rule's `linked_waybills` names only the
parcels it counted).

For every reason code of RULES.md §3 one waybill (and the history it needs) fires it, and:
- the code appears once, with the outcome RULES.md gives it (read from the catalogue table itself), the
  decision is the most severe outcome among the reasons, and the reasons come most severe first;
- the decision validates against the contract's `Decision`, and its JSON round-trips;
- the evidence holds what an officer needs to check the rule by hand, never a plain ID number;
- both sentences are filled (no `{`, `}`, `None` or `nan` left) and name the evidence's figures.

Readings chosen where the sources leave a choice:
- "Names the figures" is checked on the figures a reader needs to follow the rule: the value and the
  limit of a limit reason, the count and the window of a history reason, the score and threshold of a
  model reason, the quantity and the personal-use maximum, the brand's price and floor, the value per kg
  and the band, the identifiers an officer looks up (contract number, masked ID). Where a figure is
  looked for, any writing counts (`7d`, `7天`, `7 days`; thousands separators; a rate as a fraction or a
  percentage). Separately, the Chinese sentence is asked to be Chinese: the contract's example writes
  `24小时内` and `7天内`, so wire codes (`export`, `24h`, `7d`) in it are read as a fault.
- The sentences and the evidence are asked to agree with the rule that fired: a figure rounded onto the
  threshold it passed (a score shown equal to the threshold, a value per kg shown inside its band) does
  not let an officer check the rule by hand.
- Key names of evidence are asserted only where decision.example.json shows them (ANT_MOVING_SENDER,
  NEAR_LIMIT_SPLIT, MODEL_HIGH_RISK; ANT_MOVING_RECEIVER by analogy with the sender's); elsewhere the
  evidence is asked to hold the values, under whatever key.
- `linked_waybills` of a ring reason names the other parcels the rule counted (the parcel itself is the
  decision's own `waybill_no`), and no parcel of the entity the rule did not count.
- A policy change moves the figures the sentences quote: the sentences follow the policy in force.
- The model is stood in for by a fixed scorer (the engine turns a score into a reason through the
  policy's thresholds; what the model learns is tested elsewhere). RANDOM_AUDIT's parcel is found with the
  service's own draw function, at the starting rate of 0.5 %.
"""

import json
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from stdnum.cn import ric

from screening.agreements import Agreement
from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine
from screening.history import RedisHistoryStore
from screening.parcel import Parcel
from screening.policy.catalogue import reason
from screening.policy.history import EntityView
from screening.policy.sampling import audit_draw
from screening.policy.schemas import Audit, Policy
from screening.watchlists import ListEntry, Violation
from tests.conftest import ScoringClient
from tests.factories import (
    NO_ID,
    cn_receiver,
    export_postal,
    hk_receiver,
    macau_receiver,
    over_limit,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.shared_dir import SHARED

pytestmark = pytest.mark.anyio

SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
DECISION_EXAMPLE: dict[str, Any] = json.loads((SHARED / "contract" / "decision.example.json").read_text())
REASON_KEYS = set(DECISION_EXAMPLE["reasons"][0])
CJK = re.compile(r"[\u4e00-\u9fff]")
# A placeholder left unfilled, or a missing value printed (CJK letters count as word characters for \b).
UNFILLED = re.compile(r"[{}]|(?<![A-Za-z])(?:None|nan|NaN|null)(?![A-Za-z])")


def _catalogue() -> dict[str, str]:
    """RULES.md §3: each code and the outcome it asks for by itself (the first word of its column)."""
    text = (SHARED / "domain" / "RULES.md").read_text()
    section = text.split("## 3.", 1)[1].split("## 4.", 1)[0]
    out: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"[A-Z][A-Z_]+", cells[0]):
            out[cells[0]] = re.split(r"[;\s]", cells[1])[0]
    return out


CATALOGUE = _catalogue()


# Helpers ------------------------------------------------------------------------------------------------


async def score(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


def the(d: Decision, code: str) -> Reason:
    """The one reason of a code (fails when absent)."""
    found = [r for r in d.reasons if r.code == code]
    assert found, f"{code} not in {[r.code for r in d.reasons]}"
    return found[0]


def masked(number: str) -> str:
    """The display form the README gives: first six, eight stars, last four."""
    return number[:6] + "*" * 8 + number[-4:]


def _flat(text: str) -> str:
    return re.sub(r"(?<=\d)[,，](?=\d{3})", "", text)


def names(text: str, figure: Any) -> bool:
    """Whether a sentence names a figure (a tuple: any of its forms)."""
    if isinstance(figure, tuple):
        return any(names(text, f) for f in figure)
    if isinstance(figure, bool) or not isinstance(figure, int | float):
        return str(figure) in text
    value = float(figure)
    forms = [str(int(value))] if value.is_integer() else [f"{value:.2f}".rstrip("0").rstrip("."), repr(value)]
    flat = _flat(text)
    return any(re.search(rf"(?<![\d.]){re.escape(f)}(?:\.0+)?(?![\d])", flat) for f in forms)


def holds(evidence: Any, value: Any) -> bool:
    """Whether the evidence holds a value anywhere (numbers compared to the cent)."""
    if isinstance(evidence, dict):
        return any(holds(v, value) for v in evidence.values())
    if isinstance(evidence, list | tuple):
        return any(holds(v, value) for v in evidence)
    number = (int, float)
    if isinstance(value, number) and not isinstance(value, bool):
        if isinstance(evidence, number) and not isinstance(evidence, bool):
            return math.isclose(float(evidence), float(value), abs_tol=0.005)
        return False
    return bool(evidence == value)


def assert_well_ordered(d: Decision) -> None:
    """Each code once; most severe first; the decision is the most severe outcome (release without any)."""
    counts = Counter(r.code for r in d.reasons)
    assert all(n == 1 for n in counts.values()), counts
    severities = [SEVERITY[r.outcome] for r in d.reasons]
    assert severities == sorted(severities, reverse=True), [(r.code, r.outcome) for r in d.reasons]
    assert SEVERITY[d.decision] == max(severities, default=0)


def assert_contract_json(d: Decision, plain_ids: Sequence[str]) -> None:
    """Validates as the contract's Decision, round-trips, has the example's fields; no plain ID."""
    wire = d.model_dump(mode="json")
    assert set(DECISION_EXAMPLE) <= set(wire)
    again = Decision.model_validate_json(json.dumps(wire, ensure_ascii=False, allow_nan=False))
    assert again == d
    assert again.model_dump(mode="json") == wire
    for r in wire["reasons"]:
        assert set(r) == REASON_KEYS
        assert isinstance(r["evidence"], dict) and r["evidence"], r
    text = d.model_dump_json()
    for number in plain_ids:
        assert number not in text and number.lower() not in text, number


def assert_sentences(code: str, message: str, message_en: str) -> None:
    """A Chinese and an English sentence, each filled."""
    assert CJK.search(message), (code, message)
    # The English sentence is English (it may quote a description or a listed term as typed).
    assert len(re.findall(r"\b[A-Za-z]{2,}\b", message_en)) >= 4, (code, message_en)
    assert message != message_en
    for text in (message, message_en):
        assert not UNFILLED.search(text), (code, text)


# Scenarios: one per reason code (two where the outcome varies) -------------------------------------------


@dataclass
class Fired:
    """A scored parcel and what its target reason must show."""

    decision: Decision
    code: str
    outcome: str
    holds: tuple[Any, ...] = ()  # values the evidence holds
    figures: tuple[Any, ...] = ()  # figures both sentences name
    keys: dict[str, Any] = field(default_factory=dict)  # evidence keys of the contract's example
    linked: set[str] | None = None  # exactly the other parcels the rule counted
    not_linked: set[str] = field(default_factory=set)  # parcels of the entity it must not count
    plain_ids: tuple[str, ...] = ()


Builder = Callable[[Engine], Awaitable[Fired]]


class FixedScorer:
    """A model that gives every parcel the same probability and explains it by two features."""

    version = "fixed-1"

    def __init__(self, probability: float) -> None:
        self.probability = probability

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        """The fixed probability."""
        return self.probability

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        """Two contributions, as in the contract's example."""
        return (("sender_parcels_24h", 0.42), ("near_limit_share_7d", 0.31))[:top]


def hk_sender(n: int) -> dict[str, Any]:
    """The n-th sender in Hong Kong (no ID: the parcel is handed over abroad)."""
    return hk_receiver(
        name=f"HK SENDER {n}", phone=f"+8529400{n:04d}", address={"detail": f"{n} Queen's Road"}
    )


def buyer(seq: str = "321") -> dict[str, Any]:
    """A mainland buyer (receiver) with a resident ID."""
    return cn_receiver(
        id_type="resident_id", id_number=resident_id(region="320102", birth="19880808", seq=seq)
    )


def cbec_import(**changes: Any) -> dict[str, Any]:
    """A cross-border e-commerce import from a Hong Kong shop to a mainland buyer."""
    base: dict[str, Any] = {
        "service": "import",
        "channel": "cbec",
        "sender": hk_sender(0),
        "receiver": buyer(),
        "weight_kg": 2.0,
    }
    return waybill(**(base | changes))


def line(
    description: str, category: str | None, quantity: int = 1, unit_value: float = 100.0
) -> dict[str, Any]:
    """One item line (category left to the service when None)."""
    out = {"description": description, "quantity": quantity, "unit_value": unit_value}
    if category is not None:
        out["category"] = category
    return out


async def realname_missing(engine: Engine) -> Fired:
    d = await score(engine, export_postal(sender=party(**NO_ID)))
    return Fired(d, "REALNAME_MISSING", "reject", holds=("export",))


async def id_invalid_sender(engine: Engine) -> Fired:
    number = wrong_check_digit(resident_id(region="110105", birth="19491231", seq="123"))
    d = await score(engine, waybill(sender=party(id_number=number)))
    return Fired(
        d,
        "ID_INVALID",
        "reject",
        holds=(masked(number), "sender"),
        figures=(masked(number),),
        plain_ids=(number,),
    )


async def id_invalid_buyer(engine: Engine) -> Fired:
    base = "320102" + "19881332" + "456"  # no 13th month
    number = base + ric.calc_check_digit(base + "0")
    d = await score(engine, cbec_import(receiver=cn_receiver(id_type="resident_id", id_number=number)))
    return Fired(
        d,
        "ID_INVALID",
        "reject",
        holds=(masked(number), "receiver"),
        figures=(masked(number),),
        plain_ids=(number,),
    )


async def realname_unverified(engine: Engine) -> Fired:
    number = resident_id(seq="124")
    d = await score(
        engine, waybill(sender=party(id_number=number, id_verified=False, verification_method="none"))
    )
    return Fired(d, "REALNAME_UNVERIFIED", "inspect", holds=(False,), plain_ids=(number,))


async def buyer_id_missing(engine: Engine) -> Fired:
    d = await score(
        engine, cbec_import(receiver=cn_receiver(), items=[line("奶粉 milk powder", "food", 1, 300.0)])
    )
    return Fired(d, "BUYER_ID_MISSING", "hold", holds=("import", "cbec"))


def register(engine: Engine, contract_id: str, **changes: Any) -> None:
    engine.agreements.upsert([Agreement(contract_id=contract_id, name="某网店", carrier="SF", **changes)])


def shop(contract_id: str | None) -> dict[str, Any]:
    """An agreement customer's shop that also gave a verified ID."""
    return party(
        name="某网店", customer_type="contract", contract_id=contract_id, id_number=resident_id(seq="125")
    )


async def contract_suspended(engine: Engine) -> Fired:
    register(engine, "HT/2026/0042", status="suspended", valid_until=date(2027, 12, 31))
    d = await score(engine, waybill(sender=shop("HT/2026/0042")))
    return Fired(
        d, "CONTRACT_UNQUALIFIED", "hold", holds=("HT/2026/0042", "suspended"), figures=("HT/2026/0042",)
    )


async def contract_without_number(engine: Engine) -> Fired:
    d = await score(engine, waybill(sender=shop(None)))
    return Fired(d, "CONTRACT_UNQUALIFIED", "hold", holds=("unknown",))


async def inspection_not_recorded(engine: Engine) -> Fired:
    d = await score(engine, waybill(pickup_checks={"opened_inspection": False}))
    return Fired(d, "INSPECTION_NOT_RECORDED", "inspect", holds=(False,))


async def xray_not_recorded(engine: Engine) -> Fired:
    d = await score(engine, export_postal(pickup_checks={"xray_screened": False}))
    return Fired(d, "XRAY_NOT_RECORDED", "inspect", holds=(False,))


async def prohibited_item(engine: Engine) -> Fired:
    d = await score(engine, waybill(items=[line("雷管 10枚", "general", 1, 50.0)]))
    return Fired(d, "PROHIBITED_ITEM", "reject", holds=("雷管",), figures=("雷管 10枚",))


async def over_personal_limit(engine: Engine) -> Fired:
    d = await score(engine, over_limit())
    return Fired(d, "OVER_PERSONAL_LIMIT", "hold", holds=(1000.0, 800.0), figures=(1000, 800))


async def over_personal_limit_single(engine: Engine) -> Fired:
    wb = export_postal(items=[line("单反相机 camera", "electronics", 1, 1200.0)], weight_kg=1.5)
    d = await score(engine, wb)
    return Fired(d, "OVER_PERSONAL_LIMIT", "inspect", holds=(1200.0, 800.0), figures=(1200, 800))


async def cbec_single_limit(engine: Engine) -> Fired:
    d = await score(engine, cbec_import(items=[line("奶粉 milk powder", "food", 2, 3000.0)]))
    return Fired(d, "CBEC_SINGLE_LIMIT", "hold", holds=(6000.0, 5000.0), figures=(6000, 5000))


async def brand_price_anomaly(engine: Engine) -> Fired:
    wb = waybill(items=[{**line("Dior 口红 lipstick", "cosmetics", 1, 40.0), "brand": "Dior"}])
    d = await score(engine, wb)
    return Fired(d, "BRAND_PRICE_ANOMALY", "inspect", holds=("Dior", 40.0, 150.0), figures=("Dior", 40, 150))


async def commercial_quantity(engine: Engine) -> Fired:
    wb = export_postal(items=[line("纯棉T恤 cotton T-shirt", "apparel_shoes", 12, 20.0)], weight_kg=2.0)
    d = await score(engine, wb)
    return Fired(d, "COMMERCIAL_QUANTITY", "inspect", holds=(12, 10), figures=(12, 10))


async def weight_value_mismatch(engine: Engine) -> Fired:
    d = await score(
        engine, waybill(items=[line("手机壳 phone case", "electronics", 1, 50.0)], weight_kg=10.0)
    )
    return Fired(
        d,
        "WEIGHT_VALUE_MISMATCH",
        "inspect",
        holds=(5.0, 20.0, 500000.0),
        figures=(5, 20, 500000),
    )


def audited_waybill_no() -> str:
    """A waybill number the starting rate of 0.5 % picks for a random inspection."""
    n = 0
    while audit_draw("SF", f"SF{1500000000000 + n}") >= 0.005:
        n += 1
    return f"SF{1500000000000 + n}"


async def random_audit(engine: Engine) -> Fired:
    engine.policy = engine.policy.model_copy(update={"audit": Audit(random_rate=0.005)})
    d = await score(engine, waybill(waybill_no=audited_waybill_no()))
    return Fired(
        d, "RANDOM_AUDIT", "inspect", holds=(0.005,), figures=(("0.005", "0.5%", "0.5 %", "千分之五"),)
    )


async def model_high_risk(engine: Engine) -> Fired:
    engine.scorer = FixedScorer(0.93)
    d = await score(engine, waybill())
    factors = [["sender_parcels_24h", 0.42], ["near_limit_share_7d", 0.31]]
    keys = {"score": 0.93, "threshold": 0.8, "top_factors": factors}
    return Fired(d, "MODEL_HIGH_RISK", "hold", holds=(0.93, 0.8), figures=(0.93, 0.8), keys=keys)


async def model_elevated_risk(engine: Engine) -> Fired:
    engine.scorer = FixedScorer(0.62)
    d = await score(engine, waybill())
    return Fired(d, "MODEL_ELEVATED_RISK", "inspect", holds=(0.62, 0.5), figures=(0.62, 0.5))


async def without_history(engine: Engine, wb: dict[str, Any]) -> Decision:
    engine.history = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    try:
        return await score(engine, wb)
    finally:
        await engine.history.close()


async def history_unavailable_cross_border(engine: Engine) -> Fired:
    d = await without_history(engine, export_postal())
    return Fired(d, "HISTORY_UNAVAILABLE", "inspect", holds=("export",))


async def history_unavailable_domestic(engine: Engine) -> Fired:
    d = await without_history(engine, waybill())
    return Fired(d, "HISTORY_UNAVAILABLE", "release", holds=("domestic",))


# History reasons


async def cbec_annual_limit(engine: Engine) -> Fired:
    who = buyer("654")
    for i in range(6):
        wb = cbec_import(
            hours_after=i * 24, receiver=who, items=[line("奶粉 milk powder", "food", 1, 4000.0)]
        )
        await score(engine, wb)
    last = cbec_import(hours_after=7 * 24, receiver=who, items=[line("奶粉 milk powder", "food", 1, 2500.0)])
    d = await score(engine, last)
    return Fired(
        d,
        "CBEC_ANNUAL_LIMIT",
        "hold",
        holds=(26500.0, 26000.0, 2500.0),
        figures=(26500, 26000),
        plain_ids=(who["id_number"],),
    )


async def near_limit_split(engine: Engine) -> Fired:
    receiver = cn_receiver(phone="13700007777")

    def parcel(i: int, value: float) -> dict[str, Any]:
        goods = [line(f"化妆品套装{i} cosmetics set", "cosmetics", 1, value)]
        return waybill(
            hours_after=i * 20,
            service="import",
            channel="postal",
            sender=hk_sender(1),
            receiver=receiver,
            items=goods,
            weight_kg=0.8,
        )

    decoy = parcel(1, 300.0)
    near = [parcel(0, 780.0), parcel(2, 790.0)]
    for wb in (near[0], decoy, near[1]):
        await score(engine, wb)
    d = await score(engine, parcel(3, 760.0))
    keys = {
        "window": "7d",
        "near_limit_parcels": 3,
        "band": [720.0, 800.0],
        "per_parcel_limit": 800.0,
        "min_count": 3,
    }
    return Fired(
        d,
        "NEAR_LIMIT_SPLIT",
        "inspect",
        holds=(3, 720.0, 800.0),
        figures=(3, 7),
        keys=keys,
        linked={wb["waybill_no"] for wb in near},
        not_linked={decoy["waybill_no"]},
    )


async def ant_moving_sender(engine: Engine) -> Fired:
    sender = party(phone="13700003333", id_number=resident_id(seq="603"))
    decoy = export_postal(hours_after=0.1, sender=sender, items=[line("手表 watch", "general", 2, 450.0)])
    ring = [
        export_postal(
            hours_after=i * 0.4,
            sender=sender,
            receiver=macau_receiver(i % 5),
            items=[line("面霜 face cream", "cosmetics", 1, 760.0 + i)],
            weight_kg=0.4,
        )
        for i in range(6)
    ]
    await score(engine, ring[0])
    await score(engine, decoy)
    for wb in ring[1:-1]:
        await score(engine, wb)
    d = await score(engine, ring[-1])
    total = sum(760.0 + i for i in range(6))
    keys = {
        "window": "24h",
        "parcels": 6,
        "distinct_receivers": 5,
        "total_value": total,
        "per_parcel_limit": 800.0,
        "near_limit_parcels": 6,
    }
    return Fired(
        d,
        "ANT_MOVING_SENDER",
        "hold",
        holds=(6, 5, total, 800.0),
        figures=(6, 5, total, 24),
        keys=keys,
        linked={wb["waybill_no"] for wb in ring[:-1]},
        not_linked={decoy["waybill_no"]},
        plain_ids=(sender["id_number"],),
    )


async def ant_moving_receiver(engine: Engine) -> Fired:
    receiver = cn_receiver(phone="13712345678")
    parcels = [
        waybill(
            hours_after=i * 20,
            service="import",
            channel="postal",
            sender=hk_sender(10 + i % 4),
            receiver=receiver,
            items=[line(f"保健品{i} supplements", "food", 1, 600.0 + i)],
            weight_kg=1.0,
        )
        for i in range(5)
    ]
    for wb in parcels[:-1]:
        await score(engine, wb)
    d = await score(engine, parcels[-1])
    total = sum(600.0 + i for i in range(5))
    keys = {"window": "7d", "parcels": 5, "total_value": total, "per_parcel_limit": 800.0}
    return Fired(
        d,
        "ANT_MOVING_RECEIVER",
        "hold",
        holds=(5, 4, total, 800.0),
        figures=(5, 4, total, 7),
        keys=keys,
        linked={wb["waybill_no"] for wb in parcels[:-1]},
    )


async def same_goods_fanout(engine: Engine) -> Fired:
    sender = party(phone="13700001111", id_number=resident_id(seq="601"))
    same = [
        export_postal(
            hours_after=i * 30,
            sender=sender,
            receiver=macau_receiver(i % 3),
            items=[line("运动鞋 sneakers", "apparel_shoes", 1, 120.0)],
            weight_kg=1.0,
        )
        for i in range(5)
    ]
    decoy = export_postal(
        hours_after=15, sender=sender, receiver=macau_receiver(4), items=[line("茶叶 tea", "food", 1, 100.0)]
    )
    await score(engine, same[0])
    await score(engine, decoy)
    for wb in same[1:-1]:
        await score(engine, wb)
    d = await score(engine, same[-1])
    return Fired(
        d,
        "SAME_GOODS_FANOUT",
        "inspect",
        holds=(5, 3, "7d"),
        figures=(5, 3, 7),
        linked={wb["waybill_no"] for wb in same[:-1]},
        not_linked={decoy["waybill_no"]},
        plain_ids=(sender["id_number"],),
    )


async def velocity_spike(engine: Engine) -> Fired:
    sender = party(phone="13822223333", id_number=resident_id(seq="301"))
    for day in range(16):
        for k in range(2):
            await score(engine, waybill(hours_after=-(16 - day) * 24 + k, sender=sender))
    spike = [waybill(hours_after=k * 0.5, sender=sender) for k in range(20)]
    for wb in spike[:-1]:
        await score(engine, wb)
    d = await score(engine, spike[-1])
    return Fired(
        d, "VELOCITY_SPIKE", "inspect", holds=(20, 2.0), figures=(20, 2, 24), plain_ids=(sender["id_number"],)
    )


async def velocity_spike_after_a_quiet_history(engine: Engine) -> Fired:
    sender = party(phone="13822224444", id_number=resident_id(seq="302"))
    await score(engine, waybill(hours_after=-20 * 24, sender=sender))
    spike = [waybill(hours_after=k * 0.5, sender=sender) for k in range(20)]
    for wb in spike[:-1]:
        await score(engine, wb)
    d = await score(engine, spike[-1])
    return Fired(d, "VELOCITY_SPIKE", "inspect", holds=(20, 0.0), figures=(20, 0, 24))


async def watchlist_hit(engine: Engine) -> Fired:
    await engine.set_listed([ListEntry(kind="phone", value="13987654321", list="watch")])
    d = await score(engine, waybill(receiver=cn_receiver(phone="13987654321")))
    return Fired(d, "WATCHLIST_HIT", "hold", holds=("watch", "receiver_phone"))


def violation(number: str, at: str, n: int) -> Violation:
    return Violation.model_validate(
        {"kind": "id", "id_type": "resident_id", "value": number, "at": at, "parcel": f"SF:SF000000000{n}"}
    )


async def prior_violation(engine: Engine) -> Fired:
    number = resident_id(region="350203", birth="19820202", seq="555")
    await engine.record_violations([violation(number, "2026-06-01T10:00:00+08:00", 1)])
    d = await score(engine, waybill(sender=party(id_number=number)))
    return Fired(d, "PRIOR_VIOLATIONS", "inspect", holds=(1,), figures=(1,), plain_ids=(number,))


async def prior_violations_twice(engine: Engine) -> Fired:
    number = resident_id(region="350203", birth="19820202", seq="556")
    await engine.record_violations(
        [violation(number, "2026-03-01T10:00:00+08:00", 2), violation(number, "2026-09-01T10:00:00+08:00", 3)]
    )
    d = await score(engine, waybill(sender=party(id_number=number)))
    return Fired(d, "PRIOR_VIOLATIONS", "hold", holds=(2,), figures=(2,), plain_ids=(number,))


STATELESS: dict[str, Builder] = {
    "realname-missing": realname_missing,
    "id-invalid-sender": id_invalid_sender,
    "id-invalid-buyer": id_invalid_buyer,
    "realname-unverified": realname_unverified,
    "buyer-id-missing": buyer_id_missing,
    "contract-suspended": contract_suspended,
    "contract-without-number": contract_without_number,
    "inspection-not-recorded": inspection_not_recorded,
    "xray-not-recorded": xray_not_recorded,
    "prohibited-item": prohibited_item,
    "over-personal-limit": over_personal_limit,
    "over-personal-limit-single": over_personal_limit_single,
    "cbec-single-limit": cbec_single_limit,
    "brand-price-anomaly": brand_price_anomaly,
    "commercial-quantity": commercial_quantity,
    "weight-value-mismatch": weight_value_mismatch,
    "random-audit": random_audit,
    "model-high-risk": model_high_risk,
    "model-elevated-risk": model_elevated_risk,
    "history-unavailable-cross-border": history_unavailable_cross_border,
    "history-unavailable-domestic": history_unavailable_domestic,
}

WITH_HISTORY: dict[str, Builder] = {
    "cbec-annual-limit": cbec_annual_limit,
    "near-limit-split": near_limit_split,
    "ant-moving-sender": ant_moving_sender,
    "ant-moving-receiver": ant_moving_receiver,
    "same-goods-fanout": same_goods_fanout,
    "velocity-spike": velocity_spike,
    "velocity-spike-quiet-history": velocity_spike_after_a_quiet_history,
    "watchlist-hit": watchlist_hit,
    "prior-violation": prior_violation,
    "prior-violations-twice": prior_violations_twice,
}

ALL = STATELESS | WITH_HISTORY

SCENARIO_CODES = {
    "realname-missing": "REALNAME_MISSING",
    "id-invalid-sender": "ID_INVALID",
    "id-invalid-buyer": "ID_INVALID",
    "realname-unverified": "REALNAME_UNVERIFIED",
    "buyer-id-missing": "BUYER_ID_MISSING",
    "contract-suspended": "CONTRACT_UNQUALIFIED",
    "contract-without-number": "CONTRACT_UNQUALIFIED",
    "inspection-not-recorded": "INSPECTION_NOT_RECORDED",
    "xray-not-recorded": "XRAY_NOT_RECORDED",
    "prohibited-item": "PROHIBITED_ITEM",
    "over-personal-limit": "OVER_PERSONAL_LIMIT",
    "over-personal-limit-single": "OVER_PERSONAL_LIMIT",
    "cbec-single-limit": "CBEC_SINGLE_LIMIT",
    "brand-price-anomaly": "BRAND_PRICE_ANOMALY",
    "commercial-quantity": "COMMERCIAL_QUANTITY",
    "weight-value-mismatch": "WEIGHT_VALUE_MISMATCH",
    "random-audit": "RANDOM_AUDIT",
    "model-high-risk": "MODEL_HIGH_RISK",
    "model-elevated-risk": "MODEL_ELEVATED_RISK",
    "history-unavailable-cross-border": "HISTORY_UNAVAILABLE",
    "history-unavailable-domestic": "HISTORY_UNAVAILABLE",
    "cbec-annual-limit": "CBEC_ANNUAL_LIMIT",
    "near-limit-split": "NEAR_LIMIT_SPLIT",
    "ant-moving-sender": "ANT_MOVING_SENDER",
    "ant-moving-receiver": "ANT_MOVING_RECEIVER",
    "same-goods-fanout": "SAME_GOODS_FANOUT",
    "velocity-spike": "VELOCITY_SPIKE",
    "velocity-spike-quiet-history": "VELOCITY_SPIKE",
    "watchlist-hit": "WATCHLIST_HIT",
    "prior-violation": "PRIOR_VIOLATIONS",
    "prior-violations-twice": "PRIOR_VIOLATIONS",
}

# What RULES.md §3 asks of a reason that has more than one outcome.
VARIANT_OUTCOMES = {
    "over-personal-limit-single": "inspect",  # a single article: inspected instead of held
    "history-unavailable-domestic": "release",  # informational for domestic
    "prior-violations-twice": "hold",  # two within a year
}


def check_catalogued(name: str, fired: Fired) -> None:
    """Code, outcome, severity, order, contract JSON and evidence of the target reason."""
    assert fired.code == SCENARIO_CODES[name]
    d, r = fired.decision, the(fired.decision, fired.code)
    expected = VARIANT_OUTCOMES.get(name, CATALOGUE[fired.code])
    assert fired.outcome == expected  # the scenario's own reading agrees with the catalogue table
    assert r.outcome == expected, (r.code, r.outcome)
    assert_well_ordered(d)
    assert SEVERITY[d.decision] >= SEVERITY[expected]
    assert_contract_json(d, fired.plain_ids)
    ev = r.evidence
    for value in fired.holds:
        assert holds(ev, value), (fired.code, value, ev)
    for key, value in fired.keys.items():
        assert key in ev, (fired.code, key, ev)
        assert holds(ev[key], value) if not isinstance(value, list) else ev[key] == value, (key, ev[key])
    if fired.linked is not None:
        linked = ev["linked_waybills"]
        assert len(linked) == len(set(linked)) and d.waybill_no not in linked
        assert set(linked) == fired.linked, (sorted(linked), sorted(fired.linked))
    assert not fired.not_linked & set(ev.get("linked_waybills", []))


@pytest.mark.parametrize("name", list(STATELESS))
async def test_a_stateless_reason_is_as_catalogued_with_checkable_evidence(engine: Engine, name: str) -> None:
    """Outcome per RULES.md §3, decision the most severe, ordered, contract JSON, evidence, no plain ID."""
    check_catalogued(name, await STATELESS[name](engine))


@pytest.mark.parametrize("name", list(WITH_HISTORY))
async def test_a_history_reason_is_as_catalogued_with_checkable_evidence(
    history_engine: Engine, name: str
) -> None:
    """The same on every history store, and a ring's linked waybills are exactly the parcels counted."""
    check_catalogued(name, await WITH_HISTORY[name](history_engine))


@pytest.mark.parametrize("name", ALL)
async def test_both_sentences_are_filled_and_name_the_evidence_figures(engine: Engine, name: str) -> None:
    """A Chinese and an English sentence, no placeholder left, each naming the figures behind it."""
    fired = await ALL[name](engine)
    r = the(fired.decision, fired.code)
    assert_sentences(r.code, r.message, r.message_en)
    for figure in fired.figures:
        assert names(r.message, figure), (r.code, figure, r.message)
        assert names(r.message_en, figure), (r.code, figure, r.message_en)


# Several reasons at once: every one appears, once, most severe first --------------------------------------


def assert_each_once(d: Decision, expected: Sequence[str]) -> None:
    """The expected codes are all there, each once, and every sentence is filled."""
    found = [r.code for r in d.reasons]
    for code in expected:
        assert found.count(code) == 1, (code, found)
    assert_well_ordered(d)
    for r in d.reasons:
        assert_sentences(r.code, r.message, r.message_en)
        assert r.evidence, r.code


def prohibited_cbec_over_limit() -> dict[str, Any]:
    """A cbec import of 6,100 CNY holding a detonator, without the buyer's ID."""
    goods = [line("雷管 detonator", "general", 1, 100.0), line("奶粉 milk powder", "food", 2, 3000.0)]
    return cbec_import(receiver=cn_receiver(), items=goods, weight_kg=3.0)


MULTI_CBEC = ("PROHIBITED_ITEM", "CBEC_SINGLE_LIMIT", "BUYER_ID_MISSING")


async def test_a_prohibited_item_on_a_cbec_parcel_over_the_limit_without_buyer_id_gives_all_three(
    engine: Engine,
) -> None:
    d = await score(engine, prohibited_cbec_over_limit())
    assert_each_once(d, MULTI_CBEC)
    assert d.decision == "reject" and d.reasons[0].code == "PROHIBITED_ITEM"
    assert [r.outcome for r in d.reasons[:3]] == ["reject", "hold", "hold"]
    limit = the(d, "CBEC_SINGLE_LIMIT")
    assert holds(limit.evidence, 6100.0) and holds(limit.evidence, 5000.0)
    assert names(limit.message, 6100) and names(limit.message_en, 5000)
    assert holds(the(d, "PROHIBITED_ITEM").evidence, "雷管")
    assert_contract_json(d, ())


def test_the_three_reasons_come_over_http_as_a_contract_decision_and_read_back_the_same(
    client: ScoringClient,
) -> None:
    wb = prohibited_cbec_over_limit()
    body = client.score(wb)
    assert [r["code"] for r in body["reasons"]][:1] == ["PROHIBITED_ITEM"]
    assert set(MULTI_CBEC) <= {r["code"] for r in body["reasons"]}
    assert Counter(r["code"] for r in body["reasons"]).most_common(1)[0][1] == 1
    assert body["decision"] == "reject"
    d = Decision.model_validate(body)
    assert_contract_json(d, ())
    assert [r.model_dump(mode="json") for r in d.reasons] == body["reasons"]
    back = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}")
    assert back.status_code == 200
    assert back.json()["reasons"] == body["reasons"] and back.json()["decision"] == "reject"


async def test_a_parcel_failing_every_pickup_duty_names_each_failure_once(engine: Engine) -> None:
    wb = waybill(
        sender=party(**NO_ID),
        pickup_checks={"opened_inspection": False, "xray_screened": False},
        items=[line("手机壳 phone case", "electronics", 1, 50.0)],
        weight_kg=10.0,
    )
    d = await score(engine, wb)
    expected = ("REALNAME_MISSING", "INSPECTION_NOT_RECORDED", "XRAY_NOT_RECORDED", "WEIGHT_VALUE_MISMATCH")
    assert_each_once(d, expected)
    assert d.decision == "reject" and [r.outcome for r in d.reasons] == [
        "reject",
        "inspect",
        "inspect",
        "inspect",
    ]


async def test_four_outcomes_in_one_decision_come_most_severe_first(engine: Engine) -> None:
    """Reject, hold, inspect and an informational release: in that order; the decision is the reject."""
    register(engine, "HT/2026/0099", status="suspended")
    wb = waybill(
        sender=shop("HT/2026/0099"),
        items=[line("雷管 10枚", "general", 1, 50.0)],
        pickup_checks={"xray_screened": False},
    )
    d = await without_history(engine, wb)
    assert [(r.code, r.outcome) for r in d.reasons] == [
        ("PROHIBITED_ITEM", "reject"),
        ("CONTRACT_UNQUALIFIED", "hold"),
        ("XRAY_NOT_RECORDED", "inspect"),
        ("HISTORY_UNAVAILABLE", "release"),
    ]
    assert d.decision == "reject"
    assert_each_once(d, [r.code for r in d.reasons])


async def test_two_prohibited_lines_are_one_reason_naming_both_terms(engine: Engine) -> None:
    goods = [line("雷管 10枚", "general", 1, 50.0), line("仿真手枪 replica pistol", "general", 1, 80.0)]
    d = await score(engine, waybill(items=goods))
    assert_each_once(d, ["PROHIBITED_ITEM"])
    hits = the(d, "PROHIBITED_ITEM").evidence["hits"]
    assert holds(hits, "雷管") and {h["item"] for h in hits} == {0, 1}, hits


async def test_a_model_hold_beside_a_limit_hold_and_a_missing_xray_are_all_given(engine: Engine) -> None:
    engine.scorer = FixedScorer(0.93)
    d = await score(engine, over_limit(pickup_checks={"xray_screened": False}))
    assert_each_once(d, ("MODEL_HIGH_RISK", "OVER_PERSONAL_LIMIT", "XRAY_NOT_RECORDED"))
    assert d.decision == "hold" and d.reasons[-1].code == "XRAY_NOT_RECORDED"
    assert d.risk_score == pytest.approx(0.93)


async def test_several_listed_entities_are_one_watchlist_reason_naming_each(engine: Engine) -> None:
    number = resident_id(region="510104", birth="19751111", seq="777")
    await engine.set_listed(
        [
            ListEntry(kind="id", id_type="resident_id", value=number, list="black"),
            ListEntry(kind="phone", value="13987654321", list="watch"),
        ]
    )
    d = await score(
        engine, waybill(sender=party(id_number=number), receiver=cn_receiver(phone="13987654321"))
    )
    assert_each_once(d, ["WATCHLIST_HIT"])
    hits = the(d, "WATCHLIST_HIT").evidence["hits"]
    assert {h["entity"]: h["lists"] for h in hits} == {"sender_id": ["black"], "receiver_phone": ["watch"]}
    assert_contract_json(d, (number,))


# The sentences follow the policy in force -----------------------------------------------------------------


def with_limits(policy: Policy, **changes: Any) -> Policy:
    return policy.model_copy(update={"limits": policy.limits.model_copy(update=changes)})


async def test_a_changed_personal_limit_is_the_limit_the_sentences_quote(engine: Engine) -> None:
    engine.policy = with_limits(engine.policy, personal_hk_mo_tw_cny=900.0)
    r = the(await score(engine, over_limit()), "OVER_PERSONAL_LIMIT")
    assert holds(r.evidence, 900.0) and not holds(r.evidence, 800.0)
    for text in (r.message, r.message_en):
        assert names(text, 900) and names(text, 1000) and not names(text, 800), text


async def test_a_changed_personal_use_quantity_is_the_maximum_the_sentences_quote(engine: Engine) -> None:
    goods = engine.policy.goods.model_copy(update={"commercial_units": 8})
    engine.policy = engine.policy.model_copy(update={"goods": goods})
    wb = export_postal(items=[line("纯棉T恤 cotton T-shirt", "apparel_shoes", 9, 20.0)], weight_kg=2.0)
    r = the(await score(engine, wb), "COMMERCIAL_QUANTITY")
    for text in (r.message, r.message_en):
        assert names(text, 8) and names(text, 9) and not names(text, 10), text


async def test_a_changed_model_threshold_is_the_threshold_the_sentences_quote(engine: Engine) -> None:
    model = engine.policy.model.model_copy(update={"hold_threshold": 0.9})
    engine.policy = engine.policy.model_copy(update={"model": model})
    engine.scorer = FixedScorer(0.93)
    r = the(await score(engine, waybill()), "MODEL_HIGH_RISK")
    assert r.evidence["threshold"] == 0.9
    for text in (r.message, r.message_en):
        assert names(text, 0.9) and names(text, 0.93) and not names(text, 0.8), text


async def test_a_changed_near_limit_band_is_the_band_the_sentences_quote(engine: Engine) -> None:
    engine.policy = with_limits(engine.policy, near_limit_band=0.8)
    receiver = cn_receiver(phone="13700008888")
    for i in range(3):
        wb = waybill(
            hours_after=i * 20,
            service="import",
            channel="postal",
            sender=hk_sender(2),
            receiver=receiver,
            items=[line(f"化妆品套装{i} cosmetics set", "cosmetics", 1, 660.0)],
            weight_kg=0.8,
        )
        d = await score(engine, wb)
    r = the(d, "NEAR_LIMIT_SPLIT")
    assert r.evidence["band"] == [640.0, 800.0]
    for text in (r.message, r.message_en):
        assert "90%" not in text and "90 %" not in text, text


# Over HTTP ----------------------------------------------------------------------------------------------


def test_each_outcome_answers_reasons_in_the_contract_shape_and_reads_back(
    client: ScoringClient,
) -> None:
    """Plain release: no reasons; inspect, hold, reject: reasons with the example's fields; hold: a case."""
    parcels = {
        "release": waybill(),
        "inspect": waybill(pickup_checks={"xray_screened": False}),
        "hold": over_limit(),
        "reject": waybill(sender=party(**NO_ID)),
    }
    for outcome, wb in parcels.items():
        body = client.score(wb)
        assert body["decision"] == outcome, (outcome, body["reasons"])
        if outcome == "release":
            assert body["reasons"] == []
        else:
            assert body["reasons"] and body["reasons"][0]["outcome"] == outcome
        for r in body["reasons"]:
            assert set(r) == REASON_KEYS and r["outcome"] in SEVERITY
            assert_sentences(r["code"], r["message"], r["message_en"])
        assert (body["case_id"] is not None) == (outcome == "hold")
        assert_contract_json(Decision.model_validate(body), ())
        back = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").json()
        assert back["reasons"] == body["reasons"] and back["decision"] == outcome


def test_a_malformed_id_is_a_422_naming_it_and_a_false_one_a_reject_showing_it_masked(
    client: ScoringClient,
) -> None:
    short = resident_id(seq="888")[:17]
    r = client.http.post("/v1/score", json=waybill(sender=party(id_number=short)))
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "sender", "id_number"]]
    assert short not in r.text
    false = wrong_check_digit(resident_id(seq="889"))
    body = client.score(waybill(sender=party(id_number=false)))
    assert body["decision"] == "reject"
    r_ev = next(x for x in body["reasons"] if x["code"] == "ID_INVALID")
    assert holds(r_ev["evidence"], masked(false)) and masked(false) in r_ev["message"]
    assert false not in json.dumps(body, ensure_ascii=False)


# The figures shown prove the rule: a figure is not rounded onto the threshold it passed ------------------


async def test_a_model_score_just_over_the_threshold_shows_over_it_in_the_evidence(engine: Engine) -> None:
    engine.scorer = FixedScorer(0.80004)
    d = await score(engine, waybill())
    r = the(d, "MODEL_HIGH_RISK")
    assert r.evidence["score"] > r.evidence["threshold"] == 0.8, r.evidence


async def test_a_value_per_kg_just_under_the_band_shows_under_it(engine: Engine) -> None:
    wb = waybill(items=[line("口红 lipstick", "cosmetics", 1, 59.99)], weight_kg=3.0001)  # 19.996 CNY/kg
    r = the(await score(engine, wb), "WEIGHT_VALUE_MISMATCH")
    assert holds(r.evidence, 59.99) and holds(r.evidence, 3.0001)
    assert r.evidence["value_per_kg"] < r.evidence["band_low"] == 20.0, r.evidence
    for text in (r.message, r.message_en):  # the value per kg comes first, then the band
        first = re.search(r"\d+(?:\.\d+)?", _flat(text))
        assert first is not None and float(first.group()) < 20.0, text


WIRE_WORDS = re.compile(r"(?<![A-Za-z])(?:domestic|export|import)(?![A-Za-z])|\d+\s?[hd](?![A-Za-z])")


async def test_the_chinese_sentences_write_lanes_and_windows_in_chinese(engine: Engine) -> None:
    """The contract's example writes 24小时内 and 7天内: a courier reads the Chinese sentence in Chinese."""
    for name in ("realname-missing", "near-limit-split", "ant-moving-sender"):
        fired = await ALL[name](engine)
        message = the(fired.decision, fired.code).message
        assert not WIRE_WORDS.search(message), message


@pytest.mark.parametrize(
    ("code", "window", "written"),
    [
        ("ANT_MOVING_SENDER", "24h", "in 24 h"),
        ("ANT_MOVING_SENDER", "7d", "in 7 days"),
        ("ANT_MOVING_RECEIVER", "7d", "in 7 days"),
        ("NEAR_LIMIT_SPLIT", "7d", "in 7 days"),
        ("SAME_GOODS_FANOUT", "7d", "in 7 days"),
    ],
)
def test_the_english_sentences_write_windows_as_the_contract_example_does(
    code: str, window: str, written: str
) -> None:
    """decision.example.json: "... to 8 receivers in 24 h ...", "... outbound parcels in 7 days ..."."""
    said = reason(code, window=window, entity="sender phone", parcels=6)
    assert written in said.message_en and window not in said.message_en.replace(written, "")
