"""The reason-code catalogue: each code's default outcome and its messages (RULES.md §3)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from features.identity import mask_id
from screening.contract import SEVERITY, Outcome, Reason, Waybill


@dataclass(frozen=True, slots=True)
class ReasonSpec:
    """One catalogue entry; messages are str.format templates over the evidence."""

    outcome: Outcome
    zh: str
    en: str


CATALOGUE: dict[str, ReasonSpec] = {
    "REALNAME_MISSING": ReasonSpec(
        "reject",
        "寄件人未提供身份证件，依法不得收寄（{lane_zh}）",
        "No sender ID was given; the parcel may not be accepted ({lane})",
    ),
    "ID_INVALID": ReasonSpec(
        "reject",
        "{party_zh}证件号码{masked}无效（{problem_zh}），依法不得收寄",
        "The {party} ID number {masked} is false ({problem}); the parcel may not be accepted",
    ),
    "REALNAME_UNVERIFIED": ReasonSpec(
        "inspect",
        "寄件人证件未经实名核验",
        "The sender's ID was not verified against the person",
    ),
    "BUYER_ID_MISSING": ReasonSpec(
        "hold",
        "跨境电商进口包裹缺少购买人（收件人）身份证件",
        "Cross-border e-commerce import without the buyer's (receiver's) ID",
    ),
    "CONTRACT_UNQUALIFIED": ReasonSpec(
        "hold",
        "协议客户{contract_zh}资格不符（{status_zh}）",
        "Agreement customer {contract} is not qualified ({status_en})",
    ),
    "INSPECTION_NOT_RECORDED": ReasonSpec(
        "inspect",
        "未记录收寄验视",
        "No opening inspection was recorded at pickup",
    ),
    "XRAY_NOT_RECORDED": ReasonSpec(
        "inspect",
        "未记录过机安检",
        "No X-ray screening was recorded",
    ),
    "PROHIBITED_ITEM": ReasonSpec(
        "reject",
        "内件“{description}”属禁止寄递物品（{term_zh}）",
        "Item “{description}” is a prohibited article ({term}, {prohibited_class})",
    ),
    "OVER_PERSONAL_LIMIT": ReasonSpec(
        "hold",
        "个人物品申报价值{value_cny}元，超过{limit_cny}元限值",
        "Personal article declared at {value_cny} CNY, over the {limit_cny} CNY limit",
    ),
    "CBEC_SINGLE_LIMIT": ReasonSpec(
        "hold",
        "跨境电商单笔交易{value_cny}元，超过{limit_cny}元限值",
        "Cross-border e-commerce transaction of {value_cny} CNY is over the {limit_cny} CNY single limit",
    ),
    "CBEC_ANNUAL_LIMIT": ReasonSpec(
        "hold",
        "购买人本年度跨境电商累计{year_total_cny}元（含本件），超过{limit_cny}元年度限值",
        "The buyer's cross-border e-commerce total this year is {year_total_cny} CNY including this parcel, "
        "over the {limit_cny} CNY annual limit",
    ),
    "NEAR_LIMIT_SPLIT": ReasonSpec(
        "inspect",
        "{entity_zh}{window_zh}内有{near_limit_parcels}件跨境包裹申报价值在限值的{band_pct}%至100%之间",
        "{near_limit_parcels} cross-border parcels of the {entity} in {window_en} "
        "were declared just under the limit",
    ),
    "ANT_MOVING_SENDER": ReasonSpec(
        "hold",
        "该寄件人{window_zh}内向{distinct_receivers}个不同收件人寄出{parcels}件跨境包裹，"
        "单件均低于限值，合计{total_value}元",
        "Sender shipped {parcels} cross-border parcels to {distinct_receivers} receivers in {window_en}, "
        "each under the per-parcel limit, {total_value} CNY in total",
    ),
    "ANT_MOVING_RECEIVER": ReasonSpec(
        "hold",
        "该收件人（{entity_zh}）{window_zh}内收到{distinct_senders}个不同寄件人的{parcels}件跨境包裹，"
        "单件均低于限值，合计{total_value}元",
        "Receiver ({entity}) got {parcels} cross-border parcels from {distinct_senders} senders "
        "in {window_en}, each under the per-parcel limit, {total_value} CNY in total",
    ),
    "SAME_GOODS_FANOUT": ReasonSpec(
        "inspect",
        "{entity_zh}{window_zh}内有{parcels}件跨境包裹申报相同货物，涉及{counterparts}个对方",
        "The same goods on {parcels} cross-border parcels of the {entity} in {window_en}, "
        "with {counterparts} counterparts",
    ),
    "BRAND_PRICE_ANOMALY": ReasonSpec(
        "inspect",
        "品牌商品“{brand}”单价{unit_value_cny}元，低于正品最低价{floor_cny}元，疑似假冒",
        "Brand “{brand}” at {unit_value_cny} CNY a unit, "
        "under its floor of {floor_cny} CNY: possibly counterfeit",
    ),
    "COMMERCIAL_QUANTITY": ReasonSpec(
        "inspect",
        "个人物品“{description}”数量{quantity}件，超过自用合理数量{max_units}件",
        "Personal article “{description}” in {quantity} units, more than the {max_units} for personal use",
    ),
    "WEIGHT_VALUE_MISMATCH": ReasonSpec(
        "inspect",
        "申报价值与重量不符：每公斤{value_per_kg}元，{category_zh}类合理区间为{band_low}至{band_high}元",
        "Declared value does not fit the weight: {value_per_kg} CNY/kg, "
        "plausible for {category} is {band_low}–{band_high}",
    ),
    "VELOCITY_SPIKE": ReasonSpec(
        "inspect",
        "{entity_zh}24小时内寄递{parcels_24h}件，{ratio_zh}",
        "The {entity} sent {parcels_24h} parcels in 24 h, {ratio}",
    ),
    "WATCHLIST_HIT": ReasonSpec(
        "hold",
        "{entity_zh}在{list_zh}上",
        "The {entity} is on the {list_name} list",
    ),
    "PRIOR_VIOLATIONS": ReasonSpec(
        "inspect",
        "{entity_zh}一年内有{violations}次已确认违规",
        "The {entity} has {violations} confirmed violation(s) within a year",
    ),
    "MODEL_HIGH_RISK": ReasonSpec(
        "hold",
        "模型评分{score}，高于扣留阈值{threshold}",
        "Model score {score} is above the hold threshold {threshold}",
    ),
    "MODEL_ELEVATED_RISK": ReasonSpec(
        "inspect",
        "模型评分{score}，高于查验阈值{threshold}",
        "Model score {score} is above the inspection threshold {threshold}",
    ),
    "RANDOM_AUDIT": ReasonSpec(
        "inspect",
        "随机抽检（抽检率{rate_pct}）",
        "Chosen for a random inspection (rate {rate_pct})",
    ),
    "HISTORY_UNAVAILABLE": ReasonSpec(
        "inspect",
        "历史数据暂不可用，本次判定未参考寄递历史",
        "History was unavailable; this decision was taken without it",
    ),
}

ENTITY_NAMES: dict[str, tuple[str, str]] = {
    "sender_id": ("寄件人证件", "sender ID"),
    "sender_phone": ("寄件人电话", "sender phone"),
    "receiver_id": ("收件人证件", "receiver ID"),
    "receiver_phone": ("收件人电话", "receiver phone"),
    "sender_address": ("寄件地址", "sender address"),
    "receiver_address": ("收件地址", "receiver address"),
    "payment_account": ("支付账户", "payment account"),
    "buyer_ip": ("下单IP", "buyer IP"),
    "cbec_order": ("电商订单", "e-commerce order"),
}


class _Blank(dict[str, Any]):
    """Formatting namespace that leaves unknown fields visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# The windows and lanes of the evidence as the sentences write them (24小时内 and "in 24 h", as the contract's
