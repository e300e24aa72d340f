"""What a hold writes: the case draft built from a decision, its parcel and entities (no plain IDs)."""

import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from screening.cases.schemas import CaseDraft, SealedId
from screening.contract import Decision, Party
from screening.policy.catalogue import mask_id_numbers, party_id_numbers

# The kind of a case's entity key the parcel was not counted under (a party in their other role), as in
# twin:receiver_id for the sender's ID.
TWIN = "twin:"

if TYPE_CHECKING:
    # For annotations only: the case writer process imports this module, and the entities' imports
    # (address normalisation, the history stores) were a third of its start.
    from screening.entities import ParcelEntities
    from screening.parcel import Parcel
    from screening.privacy import PersonalData


def case_entities(entities: "ParcelEntities") -> dict[str, str]:
    """The entity keys a case keeps (key → kind): those counted under, and TWIN-marked other roles."""
    return entities.kinds | {key: TWIN + kind for key, kind in entities.twins.items()}


def case_id_of(carrier: str, waybill_no: str) -> str:
    """The case id of a parcel: one case per parcel, whatever number of times it is held."""
    return f"CASE-{carrier}-{waybill_no}"


def cluster_id_of(case_id: str) -> str:
    """The ring id founded by a case."""
    return "RING-" + case_id.removeprefix("CASE-")


def decision_digest(decision: Decision, waybill: dict[str, Any], entities: dict[str, str]) -> str:
    """Digest of what was decided (not when) on which body: equal for a re-send, different for a changed
    re-score or a corrected body decided alike (its sender, pickup and entities are the case's now)."""
    content = decision.model_dump(mode="json", exclude={"scored_at", "case_id", "case_status"})
    # The entities too: the waybill's ID numbers are masked, and a corrected number may mask alike.
    every = {"decision": content, "waybill": waybill, "entities": entities}
    return hashlib.blake2b(orjson.dumps(every, option=orjson.OPT_SORT_KEYS), digest_size=12).hexdigest()


def linked_waybills(decision: Decision) -> tuple[str, ...]:
    """Every waybill the decision's reasons link the parcel to, in first-seen order."""
    seen: dict[str, None] = {}
    for reason in decision.reasons:
        for number in reason.evidence.get("linked_waybills", ()):
            if isinstance(number, str) and number != decision.waybill_no:
                seen.setdefault(number, None)
    return tuple(seen)


def _sealed(party: Party, key: str | None, privacy: "PersonalData") -> SealedId | None:
    if party.id_number is None:
        return None
    return SealedId(key=key, masked=privacy.mask(party.id_number), cipher=privacy.encrypt(party.id_number))


def _masked_texts(value: Any, numbers: tuple[str, ...]) -> Any:
    """A JSON value with these ID numbers masked in every text in it."""
    if isinstance(value, str):
        return mask_id_numbers(value, numbers)
    if isinstance(value, dict):
        return {k: _masked_texts(v, numbers) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_texts(v, numbers) for v in value]
    return value


def _without_id_numbers(value: Any, numbers: tuple[str, ...]) -> Any:
    """A JSON value with these ID numbers masked wherever its texts repeat them."""
    # One search of the whole value first: walking every text costs about 8 times more and is seldom needed.
    # The numbers are upper-case ASCII; bytes.upper() folds only ASCII, so "…002x" is found too.
    blob = orjson.dumps(value).upper()
    if not any(n.encode() in blob for n in numbers):
        return value
    return _masked_texts(value, numbers)


def _masked_waybill(parcel: "Parcel", privacy: "PersonalData") -> dict[str, Any]:
    snapshot = parcel.waybill.model_dump(mode="json")
    for side in ("sender", "receiver"):
        number = snapshot[side].get("id_number")
        if number:
            snapshot[side]["id_number"] = privacy.mask(number)
    # A party's own number typed again into a name, address or description is as plain there (RULES §1).
    masked: dict[str, Any] = _without_id_numbers(snapshot, party_id_numbers(parcel.waybill))
    return masked


def draft_case(
    *, decision: Decision, parcel: "Parcel", entities: "ParcelEntities", privacy: "PersonalData"
) -> CaseDraft:
    """The case row of a held parcel; identity numbers only masked, keyed and encrypted."""
    w = parcel.waybill
    waybill = _masked_waybill(parcel, privacy)
    return CaseDraft(
        case_id=case_id_of(w.carrier, w.waybill_no),
        carrier=w.carrier,
        waybill_no=w.waybill_no,
        lane=w.service,
        channel=w.channel,
        outlet_id=w.outlet_id,
        accepted_at=w.accepted_at,
        scored_at=decision.scored_at,
        risk_score=decision.risk_score,
        reason_codes=tuple(dict.fromkeys(r.code for r in decision.reasons)),
        hold_reasons=sum(1 for r in decision.reasons if r.outcome in ("hold", "reject")),
        decision_digest=decision_digest(decision, waybill, dict(entities.kinds)),
        # Reasons quote descriptions (same goods, commercial quantity): the case keeps no number plain there.
        decision=_without_id_numbers(
            decision.model_dump(mode="json", exclude={"case_id", "case_status"}), party_id_numbers(w)
        ),
        waybill=waybill,
        linked_waybills=linked_waybills(decision),
        # A case's outcome reaches the parcel's entities and each in its other role (marked apart: a ring
        # and the prior cases go through what the parcel was counted under).
        entities=case_entities(entities),
        sender_id=_sealed(w.sender, entities.key_of("sender_id"), privacy),
        receiver_id=_sealed(w.receiver, entities.key_of("receiver_id"), privacy),
    )
