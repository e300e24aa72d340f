"""Waybills on which several rules fire at once: every reason is given, the decision is the most severe.

Written from shared/domain/RULES.md §3 (each reason asks for an outcome by itself; "the final decision is
the most severe outcome among the reasons"), §1 (real-name pickup and its exemptions for letters and
qualified agreement customers; the personal-article limits; 刑法 art. 153: two penalties within a year),
the wire contract (shared/contract/README.md: `reasons` holds "every rule that fired and the model's own
reason, most severe first", `case_id` is "set when decision is hold"; decision.example.json: the fields of
a decision and of a reason, and a hold rule listed before the model's hold before an inspect rule) and
shared/ARCHITECTURE.md (without history the answer carries HISTORY_UNAVAILABLE, inspect for
cross-border and informational for domestic).

Each scenario builds a parcel on which two to four rules fire and checks:
- every reason that should fire is listed, once, with the outcome RULES.md gives it (none dropped because
  a more severe one fired), and none that should not;
- the decision is the most severe of their outcomes and the reasons come most severe first;
- each reason carries evidence holding the figures behind it, and a Chinese and an English sentence;
- the decision has the fields of decision.example.json.

Readings chosen where the sources are silent:
- Reasons of equal severity keep a fixed order: the same content gives the same list whatever its waybill
  number or the order of its item lines, and the outage reason comes after the rules that fired without
  history. Within hold, a rule comes before the model, as in decision.example.json.
- A reason that stands for several offending lines, parties or records names each of them in its
  evidence (two articles over the personal-use quantity, two false ID numbers): a courier or an officer
  must not learn of the second only after the first is fixed.
- PRIOR_VIOLATIONS counts the confirmed violations of the person who hands the parcel over: one found by
  the sender's ID and another, of a different parcel, found by the sender's phone on this same waybill
  are two violations within a year (刑法 art. 153). One parcel's violation recorded under both is one.
"""

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from screening.agreements import Agreement
from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine
from screening.history import RedisHistoryStore
from screening.parcel import Parcel
from screening.policy.history import EntityView
from screening.policy.sampling import audit_draw
from screening.policy.schemas import Audit
from screening.watchlists import ListEntry, Violation
from tests.conftest import ScoringClient
from tests.factories import (
    NO_ID,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    macau_receiver,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.shared_dir import SHARED

pytestmark = pytest.mark.anyio

SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
DECISION_EXAMPLE: dict[str, Any] = json.loads((SHARED / "contract" / "decision.example.json").read_text())
EXAMPLE_REASONS: dict[str, dict[str, Any]] = {r["code"]: r for r in DECISION_EXAMPLE["reasons"]}
REASON_KEYS = set(DECISION_EXAMPLE["reasons"][0])
CJK = re.compile(r"[\u4e00-\u9fff]")
UNFILLED = re.compile(r"[{}]|(?<![A-Za-z])(?:None|nan|NaN|null)(?![A-Za-z])")
HU = "HISTORY_UNAVAILABLE"


def _catalogue() -> dict[str, set[str]]:
    """RULES.md §3: each code and every outcome its outcome column names (hold; inspect for a single...)."""
    text = (SHARED / "domain" / "RULES.md").read_text()
    section = text.split("## 3.", 1)[1].split("## 4.", 1)[0]
    out: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"[A-Z][A-Z_]+", cells[0]):
            out[cells[0]] = set(re.findall(r"\b(reject|hold|inspect|release)\b", cells[1]))
    return out


CATALOGUE = _catalogue()


# Helpers ------------------------------------------------------------------------------------------------