# example, not the evidence's 24h).
WINDOWS_ZH = {"1h": "1小时", "24h": "24小时", "7d": "7天", "30d": "30天"}
WINDOWS_EN = {"1h": "1 h", "24h": "24 h", "7d": "7 days", "30d": "30 days"}
LANES_ZH = {"domestic": "国内", "export": "出口", "import": "进口"}


def show_figure(value: Any) -> Any:
    """A figure as the sentences write it: thousands separated, trailing zeros dropped."""
    if isinstance(value, float):
        # Six decimals at most, none lost below that: a 0.005 audit rate is not written 0.01.
        return f"{value:,.6f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return value


def reason(
    code: str, *, outcome: Outcome | None = None, words: dict[str, Any] | None = None, **evidence: Any
) -> Reason:
    """A Reason from the catalogue: evidence is the figures; words only fill the messages."""
    spec = CATALOGUE[code]
    fill = _Blank({k: show_figure(v) for k, v in evidence.items()})
    if "window" in evidence:
        fill["window_zh"] = WINDOWS_ZH.get(evidence["window"], evidence["window"])
        fill["window_en"] = WINDOWS_EN.get(evidence["window"], evidence["window"])
    if "lane" in evidence:
        fill["lane_zh"] = LANES_ZH.get(evidence["lane"], evidence["lane"])
    if words:
        fill.update(words)
    return Reason.model_construct(
        code=code,
        outcome=outcome or spec.outcome,
        message=spec.zh.format_map(fill),
        message_en=spec.en.format_map(fill),
        evidence=evidence,
    )


def mask_id_numbers(text: str, numbers: Iterable[str]) -> str:
    """The text with every occurrence of these (upper-case) ID numbers, typed in any case, in display form."""
    for number in numbers:
        # The whole number, then its body without the check character (18-character numbers), typed alone.
        for part in (number, number[:17]) if len(number) == 18 else (number,):
            if part in text.upper():
                text = re.sub(re.escape(part), mask_id(part), text, flags=re.IGNORECASE)
    return text


def party_id_numbers(waybill: Waybill) -> tuple[str, ...]:
    """The ID numbers the waybill's sender and receiver gave."""
    return tuple(n for n in (waybill.sender.id_number, waybill.receiver.id_number) if n is not None)


def quoted(text: str, waybill: Waybill) -> str:
    """Free text of a waybill as a reason quotes it: the parties' own ID numbers in it masked (RULES §1)."""
    return mask_id_numbers(text, party_id_numbers(waybill))


def most_severe(reasons: list[Reason]) -> Outcome:
    """The decision the reasons ask for together: the most severe of their outcomes."""
    best: Outcome = "release"
    for r in reasons:
        if SEVERITY[r.outcome] > SEVERITY[best]:
            best = r.outcome
    return best
