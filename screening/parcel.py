"""A validated waybill with the facts every rule reads (values in CNY, goods analysed, lane facts)."""

from dataclasses import dataclass
from datetime import date, timedelta, timezone
from decimal import Decimal

from features.goods import GoodsCatalogue, GoodsMatch
from features.identity import id_problem
from screening.agreements import AgreementRegistry, AgreementStatus
from screening.contract import Item, Party, Waybill, to_fen
from screening.errors import InvalidInput
from screening.policy.schemas import Policy

BEIJING = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """One item line with its value in CNY and what its description says."""

    index: int
    item: Item
    unit_value_cny: float
    goods: GoodsMatch
    # The description as one article (GoodsCatalogue.goods_text): lines of one article add up.
    article: str


@dataclass(frozen=True, slots=True)
class Parcel:
    """What the rules read about one waybill."""

    waybill: Waybill
    value_cny: float
    items: tuple[ItemFacts, ...]
    cross_border: bool
    personal: bool
    limit_cny: float
    counterpart_country: str
    main: ItemFacts
    documents_only: bool
    sender_id_problem: str | None
    receiver_id_problem: str | None
    agreement: AgreementStatus | None
    local_day: date
    # accepted_at as epoch milliseconds: read for every entity and window, so worked out once.
    at_ms: int

    @property
    def main_category(self) -> str:
        """Category of the item line with the highest value."""
        return self.main.goods.category


def _problem(party: Party, *, today: date) -> str | None:
    if party.id_type is None or party.id_number is None:
        return None
    return id_problem(party.id_type, party.id_number, today=today)


def unrated_currency() -> InvalidInput:
    """The error of a currency the service has no exchange rate for (a valid ISO-4217 code otherwise)."""
    return InvalidInput.field(
        ("currency",), "no exchange rate to CNY for this currency", "currency_unsupported"
    )


def fen(amount: float, rate: float) -> float:
    """An amount in CNY rounded half up to the fen, as written (800.005 is 800.01; a float's round gives
    800.0, since 800.005 is 800.00499… as a double)."""
    return float(to_fen(Decimal(repr(amount)) * Decimal(repr(rate))))


def prepare(
    waybill: Waybill,
    *,
    policy: Policy,
    rates: dict[str, float],
    goods: GoodsCatalogue,
    agreements: AgreementRegistry,
) -> Parcel:
    """Derive the facts of a waybill; an unknown currency is bad input."""
    rate = rates.get(waybill.currency)
    if rate is None:
        raise unrated_currency()
    items = tuple(
        ItemFacts(
            index=i,
            item=item,
            unit_value_cny=fen(item.unit_value, rate),
            goods=goods.analyse(item.description, category=item.category, brand=item.brand),
            article=goods.goods_text(item.description),
        )
        for i, item in enumerate(waybill.items)
    )
    cross_border = waybill.service != "domestic"
    if waybill.service == "import":
        counterpart, person = waybill.sender.address.country, waybill.receiver
    else:
        counterpart, person = waybill.receiver.address.country, waybill.sender
    # An organisation (its USCC registered) is not an individual even when it is not an agreement customer.
    individual = person.customer_type == "individual" and person.id_type != "uscc"
    personal = cross_border and (waybill.channel == "postal" or (waybill.channel == "express" and individual))
    if waybill.channel == "cbec" and waybill.service in policy.limits.cbec_lanes:
        limit = policy.limits.cbec_single_cny
    elif personal:
        limit = policy.personal_limit(counterpart)
    else:
        limit = 0.0
    main = max(items, key=lambda f: (f.unit_value_cny * f.item.quantity, -f.index))
    local_day = waybill.accepted_at.astimezone(BEIJING).date()
    sender = waybill.sender
    return Parcel(
        waybill=waybill,
        value_cny=fen(waybill.declared_value, rate),
        items=items,
        cross_border=cross_border,
        personal=personal,
        limit_cny=limit,
        counterpart_country=counterpart,
        main=main,
        # Declared documents that describe goods (an "iPhone 手机" as documents) are not a letter.
        documents_only=all(
            f.goods.category == "documents" and f.goods.described_category in ("documents", "general")
            for f in items
        ),
        sender_id_problem=_problem(sender, today=local_day),
        receiver_id_problem=_problem(waybill.receiver, today=local_day),
        agreement=(
            agreements.status(sender.contract_id, on=local_day, carrier=waybill.carrier)
            if sender.customer_type == "contract"
            else None
        ),
        local_day=local_day,
        at_ms=int(waybill.accepted_at.timestamp() * 1000),
    )
