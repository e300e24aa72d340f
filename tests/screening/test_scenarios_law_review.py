"""A law reviewer's reading of RULES.md §1–§3 against the rules, goods lists and engine's decisions."""

from datetime import date
from typing import Any

import pytest

from screening.agreements import Agreement
from screening.contract import Decision, Reason
from screening.engine import Engine
from screening.watchlists import Violation
from tests.factories import NO_ID, cn_receiver, export_postal, hk_receiver, item, party, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_identity import uscc_of

pytestmark = pytest.mark.anyio

# Readings of RULES.md used here, where it leaves a choice:
# - §1 (快递暂行条例 art. 22) exempts letters and agreement customers from the per-parcel identity check: the
#   exemption covers the check of the document against the person (REALNAME_UNVERIFIED) as well as its
#   presence. §2: `documents` are the letters; a category left out is inferred from the description, in
#   Chinese and English alike. 邮政法 (a source of §4) calls a postcard and a registered letter letters.
# - §1: the prohibited classes are those of 禁止寄递物品指导目录; a crossbow (弩) is a controlled
#   tool of class 2, and a pirated book or disc is the textbook IP-infringing article of the bold class 16.
# - §3 COMMERCIAL_QUANTITY: "5 for medicine and cosmetics" holds for medicine named in Chinese as in English.
# - ID_INVALID's birth date is judged against the pickup's Beijing day, as agreements and the cbec year are.
# - PRIOR_VIOLATIONS' "two within a year" are two of one entity (a person is their ID and phone, README);
#   one each on two people, or on a person and a building, are one each.


# Helpers


def the_reason(d: Decision, code: str) -> Reason:
    """The reason of one code; the decision must carry it."""
    assert code in codes(d), f"{code} missing: {d.decision}, {sorted(codes(d))}"
    return next(r for r in d.reasons if r.code == code)


def one_line(
    description: str, *, category: str | None = None, quantity: int = 1, value: float = 0.0
) -> list[dict[str, Any]]:
    """One item line; category None leaves it to be inferred from the description."""
    return [item(description=description, category=category, quantity=quantity, unit_value=value)]


def without_id(description: str, *, category: str | None = None, value: float = 0.0) -> dict[str, Any]:
    """A domestic parcel of one line from a sender who gave no identity document."""
    return waybill(
        sender=party(**NO_ID), items=one_line(description, category=category, value=value), weight_kg=0.2
    )


def picked_up(wb: dict[str, Any], when: str) -> dict[str, Any]:
    """The waybill picked up at another time, written as given."""
    return {**wb, "accepted_at": when}


def violation(ref: dict[str, Any], parcel: str) -> Violation:
    """A confirmed violation of one identifier, a month before the factories' pickup."""
    return Violation.model_validate({**ref, "at": "2026-10-11T10:00:00+08:00", "parcel": parcel})


# §1/§3 REALNAME_MISSING: "unless a letter/document" — a letter is exempt, goods are not


@pytest.mark.parametrize(
    ("description", "category"),
    [
        pytest.param("信件", None, id="xinjian-inferred"),
        pytest.param("registered letter", None, id="registered-letter-en-inferred"),
        pytest.param("明信片", "documents", id="postcard-declared-documents"),
    ],
)
async def test_a_letter_from_a_sender_without_id_is_not_refused(
    engine: Engine, description: str, category: str | None
) -> None:
    """快递暂行条例 art. 22: letters need no sender ID; inferred or declared, a letter is not rejected."""
    d = await score(engine, without_id(description, category=category))
    assert "REALNAME_MISSING" not in codes(d) and d.decision != "reject"


@pytest.mark.parametrize("description", ["挂号信", "明信片", "postcard", "书信"])
async def test_a_letter_named_in_everyday_words_is_exempt_from_the_id_check(
    engine: Engine, description: str
) -> None:
    """§2: the category is inferred from the description; a letter so named is a letter (§3 exemption)."""
    d = await score(engine, without_id(description))
    assert "REALNAME_MISSING" not in codes(d) and d.decision != "reject"


