"""Real-name pickup rules (快递暂行条例 art. 22; 反恐怖主义法 art. 20; CBEC buyer identity)."""

from typing import Any

from features.identity import mask_id
from screening.contract import Reason
from screening.parcel import Parcel
from screening.policy.catalogue import reason
from screening.policy.schemas import Policy

_PROBLEM_ZH = {"check_digit": "校验码错误", "birth_date": "出生日期无效"}
_STATUS_ZH = {"unknown": "未登记", "suspended": "已暂停", "expired": "已过期", "not_yet_valid": "尚未生效"}
_STATUS_EN = {
    "unknown": "unknown",
    "suspended": "suspended",
    "expired": "expired",
    "not_yet_valid": "not yet valid",
}


def realname_applies(p: Parcel, policy: Policy) -> bool:
    """Whether real-name pickup is required: its lanes, not documents only, no qualified agreement."""
    if p.waybill.service not in policy.realname.lanes:
        return False
    if p.documents_only and all(f.goods.category in policy.realname.exempt_categories for f in p.items):
        return False
    return p.agreement != "active"


def realname_missing(p: Parcel, policy: Policy) -> Reason | None:
    """A parcel handed over in China without the sender's ID, unless exempt."""
    sender = p.waybill.sender
    if sender.id_number is not None or not realname_applies(p, policy):
        return None
    return reason(
        "REALNAME_MISSING",
        lane=p.waybill.service,
        customer_type=sender.customer_type,
        agreement=p.agreement,
    )


def id_invalid(p: Parcel, policy: Policy) -> Reason | None:
    """A well-formed ID whose check digit or birth date is false (sender's, or the buyer's)."""
    false: list[tuple[str, str, str]] = []
    for party, problem, zh in (
        ("sender", p.sender_id_problem, "寄件人"),
        ("receiver", p.receiver_id_problem, "收件人"),
    ):
        if problem is not None:
            false.append((party, problem, zh))
    if not false:
        return None
    found: list[dict[str, Any]] = []
    for party, problem, _ in false:
        who = p.waybill.sender if party == "sender" else p.waybill.receiver
        assert who.id_number is not None and who.id_type is not None
        found.append(
            {"party": party, "id_type": who.id_type, "masked": mask_id(who.id_number), "problem": problem}
        )
    # The first party's false ID speaks; the other's is named in the evidence too.
    (_, problem, zh), first, others = false[0], found[0], found[1:]
    extra: dict[str, Any] = {"others": others} if others else {}
    return reason(
        "ID_INVALID",
        **first,
        **extra,
        words={"party_zh": zh, "problem_zh": _PROBLEM_ZH[problem]},
    )


def realname_unverified(p: Parcel, policy: Policy) -> Reason | None:
    """An ID was given but not checked against the person."""
    sender = p.waybill.sender
    if sender.id_number is None or p.sender_id_problem is not None or not realname_applies(p, policy):
        return None
    verified = sender.id_verified and sender.verification_method in policy.realname.verified_methods
    if verified or (sender.id_verified and sender.verification_method is None):
        return None
    return reason(
        "REALNAME_UNVERIFIED",
        id_verified=sender.id_verified,
        verification_method=sender.verification_method,
    )


def buyer_id_missing(p: Parcel, policy: Policy) -> Reason | None:
    """A cross-border e-commerce import without the buyer's ID."""
    w = p.waybill
    if w.channel != "cbec" or w.service != "import" or w.receiver.id_number is not None:
        return None
    return reason("BUYER_ID_MISSING", lane="import", channel="cbec")


def contract_unqualified(p: Parcel, policy: Policy) -> Reason | None:
    """An agreement customer that is unknown, suspended, expired or not yet valid."""
    if p.agreement is None or p.agreement == "active":
        return None
    contract_id = p.waybill.sender.contract_id
    return reason(
        "CONTRACT_UNQUALIFIED",
        contract_id=contract_id,
        status=p.agreement,
        on=p.local_day.isoformat(),
        words={
            "status_zh": _STATUS_ZH[p.agreement],
            "status_en": _STATUS_EN[p.agreement],
            "contract": contract_id or "without an agreement number",
            "contract_zh": contract_id or "（未填协议编号）",
        },
    )
