"""The entities a parcel is counted under (people, phones, address, account, IP), keyed with the HMAC."""

import functools
import hashlib
from dataclasses import dataclass, field

from features.address import normalise_address
from features.goods import GoodsCatalogue
from features.identity import document_text
from features.windows import GOODS_SEP
from screening.contract import Address, Party
from screening.history import ParcelEvent
from screening.parcel import ItemFacts, Parcel
from screening.privacy import PersonalData


@dataclass(frozen=True, slots=True)
class ParcelEntities:
    """Entity keys of one parcel by kind, and each entity's history event."""

    kinds: dict[str, str]  # entity key → kind (sender_id, receiver_phone, …)
    events: dict[str, ParcelEvent]
    # Each ID, phone and building in its other role (the sender's as a receiver's, and the other way): not
    # counted under, but a violation of the parcel reaches it, as a listed one reaches both.
    twins: dict[str, str] = field(default_factory=dict)

    def key_of(self, kind: str) -> str | None:
        """The entity key of a kind, if the parcel has one."""
        return next((k for k, v in self.kinds.items() if v == kind), None)


def building_of(address: Address) -> str:
    """The normalised building an address names, empty when it names no city and building."""
    return _building(address.country, address.province, address.city, address.district, address.detail)


# The same receivers come back all day; normalising an address costs 20-60 µs.
@functools.lru_cache(maxsize=65_536)
def _building(
    country: str, province: str | None, city: str | None, district: str | None, detail: str | None
) -> str:
    return normalise_address(
        country=country, province=province, city=city, district=district, detail=detail
    ).building_key


# Keyed apart by role, as IDs and phones are: a building's parcels sent and received are two histories.
_ADDRESS_ROLES = {"s": "sadr", "r": "adr"}


def address_key(privacy: PersonalData, address: Address, role: str) -> str | None:
    """Keyed building-level address in one role; None when it names no building to count under."""
    building = building_of(address)
    # Without a building every such address would share one key and be counted together.
    return privacy.key(_ADDRESS_ROLES[role], building) if building else None


def phone_key(privacy: PersonalData, party: Party, role: str) -> str:
    """Keyed phone of a party in one role."""
    return privacy.key(f"{role}ph", party.e164_phone())


def id_key(privacy: PersonalData, party: Party, role: str) -> str | None:
    """Keyed ID of a party in one role, when it gave one."""
    if party.id_type is None or party.id_number is None:
        return None
    return privacy.key(f"{role}id", document_text(party.id_type, party.id_number))


# The keyed kind of an e-commerce order: its few lots come back from the history whole (Span.whole_kinds).
ORDER_KIND = "ord"


def order_key(privacy: PersonalData, p: Parcel) -> str | None:
    """Keyed e-commerce order of a cbec parcel (platform and order number), when it names one."""
    order = p.waybill.order
    if p.waybill.channel != "cbec" or order is None or not order.order_id:
        return None
    return privacy.key(ORDER_KIND, f"{order.platform or ''}|{order.order_id}")


def goods_signature(article: str) -> str:
    """Short signature of a goods description as one article (GoodsCatalogue.goods_text, ItemFacts.article):
    equal for the same text however it was spaced, cased or punctuated."""
    return hashlib.blake2b(article.encode(), digest_size=6).hexdigest()


# Articles of a parcel its history events carry: the dearest ones, so a parcel of many lines stays small.
MAX_GOODS_LINES = 6


def goods_lines_of(p: Parcel) -> list[tuple[str, ItemFacts]]:
    """The signature of each article of a parcel with its dearest line: the main article first, then by
    value, each article once, at most MAX_GOODS_LINES."""
    # The order of Parcel.main (dearest line, the first of equals), so the main article comes first.
    by_value = sorted(p.items, key=lambda f: (-f.unit_value_cny * f.item.quantity, f.index))
    lines: dict[str, ItemFacts] = {}
    for f in by_value:
        if len(lines) == MAX_GOODS_LINES:
            break
        lines.setdefault(goods_signature(f.article), f)
    return list(lines.items())


def parcel_entities(
    p: Parcel, *, privacy: PersonalData, goods: GoodsCatalogue, digest: str
) -> ParcelEntities:
    """Every entity the parcel counts under, with the event each one records."""
    w = p.waybill
    sender_id = id_key(privacy, w.sender, "s")
    receiver_id = id_key(privacy, w.receiver, "r")
    sender_phone = phone_key(privacy, w.sender, "s")
    receiver_phone = phone_key(privacy, w.receiver, "r")
    # The other side of a parcel is a person, named alike on each of their parcels: by the ID the lane asks
    # for (the sender's under real-name pickup, in China; the buyer's on cbec imports), else by the phone
    # every waybill carries. An ID shown on one import and not the next made one shop two senders.
    cbec_import = w.channel == "cbec" and w.service == "import"
    sender_person = (sender_id if w.service != "import" else None) or sender_phone
    receiver_person = (receiver_id if cbec_import else None) or receiver_phone
    kinds: dict[str, tuple[str, str]] = {}
    for kind, key, counterpart in (
        ("sender_id", sender_id, receiver_person),
        ("sender_phone", sender_phone, receiver_person),
        ("receiver_id", receiver_id, sender_person),
        ("receiver_phone", receiver_phone, sender_person),
        # WATCHLIST_HIT and PRIOR_VIOLATIONS name the address of either party (RULES.md §3).
        ("sender_address", address_key(privacy, w.sender.address, "s"), receiver_person),
        ("receiver_address", address_key(privacy, w.receiver.address, "r"), sender_person),
        (
            "payment_account",
            privacy.key("acct", w.order.payment_account) if w.order and w.order.payment_account else None,
            sender_person,
        ),
        (
            "buyer_ip",
            privacy.key("ip", w.order.buyer_ip) if w.order and w.order.buyer_ip else None,
            sender_person,
        ),
        # One e-commerce order is one transaction (财关税〔2018〕49号), however many parcels ship it.
        ("cbec_order", order_key(privacy, p), receiver_person),
    ):
        if key is not None:
            kinds[key] = (kind, counterpart)
    # Articles normalised once, in prepare; a single article's goods is its signature alone.
    signature = GOODS_SEP.join(sig for sig, _ in goods_lines_of(p))
    # The yearly cbec quota is the buyer's, on retail imports (财关税〔2018〕49号): exports never count in it.
    events = {
        key: ParcelEvent(
            parcel=w.parcel_key,
            at_ms=p.at_ms,
            value_cny=p.value_cny,
            limit_cny=p.limit_cny,
            cross_border=p.cross_border,
            cbec=cbec_import,
            goods=signature,
            counterpart=counterpart,
            digest=digest,
        )
        for key, (_, counterpart) in kinds.items()
    }
    # One citizen number, phone or building is one person or place in either role: a violation of the
    # parcel reaches the sender as a receiver too (and the other way), as a listed one does.
    twins = {
        key: kind
        for key, kind in (
            (id_key(privacy, w.sender, "r"), "receiver_id"),
            (id_key(privacy, w.receiver, "s"), "sender_id"),
            (phone_key(privacy, w.sender, "r"), "receiver_phone"),
            (phone_key(privacy, w.receiver, "s"), "sender_phone"),
            (address_key(privacy, w.sender.address, "r"), "receiver_address"),
            (address_key(privacy, w.receiver.address, "s"), "sender_address"),
        )
        if key is not None and key not in kinds
    }
    return ParcelEntities(kinds={k: v[0] for k, v in kinds.items()}, events=events, twins=twins)