@pytest.mark.parametrize(
    ("description", "value"),
    [
        pytest.param("护照包", 80.0, id="passport-bag-zh"),
        pytest.param("document scanner", 600.0, id="document-scanner-en"),
        pytest.param("打印机", 900.0, id="printer-zh"),
    ],
)
async def test_goods_named_after_documents_from_a_sender_without_id_are_refused(
    engine: Engine, description: str, value: float
) -> None:
    """Goods are no letter: a passport bag or a document scanner needs the sender's ID (reject without)."""
    d = await score(engine, without_id(description, value=value))
    r = the_reason(d, "REALNAME_MISSING")
    assert (r.outcome, r.evidence["lane"], d.decision) == ("reject", "domestic", "reject")


@pytest.mark.parametrize(
    ("description", "value"),
    [
        pytest.param("发票打印机", 899.0, id="invoice-printer-zh"),
        pytest.param("invoice printer", 899.0, id="invoice-printer-en"),
        pytest.param("文件扫描仪", 600.0, id="document-scanner-zh"),
        pytest.param("id card reader", 300.0, id="id-card-reader-en"),
        pytest.param("passport wallet", 80.0, id="passport-wallet-en"),
        pytest.param("letter box", 120.0, id="letter-box-en"),
    ],
)
async def test_goods_inferred_from_a_document_word_still_need_the_sender_id(
    engine: Engine, description: str, value: float
) -> None:
    """A device or a holder named after what it prints or holds is goods: real-name pickup applies."""
    d = await score(engine, without_id(description, value=value))
    assert the_reason(d, "REALNAME_MISSING").outcome == "reject" and d.decision == "reject"


@pytest.mark.parametrize(
    ("description", "value"),
    [
        pytest.param("挂号信封 100个", 25.0, id="registered-mail-envelopes-zh"),
        pytest.param("信封 牛皮纸 100个", 25.0, id="envelopes-zh"),
        pytest.param("明信片套装 故宫", 59.0, id="postcard-set-zh"),
        pytest.param("postcard set of 30", 59.0, id="postcard-set-en"),
        pytest.param("梵高书信集 精装", 88.0, id="collected-letters-book-zh"),
        pytest.param("postcard printer", 899.0, id="postcard-printer-en"),
    ],
)
async def test_stationery_and_books_named_after_letters_are_goods(
    engine: Engine, description: str, value: float
) -> None:
    """Envelopes, a boxed set of postcards sold as merchandise, a book of collected letters and a postcard
    printer are goods, not correspondence: real-name pickup applies to their sender (REALNAME_MISSING)."""
    d = await score(engine, without_id(description, value=value))
    assert the_reason(d, "REALNAME_MISSING").outcome == "reject" and d.decision == "reject"


# §1 art. 22: the exemption is from the whole per-parcel identity check, verification included


@pytest.mark.parametrize("exempt", ["letter", "agreement-customer"])
async def test_an_exempt_parcel_is_not_inspected_for_an_unverified_id(engine: Engine, exempt: str) -> None:
    """A letter, or a qualified agreement customer, showing an ID not checked against the person: no
    REALNAME_UNVERIFIED, since the per-parcel check does not apply to them."""
    unverified = {"id_verified": False, "verification_method": "none"}
    if exempt == "letter":
        wb = waybill(sender=party(**unverified), items=one_line("合同 文件"), weight_kg=0.1)
    else:
        engine.agreements.upsert([Agreement(contract_id="HT-LAW-0001", name="某网店", carrier="SF")])
        shop = party(name="某网店", customer_type="contract", contract_id="HT-LAW-0001", **unverified)
        wb = export_postal(sender=shop)
    d = await score(engine, wb)
    assert not codes(d) & {"REALNAME_UNVERIFIED", "REALNAME_MISSING", "CONTRACT_UNQUALIFIED"}
    assert d.decision == "release"