async def score(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


def pairs(d: Decision) -> list[tuple[str, str]]:
    """(code, outcome) of each reason, in the answer's order."""
    return [(r.code, r.outcome) for r in d.reasons]


def the(d: Decision, code: str) -> Reason:
    """The one reason of a code (fails when absent)."""
    found = [r for r in d.reasons if r.code == code]
    assert found, f"{code} not in {pairs(d)}"
    return found[0]


def masked(number: str) -> str:
    """The display form RULES.md §1 gives: first six, eight stars, last four."""
    return number[:6] + "*" * 8 + number[-4:]


def holds(evidence: Any, value: Any) -> bool:
    """Whether the evidence holds a value anywhere (numbers compared to the cent)."""
    if isinstance(evidence, dict):
        return any(holds(v, value) for v in evidence.values())
    if isinstance(evidence, list | tuple):
        return any(holds(v, value) for v in evidence)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(evidence, int | float) and not isinstance(evidence, bool):
            return abs(float(evidence) - float(value)) < 0.005
        return False
    return bool(evidence == value)


def assert_reason_well_formed(r: Reason) -> None:
    """A catalogued code and outcome, evidence, and a filled Chinese and English sentence."""
    assert r.code in CATALOGUE, r.code
    assert r.outcome in CATALOGUE[r.code], (r.code, r.outcome, CATALOGUE[r.code])
    assert isinstance(r.evidence, dict) and r.evidence, r.code
    json.dumps(r.evidence, ensure_ascii=False, allow_nan=False)
    assert CJK.search(r.message), (r.code, r.message)
    assert len(re.findall(r"\b[A-Za-z]{2,}\b", r.message_en)) >= 3, (r.code, r.message_en)
    for text in (r.message, r.message_en):
        assert not UNFILLED.search(text), (r.code, text)


def assert_contract_shape(wire: dict[str, Any]) -> None:
    """The fields of decision.example.json, each reason with the example's reason fields."""
    assert set(DECISION_EXAMPLE) <= set(wire), set(DECISION_EXAMPLE) - set(wire)
    assert wire["decision"] in SEVERITY
    assert isinstance(wire["risk_score"], int | float) and 0 <= wire["risk_score"] <= 1
    assert isinstance(wire["model_version"], str) and wire["model_version"]
    assert isinstance(wire["policy_version"], str) and wire["policy_version"]
    assert re.search(r"(?:[+-]\d{2}:\d{2}|Z)$", wire["scored_at"]), wire["scored_at"]
    for r in wire["reasons"]:
        assert set(r) == REASON_KEYS, set(r)


def assert_mixed(
    d: Decision,
    expected: dict[str, str],
    decision: str,
    *,
    exact: bool = True,
    absent: Sequence[str] = (),
) -> None:
    """Every expected reason with its outcome, once; most severe first; the decision is the maximum."""
    found = pairs(d)
    counts = Counter(code for code, _ in found)
    assert all(n == 1 for n in counts.values()), found
    got = dict(found)
    for code, outcome in expected.items():
        assert got.get(code) == outcome, (code, outcome, found)
    if exact:
        assert set(got) == set(expected), found
    for code in absent:
        assert code not in got, (code, found)
    severities = [SEVERITY[o] for _, o in found]
    assert severities == sorted(severities, reverse=True), found
    assert d.decision == decision, (d.decision, found)
    assert SEVERITY[d.decision] == max(severities, default=0)
    for r in d.reasons:
        assert_reason_well_formed(r)
    assert_contract_shape(d.model_dump(mode="json"))


class FixedScorer:
    """A model giving every parcel the same probability, explained by the example's two features."""

    version = "fixed-1"

    def __init__(self, probability: float) -> None:
        self.probability = probability

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        """The fixed probability."""
        return self.probability

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        """Two contributions, as in decision.example.json."""
        return (("sender_parcels_24h", 0.42), ("near_limit_share_7d", 0.31))[:top]


JAPAN = hk_receiver(phone="+81312345678", address={"country": "JP", "city": "Tokyo", "detail": "1-1 Chiyoda"})


def hk_shop(n: int) -> dict[str, Any]:
    """The n-th shop in Hong Kong (a sender abroad, no ID)."""
    return hk_receiver(name=f"HK SHOP {n}", phone=f"+8529300{n:04d}", address={"detail": f"{n} Canton Road"})


def buyer(seq: str) -> dict[str, Any]:
    """A mainland buyer (receiver) with a resident ID."""
    return cn_receiver(
        id_type="resident_id", id_number=resident_id(region="320102", birth="19880808", seq=seq)
    )


def line(
    description: str, category: str | None, quantity: int, unit_value: float, **more: Any
) -> dict[str, Any]:
    """One item line (category left to the service when None)."""
    out: dict[str, Any] = {"description": description, "quantity": quantity, "unit_value": unit_value}
    if category is not None:
        out["category"] = category
    return out | more


def contract_sender(contract_id: str | None, **changes: Any) -> dict[str, Any]:
    """An agreement customer's shop, without an ID unless given."""
    return party(
        **(NO_ID | {"name": "某网店", "customer_type": "contract", "contract_id": contract_id} | changes)
    )


def register(engine: Engine, contract_id: str, **changes: Any) -> None:
    """Put an agreement customer in the registry (SF unless another carrier is given)."""
    fields: dict[str, Any] = {"carrier": "SF"} | changes
    engine.agreements.upsert([Agreement(contract_id=contract_id, name="某网店", **fields)])


DETONATOR = line("雷管 detonator", "general", 1, 10.0)
LETTER = line("合同文件 contract papers", "documents", 1, 0.0)
CHEAP_DIOR = line("Dior 口红 lipstick", "cosmetics", 1, 40.0, brand="Dior")
CHEAP_LV = line("LV 手提包 handbag", "bags_leather", 1, 1200.0, brand="Louis Vuitton")
CAMERA = line("单反相机 camera", "electronics", 1, 1200.0)
UNVERIFIED = party(id_verified=False, verification_method="none")


# Stateless mixes: a table of parcels, each with every reason that must fire ------------------------------


@dataclass(frozen=True)
class Mix:
    """A parcel, what to set up first, the reasons it must get and the figures their evidence holds."""

    build: Callable[[], dict[str, Any]]
    expected: dict[str, str]
    decision: str
    setup: Callable[[Engine], None] | None = None
    evidence: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    exact: bool = True


def _scorer(probability: float) -> Callable[[Engine], None]:
    def setup(engine: Engine) -> None:
        engine.scorer = FixedScorer(probability)

    return setup


def _agreements(engine: Engine) -> None:
    register(engine, "HT/2026/0100")
    register(engine, "HT/2026/0201", status="suspended")
    register(engine, "HT/2026/0302", valid_until=date(2026, 10, 31))
    register(engine, "HT/2026/0403", carrier="YTO")


BAD_BIRTH = resident_id(region="320102", birth="19880431", seq="503")  # 31 April
FALSE_BUYER = wrong_check_digit(resident_id(region="320102", birth="19880808", seq="777"))

MIXES: dict[str, Mix] = {
    # Agreement customers: a qualified one is exempt from the ID check, not from the goods rules.
    "active-agreement-no-id-detonator": Mix(
        lambda: waybill(sender=contract_sender("HT/2026/0100"), items=[DETONATOR]),
        {"PROHIBITED_ITEM": "reject"},
        "reject",
        setup=_agreements,
        evidence={"PROHIBITED_ITEM": ("雷管",)},
        absent=("REALNAME_MISSING", "CONTRACT_UNQUALIFIED"),
    ),
    "suspended-agreement-no-id-detonator": Mix(
        lambda: waybill(sender=contract_sender("HT/2026/0201"), items=[DETONATOR]),
        {"REALNAME_MISSING": "reject", "PROHIBITED_ITEM": "reject", "CONTRACT_UNQUALIFIED": "hold"},
        "reject",
        setup=_agreements,
        evidence={"CONTRACT_UNQUALIFIED": ("HT/2026/0201", "suspended"), "PROHIBITED_ITEM": ("雷管",)},
    ),
    "expired-agreement-no-id": Mix(
        lambda: waybill(sender=contract_sender("HT/2026/0302")),
        {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"},
        "reject",
        setup=_agreements,
        evidence={"CONTRACT_UNQUALIFIED": ("HT/2026/0302", "expired")},
    ),
    "another-carriers-agreement-no-id-export": Mix(
        lambda: export_postal(sender=contract_sender("HT/2026/0403")),
        {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"},
        "reject",
        setup=_agreements,
        evidence={"CONTRACT_UNQUALIFIED": ("HT/2026/0403", "unknown"), "REALNAME_MISSING": ("export",)},
    ),
    "unregistered-agreement-with-id-replica-pistol": Mix(
        lambda: waybill(
            sender=contract_sender(
                "HT/2026/0999",
                id_type="resident_id",
                id_number=resident_id(seq="125"),
                id_verified=True,
                verification_method="id_reader",
            ),
            items=[line("仿真手枪 replica pistol", "general", 1, 80.0)],
        ),
        {"PROHIBITED_ITEM": "reject", "CONTRACT_UNQUALIFIED": "hold"},
        "reject",
        setup=_agreements,
        evidence={"CONTRACT_UNQUALIFIED": ("HT/2026/0999", "unknown"), "PROHIBITED_ITEM": ("仿真手枪",)},
        absent=("REALNAME_MISSING",),
    ),
    # Letters: exempt from the ID check only, and only when they are letters.
    "export-letter-no-id-no-pickup-checks": Mix(
        lambda: export_postal(
            sender=party(**NO_ID),
            items=[LETTER],
            weight_kg=0.1,
            pickup_checks={"opened_inspection": False, "xray_screened": False},
        ),
        {"INSPECTION_NOT_RECORDED": "inspect", "XRAY_NOT_RECORDED": "inspect"},
        "inspect",
        absent=("REALNAME_MISSING",),
    ),
    "letter-of-a-suspended-agreement-no-xray": Mix(
        lambda: export_postal(
            sender=contract_sender("HT/2026/0201"),
            items=[LETTER],
            weight_kg=0.1,
            pickup_checks={"xray_screened": False},
        ),
        {"CONTRACT_UNQUALIFIED": "hold", "XRAY_NOT_RECORDED": "inspect"},
        "hold",
        setup=_agreements,
        absent=("REALNAME_MISSING",),
    ),
    "letter-with-a-cheap-lipstick-no-id": Mix(
        lambda: waybill(sender=party(**NO_ID), items=[LETTER, CHEAP_DIOR], weight_kg=0.2),
        {"REALNAME_MISSING": "reject", "BRAND_PRICE_ANOMALY": "inspect"},
        "reject",
        evidence={"BRAND_PRICE_ANOMALY": ("Dior", 40.0, 150.0)},
    ),
    "lipstick-declared-as-documents-no-id": Mix(
        lambda: waybill(
            sender=party(**NO_ID), items=[{**CHEAP_DIOR, "category": "documents"}], weight_kg=0.1
        ),
        {"REALNAME_MISSING": "reject", "BRAND_PRICE_ANOMALY": "inspect"},
        "reject",
        evidence={"BRAND_PRICE_ANOMALY": ("Dior", 40.0, 150.0)},
    ),
    "counterfeit-banknotes-declared-as-a-letter-no-id": Mix(
        lambda: export_postal(
            sender=party(**NO_ID),
            items=[line("假币 counterfeit banknotes", "documents", 1, 0.0)],
            weight_kg=0.1,
        ),
        {"PROHIBITED_ITEM": "reject"},
        "reject",
        evidence={"PROHIBITED_ITEM": ("假币",)},
        exact=False,
    ),
    # Personal-article limit beside the goods rules.
    "single-cheap-lv-handbag-over-the-limit": Mix(
        lambda: export_postal(items=[CHEAP_LV], weight_kg=1.0),
        {"OVER_PERSONAL_LIMIT": "inspect", "BRAND_PRICE_ANOMALY": "inspect"},
        "inspect",
        evidence={
            "OVER_PERSONAL_LIMIT": (1200.0, 800.0),
            "BRAND_PRICE_ANOMALY": ("Louis Vuitton", 1200.0, 8000.0),
        },
    ),
    "two-cheap-lv-handbags-over-the-limit": Mix(
        lambda: export_postal(items=[{**CHEAP_LV, "quantity": 2}], weight_kg=2.0),
        {"OVER_PERSONAL_LIMIT": "hold", "BRAND_PRICE_ANOMALY": "inspect"},
        "hold",
        evidence={"OVER_PERSONAL_LIMIT": (2400.0, 800.0), "BRAND_PRICE_ANOMALY": (1200.0, 8000.0)},
    ),
    "single-camera-unverified-sender-no-xray": Mix(
        lambda: export_postal(
            sender=UNVERIFIED, items=[CAMERA], weight_kg=1.5, pickup_checks={"xray_screened": False}
        ),
        {"REALNAME_UNVERIFIED": "inspect", "OVER_PERSONAL_LIMIT": "inspect", "XRAY_NOT_RECORDED": "inspect"},
        "inspect",
        evidence={"OVER_PERSONAL_LIMIT": (1200.0, 800.0)},
    ),
    "single-camera-no-id": Mix(
        lambda: export_postal(sender=party(**NO_ID), items=[CAMERA], weight_kg=1.5),
        {"REALNAME_MISSING": "reject", "OVER_PERSONAL_LIMIT": "inspect"},
        "reject",
        evidence={"OVER_PERSONAL_LIMIT": (1200.0, 800.0)},
    ),
    "twelve-cheap-gucci-shirts-from-japan": Mix(
        lambda: waybill(
            service="import",
            channel="postal",
            sender=JAPAN,
            items=[line("Gucci T恤 T-shirt", "apparel_shoes", 12, 100.0, brand="Gucci")],
            weight_kg=3.0,
        ),
        {"OVER_PERSONAL_LIMIT": "hold", "BRAND_PRICE_ANOMALY": "inspect", "COMMERCIAL_QUANTITY": "inspect"},
        "hold",
        evidence={
            "OVER_PERSONAL_LIMIT": (1200.0, 1000.0),
            "BRAND_PRICE_ANOMALY": ("Gucci", 100.0, 3000.0),
            "COMMERCIAL_QUANTITY": (12, 10),
        },
    ),
    "individual-express-to-japan-with-twelve-cheap-lipsticks": Mix(
        lambda: waybill(
            service="export",
            channel="express",
            receiver=JAPAN,
            items=[{**CHEAP_DIOR, "quantity": 12}, line("纯棉T恤 cotton T-shirt", "apparel_shoes", 10, 70.0)],
            weight_kg=2.0,
        ),
        {"OVER_PERSONAL_LIMIT": "hold", "BRAND_PRICE_ANOMALY": "inspect", "COMMERCIAL_QUANTITY": "inspect"},
        "hold",
        evidence={"OVER_PERSONAL_LIMIT": (1180.0, 1000.0), "COMMERCIAL_QUANTITY": (12, 5)},
    ),
    "agreement-express-to-japan-with-twelve-cheap-lipsticks": Mix(
        lambda: waybill(
            service="export",
            channel="express",
            receiver=JAPAN,
            sender=contract_sender("HT/2026/0100"),
            items=[{**CHEAP_DIOR, "quantity": 12}, line("纯棉T恤 cotton T-shirt", "apparel_shoes", 10, 70.0)],
            weight_kg=2.0,
        ),
        {"BRAND_PRICE_ANOMALY": "inspect"},
        "inspect",
        setup=_agreements,
        absent=("OVER_PERSONAL_LIMIT", "COMMERCIAL_QUANTITY", "REALNAME_MISSING"),
    ),
    # Cross-border e-commerce: its own limits, never the personal-article ones.
    "cbec-export-no-id-over-the-single-limit": Mix(
        lambda: waybill(
            service="export",
            channel="cbec",
            sender=party(**NO_ID),
            receiver=hk_receiver(),
            items=[line("纯棉T恤 cotton T-shirt", "apparel_shoes", 12, 500.0)],
            weight_kg=3.0,
        ),
        {"REALNAME_MISSING": "reject", "CBEC_SINGLE_LIMIT": "hold"},
        "reject",
        evidence={"CBEC_SINGLE_LIMIT": (6000.0, 5000.0)},
        absent=("OVER_PERSONAL_LIMIT", "COMMERCIAL_QUANTITY"),
    ),
    "cbec-import-false-buyer-id-over-the-limit-no-xray": Mix(
        lambda: waybill(
            service="import",
            channel="cbec",
            sender=hk_shop(1),
            receiver=cn_receiver(id_type="resident_id", id_number=FALSE_BUYER),
            items=[line("奶粉 milk powder", "food", 2, 3000.0)],
            weight_kg=3.0,
            pickup_checks={"xray_screened": False},
        ),
        {"ID_INVALID": "reject", "CBEC_SINGLE_LIMIT": "hold", "XRAY_NOT_RECORDED": "inspect"},
        "reject",
        evidence={"ID_INVALID": (masked(FALSE_BUYER), "receiver"), "CBEC_SINGLE_LIMIT": (6000.0, 5000.0)},
        absent=("BUYER_ID_MISSING",),
    ),
    # Real name on both sides.
    "no-sender-id-and-a-false-receiver-id": Mix(
        lambda: waybill(
            sender=party(**NO_ID), receiver=cn_receiver(id_type="resident_id", id_number=BAD_BIRTH)
        ),
        {"ID_INVALID": "reject", "REALNAME_MISSING": "reject"},
        "reject",
        evidence={"ID_INVALID": (masked(BAD_BIRTH), "receiver")},
    ),
    "unverified-sender-and-a-false-receiver-id": Mix(
        lambda: waybill(sender=UNVERIFIED, receiver=cn_receiver(id_type="resident_id", id_number=BAD_BIRTH)),
        {"ID_INVALID": "reject", "REALNAME_UNVERIFIED": "inspect"},
        "reject",
        evidence={"ID_INVALID": (masked(BAD_BIRTH),)},
    ),
    # COMMERCIAL_QUANTITY: 5 units of medicine are personal use, 6 are not; 10 is only the general count.
    "five-units-of-medicine-no-inspection": Mix(
        lambda: export_postal(
            items=[line("感冒药 cold medicine", "medicine", 5, 150.0)],
            weight_kg=1.0,
            pickup_checks={"opened_inspection": False},
        ),
        {"INSPECTION_NOT_RECORDED": "inspect"},
        "inspect",
        absent=("COMMERCIAL_QUANTITY",),
    ),
    "six-units-of-medicine-no-inspection": Mix(
        lambda: export_postal(
            items=[line("感冒药 cold medicine", "medicine", 6, 100.0)],
            weight_kg=1.0,
            pickup_checks={"opened_inspection": False},
        ),
        {"COMMERCIAL_QUANTITY": "inspect", "INSPECTION_NOT_RECORDED": "inspect"},
        "inspect",
        evidence={"COMMERCIAL_QUANTITY": (6, 5)},
    ),
    "ten-units-of-medicine-over-the-limit": Mix(
        lambda: export_postal(items=[line("感冒药 cold medicine", "medicine", 10, 90.0)], weight_kg=1.0),
        {"OVER_PERSONAL_LIMIT": "hold", "COMMERCIAL_QUANTITY": "inspect"},
        "hold",
        evidence={"OVER_PERSONAL_LIMIT": (900.0, 800.0), "COMMERCIAL_QUANTITY": (10, 5)},
    ),
    "ten-units-of-undeclared-medicine-unverified-sender": Mix(
        lambda: export_postal(
            sender=UNVERIFIED, items=[line("感冒药 cold medicine", None, 10, 20.0)], weight_kg=0.5
        ),
        {"COMMERCIAL_QUANTITY": "inspect", "REALNAME_UNVERIFIED": "inspect"},
        "inspect",
        evidence={"COMMERCIAL_QUANTITY": (10, 5)},
    ),
    "ten-shirts-and-a-missing-xray": Mix(
        lambda: export_postal(
            items=[line("纯棉T恤 cotton T-shirt", "apparel_shoes", 10, 20.0)],
            weight_kg=2.0,
            pickup_checks={"xray_screened": False},
        ),
        {"XRAY_NOT_RECORDED": "inspect"},
        "inspect",
        absent=("COMMERCIAL_QUANTITY",),
    ),
    # The model's reason beside the rules'.
    "detonator-and-a-model-hold": Mix(
        lambda: waybill(items=[DETONATOR]),
        {"PROHIBITED_ITEM": "reject", "MODEL_HIGH_RISK": "hold"},
        "reject",
        setup=_scorer(0.93),
        evidence={"MODEL_HIGH_RISK": (0.93, 0.8)},
    ),
    "single-camera-unverified-and-a-model-inspect": Mix(
        lambda: export_postal(sender=UNVERIFIED, items=[CAMERA], weight_kg=1.5),
        {
            "REALNAME_UNVERIFIED": "inspect",
            "OVER_PERSONAL_LIMIT": "inspect",
            "MODEL_ELEVATED_RISK": "inspect",
        },
        "inspect",
        setup=_scorer(0.62),
        evidence={"MODEL_ELEVATED_RISK": (0.62, 0.5)},
    ),
    "two-handbags-over-the-limit-and-a-model-inspect": Mix(
        lambda: export_postal(items=[{**CHEAP_LV, "quantity": 2}], weight_kg=2.0),
        {"OVER_PERSONAL_LIMIT": "hold", "BRAND_PRICE_ANOMALY": "inspect", "MODEL_ELEVATED_RISK": "inspect"},
        "hold",
        setup=_scorer(0.62),
    ),
}


@pytest.mark.parametrize("name", list(MIXES))
async def test_every_reason_that_fires_is_given_and_the_most_severe_decides(
    engine: Engine, name: str
) -> None:
    mix = MIXES[name]
    if mix.setup is not None:
        mix.setup(engine)
    d = await score(engine, mix.build())
    assert_mixed(d, mix.expected, mix.decision, exact=mix.exact, absent=mix.absent)
    for code, values in mix.evidence.items():
        ev = the(d, code).evidence
        for value in values:
            assert holds(ev, value), (code, value, ev)
    if "MODEL_HIGH_RISK" in mix.expected or "MODEL_ELEVATED_RISK" in mix.expected:
        assert isinstance(engine.scorer, FixedScorer)
        assert d.risk_score == pytest.approx(engine.scorer.probability) and d.model_version == "fixed-1"
    assert d.policy_version == engine.policy.version


# Several offenders of one rule: each is named ----------------------------------------------------------


async def test_two_articles_over_their_personal_use_counts_are_both_named(engine: Engine) -> None:
    wb = export_postal(
        items=[
            line("纯棉T恤 cotton T-shirt", "apparel_shoes", 12, 5.0),
            line("感冒药 cold medicine", "medicine", 7, 10.0),
        ],
        weight_kg=2.0,
    )
    d = await score(engine, wb)
    assert d.decision == "inspect"
    found = [r for r in d.reasons if r.code == "COMMERCIAL_QUANTITY"]
    assert found and all(r.outcome == "inspect" for r in found)
    evidence = [r.evidence for r in found]
    for description, quantity in (("纯棉T恤 cotton T-shirt", 12), ("感冒药 cold medicine", 7)):
        assert holds(evidence, description) and holds(evidence, quantity), (description, evidence)


async def test_false_ids_on_both_sides_are_both_named(engine: Engine) -> None:
    sender_bad = wrong_check_digit(resident_id(region="310115", birth="19820417", seq="235"))
    wb = waybill(
        sender=party(id_number=sender_bad), receiver=cn_receiver(id_type="resident_id", id_number=BAD_BIRTH)
    )
    d = await score(engine, wb)
    assert d.decision == "reject"
    found = [r for r in d.reasons if r.code == "ID_INVALID"]
    assert found and all(r.outcome == "reject" for r in found)
    evidence = [r.evidence for r in found]
    for number in (sender_bad, BAD_BIRTH):
        assert holds(evidence, masked(number)), (masked(number), evidence)
        assert number not in d.model_dump_json()


# The same content, the same list --------------------------------------------------------------------------


ORDERED = ("letter-with-a-cheap-lipstick-no-id", "individual-express-to-japan-with-twelve-cheap-lipsticks")


@pytest.mark.parametrize("name", ORDERED)
async def test_the_order_of_reasons_follows_the_content_not_the_line_order_or_number(
    engine: Engine, name: str
) -> None:
    mix = MIXES[name]
    first = mix.build()
    again = mix.build()  # another waybill number
    swapped = {**mix.build(), "items": list(reversed(first["items"]))}
    listed = [pairs(await score(engine, wb)) for wb in (first, again, swapped)]
    assert listed[0] == listed[1] == listed[2], listed
    assert len(listed[0]) >= 2


async def test_a_multi_line_cbec_parcel_lists_the_same_reasons_whichever_line_comes_first(
    engine: Engine,
) -> None:
    goods = [DETONATOR, line("奶粉 milk powder", "food", 2, 3000.0)]

    def parcel(lines: list[dict[str, Any]]) -> dict[str, Any]:
        return waybill(
            service="import", channel="cbec", sender=hk_shop(2), receiver=cn_receiver(), items=lines
        )

    a = await score(engine, parcel(goods))
    b = await score(engine, parcel(goods[::-1]))
    expected = {"PROHIBITED_ITEM": "reject", "CBEC_SINGLE_LIMIT": "hold", "BUYER_ID_MISSING": "hold"}
    assert_mixed(a, expected, "reject")
    assert pairs(a) == pairs(b)
    assert the(b, "PROHIBITED_ITEM").evidence["hits"][0]["item"] == 1  # still the detonator's own line


# RANDOM_AUDIT beside other reasons: drawn whatever else fired ---------------------------------------------


def audited_waybill_no() -> str:
    """A waybill number the starting rate of 0.5 % picks."""
    n = 0
    while audit_draw("SF", f"SF{1500000000000 + n}") >= 0.005:
        n += 1
    return f"SF{1500000000000 + n}"


def unaudited_waybill_no() -> str:
    """A waybill number the starting rate does not pick."""
    n = 0
    while audit_draw("SF", f"SF{1600000000000 + n}") < 0.005:
        n += 1
    return f"SF{1600000000000 + n}"


AUDITED: dict[str, tuple[Callable[[], dict[str, Any]], dict[str, str], str]] = {
    "watchlisted-receiver": (
        lambda: waybill(receiver=cn_receiver(phone="13987654321")),
        {"WATCHLIST_HIT": "hold"},
        "hold",
    ),
    "no-sender-id": (lambda: waybill(sender=party(**NO_ID)), {"REALNAME_MISSING": "reject"}, "reject"),
    "single-article-over-the-limit": (
        lambda: export_postal(items=[CAMERA], weight_kg=1.5),
        {"OVER_PERSONAL_LIMIT": "inspect"},
        "inspect",
    ),
    "cbec-without-buyer-id": (
        lambda: waybill(
            service="import",
            channel="cbec",
            sender=hk_shop(3),
            receiver=cn_receiver(),
            items=[line("奶粉 milk powder", "food", 1, 300.0)],
            weight_kg=1.0,
        ),
        {"BUYER_ID_MISSING": "hold"},
        "hold",
    ),
}


@pytest.mark.parametrize("name", list(AUDITED))
async def test_a_parcel_picked_for_random_audit_keeps_its_other_reasons_and_the_audit(
    engine: Engine, name: str
) -> None:
    build, others, decision = AUDITED[name]
    engine.policy = engine.policy.model_copy(update={"audit": Audit(random_rate=0.005)})
    await engine.set_listed([ListEntry(kind="phone", value="13987654321", list="watch")])
    picked = await score(engine, {**build(), "waybill_no": audited_waybill_no()})
    assert_mixed(picked, others | {"RANDOM_AUDIT": "inspect"}, decision)
    assert holds(the(picked, "RANDOM_AUDIT").evidence, 0.005)
    # The same parcel under a number the draw does not pick: the same reasons, without the audit.
    passed = await score(engine, {**build(), "waybill_no": unaudited_waybill_no()})
    assert_mixed(passed, others, decision)
    assert [p for p in pairs(picked) if p[0] != "RANDOM_AUDIT"] == pairs(passed)


# History rules beside stateless ones ------------------------------------------------------------------------


def violation(kind: str, value: str, at: str, parcel: str) -> Violation:
    """A confirmed violation of an ID (resident ID) or a phone."""
    fields: dict[str, Any] = {"kind": kind, "value": value, "at": at, "parcel": parcel}
    if kind == "id":
        fields["id_type"] = "resident_id"
    return Violation.model_validate(fields)


WITHIN_A_YEAR = ("2026-03-01T10:00:00+08:00", "2026-09-01T10:00:00+08:00")
OVER_A_YEAR_AGO = "2025-10-01T10:00:00+08:00"

PRIOR: dict[str, tuple[tuple[str, ...], dict[str, Any], dict[str, str], str, int]] = {
    "twice-and-no-xray": (
        WITHIN_A_YEAR,
        {"pickup_checks": {"xray_screened": False}},
        {"PRIOR_VIOLATIONS": "hold", "XRAY_NOT_RECORDED": "inspect"},
        "hold",
        2,
    ),
    "once-and-over-the-limit": (
        WITHIN_A_YEAR[1:],
        {
            "service": "export",
            "channel": "postal",
            "receiver": hk_receiver(),
            "items": [item(quantity=5, unit_value=200.0)],
        },
        {"OVER_PERSONAL_LIMIT": "hold", "PRIOR_VIOLATIONS": "inspect"},
        "hold",
        1,
    ),
    "twice-one-over-a-year-ago-and-a-cheap-lipstick": (
        (OVER_A_YEAR_AGO, WITHIN_A_YEAR[1]),
        {"items": [CHEAP_DIOR], "weight_kg": 0.1},
        {"BRAND_PRICE_ANOMALY": "inspect", "PRIOR_VIOLATIONS": "inspect"},
        "inspect",
        1,
    ),
    "twice-and-a-detonator": (
        WITHIN_A_YEAR,
        {"items": [DETONATOR]},
        {"PROHIBITED_ITEM": "reject", "PRIOR_VIOLATIONS": "hold"},
        "reject",
        2,
    ),
}


@pytest.mark.parametrize("name", list(PRIOR))
async def test_prior_violations_inspect_once_and_hold_twice_beside_other_reasons(
    engine: Engine, name: str
) -> None:
    times, changes, expected, decision, counted = PRIOR[name]
    number = resident_id(region="350203", birth="19820202", seq="561")
    await engine.record_violations(
        [violation("id", number, at, f"SF:SF00000001{k}") for k, at in enumerate(times)]
    )
    d = await score(engine, waybill(**({"sender": party(id_number=number)} | changes)))
    assert_mixed(d, expected, decision)
    ev = the(d, "PRIOR_VIOLATIONS").evidence
    assert holds(ev, counted) and holds(ev, "sender_id"), ev
    assert number not in d.model_dump_json()


async def test_a_listed_sender_with_a_prior_violation_gets_both_reasons(engine: Engine) -> None:
    number = resident_id(region="510104", birth="19751111", seq="931")
    await engine.set_listed([ListEntry(kind="id", id_type="resident_id", value=number, list="black")])
    await engine.record_violations([violation("id", number, WITHIN_A_YEAR[1], "SF:SF0000000093")])
    d = await score(engine, waybill(sender=party(id_number=number)))
    assert_mixed(d, {"WATCHLIST_HIT": "hold", "PRIOR_VIOLATIONS": "inspect"}, "hold")
    assert holds(the(d, "WATCHLIST_HIT").evidence, "black")
    assert holds(the(d, "PRIOR_VIOLATIONS").evidence, 1)


async def test_a_receiver_twice_in_violation_holds_though_the_sender_has_one(engine: Engine) -> None:
    sender_number = resident_id(seq="911")
    receiver = buyer("912")
    await engine.record_violations([violation("id", sender_number, WITHIN_A_YEAR[1], "SF:SF0000000091")])
    await engine.record_violations(
        [
            violation("id", receiver["id_number"], at, f"SF:SF000000009{k + 2}")
            for k, at in enumerate(WITHIN_A_YEAR)
        ]
    )
    d = await score(
        engine,
        waybill(
            sender=party(id_number=sender_number), receiver=receiver, pickup_checks={"xray_screened": False}
        ),
    )
    assert_mixed(d, {"PRIOR_VIOLATIONS": "hold", "XRAY_NOT_RECORDED": "inspect"}, "hold")
    ev = the(d, "PRIOR_VIOLATIONS").evidence
    assert holds(ev, 2) and holds(ev, "receiver_id"), ev


async def test_one_violation_each_for_sender_and_receiver_is_not_two_of_one_person(engine: Engine) -> None:
    sender_number = resident_id(seq="913")
    receiver = buyer("914")
    await engine.record_violations(
        [
            violation("id", sender_number, WITHIN_A_YEAR[0], "SF:SF0000000081"),
            violation("id", receiver["id_number"], WITHIN_A_YEAR[1], "SF:SF0000000082"),
        ]
    )
    d = await score(engine, waybill(sender=party(id_number=sender_number), receiver=receiver))
    assert_mixed(d, {"PRIOR_VIOLATIONS": "inspect"}, "inspect")
    assert holds(the(d, "PRIOR_VIOLATIONS").evidence, 1)


async def test_one_parcels_violation_recorded_under_the_senders_id_and_phone_counts_once(
    engine: Engine,
) -> None:
    number = resident_id(seq="915")
    at, parcel = WITHIN_A_YEAR[1], "SF:SF0000000083"
    await engine.record_violations(
        [violation("id", number, at, parcel), violation("phone", "13811118888", at, parcel)]
    )
    d = await score(engine, waybill(sender=party(id_number=number, phone="13811118888")))
    assert_mixed(d, {"PRIOR_VIOLATIONS": "inspect"}, "inspect")
    assert holds(the(d, "PRIOR_VIOLATIONS").evidence, 1)


async def test_two_violations_of_the_sender_found_by_id_and_by_phone_hold(engine: Engine) -> None:
    number = resident_id(seq="916")
    await engine.record_violations(
        [
            violation("id", number, WITHIN_A_YEAR[0], "SF:SF0000000084"),
            violation("phone", "13811117777", WITHIN_A_YEAR[1], "SF:SF0000000085"),
        ]
    )
    d = await score(engine, waybill(sender=party(id_number=number, phone="13811117777")))
    assert d.decision == "hold", pairs(d)
    assert the(d, "PRIOR_VIOLATIONS").outcome == "hold"


async def test_a_purchase_over_the_single_limit_that_also_passes_the_annual_total_gets_both(
    engine: Engine,
) -> None:
    who = buyer("941")

    def purchase(hours_after: float, value: float) -> dict[str, Any]:
        return waybill(
            hours_after=hours_after,
            service="import",
            channel="cbec",
            sender=hk_shop(4),
            receiver=who,
            items=[line("手提包 handbag", "bags_leather", 1, value)],
            weight_kg=1.0,
        )

    for k in range(5):
        assert "CBEC_ANNUAL_LIMIT" not in {
            r.code for r in (await score(engine, purchase(-24.0 * (k + 1), 4400.0))).reasons
        }
    d = await score(engine, purchase(0.0, 6000.0))
    assert_mixed(d, {"CBEC_SINGLE_LIMIT": "hold", "CBEC_ANNUAL_LIMIT": "hold"}, "hold")
    annual = the(d, "CBEC_ANNUAL_LIMIT").evidence
    assert holds(annual, 28000.0) and holds(annual, 26000.0), annual
    single = the(d, "CBEC_SINGLE_LIMIT").evidence
    assert holds(single, 6000.0) and holds(single, 5000.0), single


async def test_an_ant_ring_scored_by_the_model_lists_reasons_as_the_contract_example(engine: Engine) -> None:
    """decision.example.json: ANT_MOVING_SENDER (hold), MODEL_HIGH_RISK (hold), NEAR_LIMIT_SPLIT (inspect)."""
    engine.scorer = FixedScorer(0.91)
    ring = ant_ring(6)
    for wb in ring[:-1]:
        await score(engine, wb)
    d = await score(engine, ring[-1])
    expected = {
        "ANT_MOVING_SENDER": "hold",
        "MODEL_HIGH_RISK": "hold",
        "NEAR_LIMIT_SPLIT": "inspect",
        "SAME_GOODS_FANOUT": "inspect",
    }
    assert_mixed(d, expected, "hold")
    codes = [c for c, _ in pairs(d)]
    example_order = [r["code"] for r in DECISION_EXAMPLE["reasons"]]
    assert [c for c in codes if c in example_order] == example_order
    for code, example in EXAMPLE_REASONS.items():
        assert set(example["evidence"]) <= set(the(d, code).evidence), (code, the(d, code).evidence)
    assert set(the(d, "ANT_MOVING_SENDER").evidence["linked_waybills"]) == {
        wb["waybill_no"] for wb in ring[:-1]
    }
    assert d.risk_score == pytest.approx(0.91)


async def test_a_listed_sender_running_an_ant_ring_gets_the_list_and_the_ring(engine: Engine) -> None:
    await engine.set_listed([ListEntry(kind="phone", value="13800138000", list="watch")])
    ring = ant_ring(6)
    for wb in ring[:-1]:
        assert (await score(engine, wb)).decision == "hold"
    d = await score(engine, ring[-1])
    expected = {
        "WATCHLIST_HIT": "hold",
        "ANT_MOVING_SENDER": "hold",
        "NEAR_LIMIT_SPLIT": "inspect",
        "SAME_GOODS_FANOUT": "inspect",
    }
    assert_mixed(d, expected, "hold")
    assert holds(the(d, "WATCHLIST_HIT").evidence, "sender_phone")
    assert holds(the(d, "ANT_MOVING_SENDER").evidence, 6)


async def test_a_parcel_over_the_limit_after_three_just_under_it_gets_both_reasons(engine: Engine) -> None:
    sender = party(phone="13700009999", id_number=resident_id(seq="901"))
    near = [
        export_postal(
            hours_after=i,
            sender=sender,
            items=[line(f"面霜{i} face cream", "cosmetics", 1, 750.0)],
            weight_kg=0.5,
        )
        for i in range(3)
    ]
    for wb in near:
        await score(engine, wb)
    over = export_postal(
        hours_after=4, sender=sender, items=[line("面霜 face cream", "cosmetics", 2, 450.0)], weight_kg=0.5
    )
    d = await score(engine, over)
    assert_mixed(d, {"OVER_PERSONAL_LIMIT": "hold", "NEAR_LIMIT_SPLIT": "inspect"}, "hold")
    split = the(d, "NEAR_LIMIT_SPLIT").evidence
    assert split["near_limit_parcels"] == 3 and split["band"] == [720.0, 800.0]
    assert set(split["linked_waybills"]) == {wb["waybill_no"] for wb in near}
    assert holds(the(d, "OVER_PERSONAL_LIMIT").evidence, 900.0)


async def test_cheap_brand_goods_fanned_out_get_the_price_and_the_fanout(engine: Engine) -> None:
    sender = party(phone="13700001212", id_number=resident_id(seq="951"))
    parcels = [
        export_postal(
            hours_after=i * 5,
            sender=sender,
            receiver=macau_receiver(i % 3),
            items=[line("Gucci T恤 T-shirt", "apparel_shoes", 1, 150.0, brand="Gucci")],
            weight_kg=0.5,
        )
        for i in range(5)
    ]
    for wb in parcels[:-1]:
        assert_mixed(await score(engine, wb), {"BRAND_PRICE_ANOMALY": "inspect"}, "inspect")
    d = await score(engine, parcels[-1])
    assert_mixed(d, {"BRAND_PRICE_ANOMALY": "inspect", "SAME_GOODS_FANOUT": "inspect"}, "inspect")
    fan = the(d, "SAME_GOODS_FANOUT").evidence
    assert holds(fan, 5) and holds(fan, 3)
    assert set(fan["linked_waybills"]) == {wb["waybill_no"] for wb in parcels[:-1]}


async def test_a_cbec_buyer_without_id_collecting_from_many_shops_gets_both_holds(engine: Engine) -> None:
    receiver = cn_receiver(phone="13700005555")
    parcels = [
        waybill(
            hours_after=i * 10,
            service="import",
            channel="cbec",
            sender=hk_shop(10 + i),
            receiver=receiver,
            items=[line(f"商品{i} goods {i}", "general", 1, 3100.0)],
            weight_kg=2.0,
        )
        for i in range(5)
    ]
    for wb in parcels[:-1]:
        assert_mixed(await score(engine, wb), {"BUYER_ID_MISSING": "hold"}, "hold")
    d = await score(engine, parcels[-1])
    assert_mixed(d, {"BUYER_ID_MISSING": "hold", "ANT_MOVING_RECEIVER": "hold"}, "hold")
    ring = the(d, "ANT_MOVING_RECEIVER").evidence
    assert ring["parcels"] == 5 and ring["per_parcel_limit"] == 5000.0 and ring["total_value"] == 15500.0


# Without history: the stateless reasons stay, the outage is named after them -------------------------------


DOWN: dict[str, tuple[Callable[[], dict[str, Any]], dict[str, str], str]] = {
    "plain-export": (lambda: export_postal(), {HU: "inspect"}, "inspect"),
    "export-without-sender-id": (
        lambda: export_postal(sender=party(**NO_ID)),
        {"REALNAME_MISSING": "reject", HU: "inspect"},
        "reject",
    ),
    "export-letter-without-sender-id": (
        lambda: export_postal(sender=party(**NO_ID), items=[LETTER], weight_kg=0.1),
        {HU: "inspect"},
        "inspect",
    ),
    "export-single-cheap-handbag-no-inspection": (
        lambda: export_postal(items=[CHEAP_LV], weight_kg=1.0, pickup_checks={"opened_inspection": False}),
        {
            "OVER_PERSONAL_LIMIT": "inspect",
            "BRAND_PRICE_ANOMALY": "inspect",
            "INSPECTION_NOT_RECORDED": "inspect",
            HU: "inspect",
        },
        "inspect",
    ),
    "cbec-export-without-id-over-the-limit": (
        MIXES["cbec-export-no-id-over-the-single-limit"].build,
        {"REALNAME_MISSING": "reject", "CBEC_SINGLE_LIMIT": "hold", HU: "inspect"},
        "reject",
    ),
    "cbec-import-without-buyer-id": (
        AUDITED["cbec-without-buyer-id"][0],
        {"BUYER_ID_MISSING": "hold", HU: "inspect"},
        "hold",
    ),
    "domestic-cheap-lipstick": (
        lambda: waybill(items=[CHEAP_DIOR], weight_kg=0.1),
        {"BRAND_PRICE_ANOMALY": "inspect", HU: "release"},
        "inspect",
    ),
}


@pytest.mark.parametrize("name", list(DOWN))
async def test_without_history_the_stateless_reasons_stay_and_the_outage_comes_last(
    engine: Engine, name: str
) -> None:
    build, expected, decision = DOWN[name]
    wb = build()
    engine.history = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    try:
        d = await score(engine, wb)
    finally:
        await engine.history.close()
    assert_mixed(d, expected, decision, absent=("REALNAME_MISSING",) if "letter" in name else ())
    assert d.reasons[-1].code == HU
    assert holds(the(d, HU).evidence, wb["service"])


# Over HTTP: the contract's fields, a case exactly for a hold, the same list read back ----------------------


HTTP_MIXES = (
    "twelve-cheap-gucci-shirts-from-japan",
    "cbec-export-no-id-over-the-single-limit",
    "single-cheap-lv-handbag-over-the-limit",
)


@pytest.mark.parametrize("name", HTTP_MIXES)
def test_a_mixed_decision_over_http_has_a_case_only_when_held_and_reads_back_the_same(
    client: ScoringClient, name: str
) -> None:
    mix = MIXES[name]
    wb = mix.build()
    body = client.score(wb)
    assert_contract_shape(body)
    assert body["decision"] == mix.decision
    assert [(r["code"], r["outcome"]) for r in body["reasons"]] == pairs(Decision.model_validate(body))
    assert {r["code"]: r["outcome"] for r in body["reasons"]} == mix.expected
    if mix.decision == "hold":
        assert body["case_id"] == f"CASE-SF-{wb['waybill_no']}"  # as decision.example.json writes it
    else:
        assert body["case_id"] is None  # the contract: set when decision is hold
    back = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}")
    assert back.status_code == 200, back.text
    assert back.json()["reasons"] == body["reasons"] and back.json()["decision"] == body["decision"]


def test_an_ant_ring_over_http_answers_in_the_shape_of_the_contract_example(client: ScoringClient) -> None:
    engine: Engine = client.http.app.state.engine  # type: ignore[attr-defined]
    engine.scorer = FixedScorer(0.91)
    ring = ant_ring(6)
    for wb in ring[:-1]:
        client.score(wb)
    body = client.score(ring[-1])
    assert_contract_shape(body)
    assert body["decision"] == "hold" and body["risk_score"] == pytest.approx(0.91)
    assert body["case_id"] == f"CASE-SF-{ring[-1]['waybill_no']}"
    assert body["model_version"] == "fixed-1" and body["policy_version"] == engine.policy.version
    codes = [r["code"] for r in body["reasons"]]
    example_order = [r["code"] for r in DECISION_EXAMPLE["reasons"]]
    assert [c for c in codes if c in example_order] == example_order, codes
    for r in body["reasons"]:
        if r["code"] in EXAMPLE_REASONS:
            example = EXAMPLE_REASONS[r["code"]]
            assert r["outcome"] == example["outcome"]
            assert set(example["evidence"]) <= set(r["evidence"]), (r["code"], r["evidence"])
    model = next(r for r in body["reasons"] if r["code"] == "MODEL_HIGH_RISK")["evidence"]
    assert model["top_factors"] == [["sender_parcels_24h", 0.42], ["near_limit_share_7d", 0.31]]


def test_a_batch_of_mixed_parcels_lists_each_parcels_reasons_as_scoring_it_alone(
    client: ScoringClient,
) -> None:
    names = (
        "suspended-agreement-no-id-detonator",
        "twelve-cheap-gucci-shirts-from-japan",
        "single-camera-unverified-sender-no-xray",
        "cbec-import-false-buyer-id-over-the-limit-no-xray",
    )
    engine: Engine = client.http.app.state.engine  # type: ignore[attr-defined]
    _agreements(engine)
    alone = [client.score(MIXES[n].build()) for n in names]
    r = client.http.post("/v1/score/batch", json={"waybills": [MIXES[n].build() for n in names]})
    assert r.status_code == 200, r.text
    batched = r.json()["decisions"]
    assert len(batched) == len(names)
    for name, one, many in zip(names, alone, batched, strict=True):
        assert_contract_shape(many)
        assert many["decision"] == one["decision"] == MIXES[name].decision, name
        listed = [(x["code"], x["outcome"]) for x in many["reasons"]]
        assert listed == [(x["code"], x["outcome"]) for x in one["reasons"]], name
        assert (many["case_id"] is not None) == (many["decision"] == "hold")