async def test_an_expired_agreement_without_id_is_refused_with_the_agreement_status_in_evidence(
    engine: Engine,
) -> None:
    """An agreement past its last Beijing day no longer exempts: REALNAME_MISSING (reject) says which lane,
    which kind of customer and why the agreement did not count; CONTRACT_UNQUALIFIED (hold) dates it."""
    engine.agreements.upsert(
        [Agreement(contract_id="HT-LAW-0002", name="某网店", carrier="SF", valid_until=date(2026, 11, 10))]
    )
    shop = party(**(NO_ID | {"name": "某网店", "customer_type": "contract", "contract_id": "HT-LAW-0002"}))
    d = await score(engine, export_postal(sender=shop))
    missing = the_reason(d, "REALNAME_MISSING")
    assert missing.evidence == {"lane": "export", "customer_type": "contract", "agreement": "expired"}
    unqualified = the_reason(d, "CONTRACT_UNQUALIFIED")
    assert (unqualified.outcome, unqualified.evidence["status"], unqualified.evidence["on"]) == (
        "hold",
        "expired",
        "2026-11-11",
    )
    assert d.decision == "reject" and [r.code for r in d.reasons][:2] == [
        "REALNAME_MISSING",
        "CONTRACT_UNQUALIFIED",
    ]


# ID_INVALID: a birth date after the pickup is false, judged on the pickup's Beijing day


@pytest.mark.parametrize(
    ("accepted_at", "birth", "valid"),
    [
        pytest.param("2026-11-10T16:30:00Z", "20261111", True, id="born-on-the-beijing-day-utc-day-before"),
        pytest.param("2026-11-11T15:59:59Z", "20261112", False, id="born-the-next-beijing-day"),
        pytest.param("2026-11-11T16:00:00Z", "20261112", True, id="utc-11th-is-beijing-12th"),
    ],
)
async def test_a_birth_date_is_judged_against_the_pickups_beijing_day(
    engine: Engine, accepted_at: str, birth: str, valid: bool
) -> None:
    """RULES §3 ID_INVALID: a birth date after the pickup is wrong; the pickup's day is Beijing's."""
    number = resident_id(region="110105", birth=birth, seq="017")
    d = await score(engine, picked_up(waybill(sender=party(id_number=number)), accepted_at))
    if valid:
        assert "ID_INVALID" not in codes(d) and d.decision == "release"
        return
    r = the_reason(d, "ID_INVALID")
    assert (r.evidence["party"], r.evidence["problem"], d.decision) == ("sender", "birth_date", "reject")
    assert number not in r.message and number not in str(r.evidence)


# COMMERCIAL_QUANTITY: "more than 10 units of one item (5 for medicine and cosmetics)"


@pytest.mark.parametrize("description", ["painkillers", "感冒药", "cough syrup"])
async def test_six_units_of_a_medicine_named_in_either_language_are_commercial(
    engine: Engine, description: str
) -> None:
    """Six boxes of a medicine inferred from its name are over the 5 units of personal use."""
    wb = export_postal(items=one_line(description, quantity=6, value=20.0), weight_kg=1.0)
    ev = the_reason(await score(engine, wb), "COMMERCIAL_QUANTITY").evidence
    assert (ev["category"], ev["category_inferred"], ev["quantity"], ev["max_units"]) == (
        "medicine",
        True,
        6,
        5,
    )


@pytest.mark.parametrize("description", ["止痛药", "止咳药", "减肥药"])
async def test_six_units_of_a_chinese_named_medicine_are_commercial(engine: Engine, description: str) -> None:
    """止痛药 is a painkiller, 止咳药 a cough medicine, 减肥药 slimming pills: medicine, 5 units at most."""
    wb = export_postal(items=one_line(description, quantity=6, value=20.0), weight_kg=1.0)
    ev = the_reason(await score(engine, wb), "COMMERCIAL_QUANTITY").evidence
    assert (ev["category"], ev["max_units"]) == ("medicine", 5)


# PROHIBITED_ITEM: the classes of 禁止寄递物品指导目录 (§1)


@pytest.mark.parametrize("description", ["十字弩", "crossbow"])
async def test_a_crossbow_under_its_listed_names_is_a_controlled_tool(
    engine: Engine, description: str
) -> None:
    """弩 is named in class 2 (管制器具) of the catalogue: the listed names are rejected."""
    d = await score(engine, waybill(items=one_line(description, value=400.0), weight_kg=3.0))
    r = the_reason(d, "PROHIBITED_ITEM")
    assert {h["prohibited_class"] for h in r.evidence["hits"]} == {"controlled_knives"}
    assert d.decision == "reject"


@pytest.mark.parametrize("description", ["狩猎弩", "滑轮弩", "钢弩"])
async def test_a_crossbow_under_any_name_is_a_controlled_tool(engine: Engine, description: str) -> None:
    """A hunting, compound or steel crossbow is a crossbow: class 2, PROHIBITED_ITEM, reject."""
    d = await score(engine, waybill(items=one_line(description, value=400.0), weight_kg=3.0))
    assert the_reason(d, "PROHIBITED_ITEM").outcome == "reject" and d.decision == "reject"


@pytest.mark.parametrize("description", ["盗版光盘", "盗版书 一套", "pirated DVD box set"])
async def test_pirated_books_and_discs_are_ip_infringing_goods(engine: Engine, description: str) -> None:
    """侵犯著作权的图书、音像制品 are the IP-infringing goods of class 16: PROHIBITED_ITEM, reject."""
    d = await score(engine, waybill(items=one_line(description, value=40.0), weight_kg=1.0))
    assert the_reason(d, "PROHIBITED_ITEM").outcome == "reject" and d.decision == "reject"


@pytest.mark.parametrize(
    "description",
    [
        "反盗版标签 镭射 1000枚",
        "支持正版 拒绝盗版 贴纸",
        "正版图书 盗版必究",
        "pirate costume kids",
        "pirate ship building blocks",
        "玩具弩 吸盘软弹",
        "剑拔弩张 书法 字画",
        "强弩之末 图书",
    ],
)
async def test_anti_piracy_labels_pirate_toys_and_idioms_are_not_prohibited(
    engine: Engine, description: str
) -> None:
    """Anti-piracy labels and slogans, a genuine book's copyright notice, pirate dress-up and toys, a toy
    crossbow (like 玩具枪) and the idioms 剑拔弩张/强弩之末 on calligraphy or books are not class 2 or 16."""
    d = await score(engine, waybill(items=one_line(description, value=40.0), weight_kg=1.0))
    assert "PROHIBITED_ITEM" not in codes(d) and d.decision != "reject"


# L: the counterpart's limit, in CNY whatever the currency; the postal channel is personal whoever posts


@pytest.mark.parametrize(("country", "held"), [("HK", True), ("JP", False)])
async def test_the_limit_follows_the_counterpart_not_the_currency(
    engine: Engine, country: str, held: bool
) -> None:
    """1,000 HKD of shirts is 910 CNY: over the 800 to Hong Kong, under the 1,000 to Japan."""
    receiver = hk_receiver() if country == "HK" else abroad("JP", 1)
    wb = export_postal(
        receiver=receiver, currency="HKD", items=[item(quantity=2, unit_value=500.0)], declared_value=1000.0
    )
    d = await score(engine, wb)
    if not held:
        assert "OVER_PERSONAL_LIMIT" not in codes(d) and d.decision == "release"
        return
    ev = the_reason(d, "OVER_PERSONAL_LIMIT").evidence
    assert (ev["value_cny"], ev["limit_cny"], ev["counterpart_country"]) == (910.0, 800.0, "HK")
    assert d.decision == "hold"


async def test_a_personal_postal_import_to_a_company_keeps_the_personal_limit(engine: Engine) -> None:
    """The `postal` channel is the personal postal article: a company receiving one from Hong Kong has the
    800 CNY limit (only express parcels of organisations are goods without it)."""
    company = cn_receiver(name="北京某科技有限公司", id_type="uscc", id_number=uscc_of("91110105MA01LAW01"))
    wb = waybill(
        service="import",
        channel="postal",
        sender=hk_receiver(name="CHAN SIU MING", phone="+85291230001"),
        receiver=company,
        items=[item(quantity=5, unit_value=200.0)],
        weight_kg=1.0,
    )
    d = await score(engine, wb)
    ev = the_reason(d, "OVER_PERSONAL_LIMIT").evidence
    assert (ev["value_cny"], ev["limit_cny"], ev["counterpart_country"]) == (1000.0, 800.0, "HK")
    assert d.decision == "hold"
    express = await score(engine, {**wb, "waybill_no": wb["waybill_no"] + "X", "channel": "express"})
    assert "OVER_PERSONAL_LIMIT" not in codes(express)


# PRIOR_VIOLATIONS: "hold for two within a year" — two of one entity


SENDER_NUMBER = resident_id(region="310115", birth="19850505", seq="771")
SENDER_ADDRESS = {
    "country": "CN",
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "detail": "张江路88号3号楼201室",
}


@pytest.mark.parametrize(
    ("other", "entity"),
    [
        pytest.param({"kind": "phone", "value": "13912345678"}, "receiver_phone", id="receivers-phone"),
        pytest.param({"kind": "address", "address": SENDER_ADDRESS}, "sender_address", id="senders-building"),
    ],
)
async def test_one_violation_each_on_two_entities_is_not_two_within_a_year(
    engine: Engine, other: dict[str, Any], entity: str
) -> None:
    """The sender's ID was caught once, and another parcel once at the receiver's phone (another person) or
    at the sender's building: one each, inspect, not the hold of two penalties of one person."""
    await engine.record_violations(
        [
            violation({"kind": "id", "id_type": "resident_id", "value": SENDER_NUMBER}, "SF:SF1990000000001"),
            violation(other, "SF:SF1990000000002"),
        ]
    )
    d = await score(engine, waybill(sender=party(id_number=SENDER_NUMBER)))
    r = the_reason(d, "PRIOR_VIOLATIONS")
    assert (r.outcome, r.evidence["violations"], d.decision) == ("inspect", 1, "inspect")
    assert r.evidence["entity"] in {"sender_id", entity}


async def test_the_same_two_violations_on_the_senders_id_hold(engine: Engine) -> None:
    """The contrast: two parcels' violations under the sender's own ID within the year hold the next."""
    ref = {"kind": "id", "id_type": "resident_id", "value": SENDER_NUMBER}
    await engine.record_violations(
        [violation(ref, "SF:SF1990000000003"), violation(ref, "SF:SF1990000000004")]
    )
    d = await score(engine, waybill(sender=party(id_number=SENDER_NUMBER)))
    r = the_reason(d, "PRIOR_VIOLATIONS")
    assert (r.outcome, r.evidence["violations"], r.evidence["entity"], d.decision) == (
        "hold",
        2,
        "sender_id",
        "hold",
    )


@pytest.mark.parametrize(
    "description",
    [
        "letter balloons",
        "foil letter balloons gold",
        "letter board",
        "alphabet letter stickers",
        "letter tray",
        "证件套",
    ],
)
async def test_goods_named_with_a_letter_or_document_word_are_goods(engine: Engine, description: str) -> None:
    """A letter is only a letter when nothing else is named: letter balloons, an ID-card holder are goods."""
    d = await score(engine, without_id(description, value=30.0))
    assert "REALNAME_MISSING" in codes(d) and d.decision == "reject"
