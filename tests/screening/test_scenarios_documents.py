"""Every identity document a sender or buyer may give, type by type, from the shared sources.

Written from ../shared/domain/RULES.md §1 (the accepted documents: resident identity card, temporary ID,
military and armed-police IDs, Hong Kong/Macau/Taiwan residence permits and travel permits, foreign
passports; organisations register their unified social credit code; the three forms of an ID number, the
masked one being `110105********002X`) and §3 (ID_INVALID, REALNAME_UNVERIFIED, OVER_PERSONAL_LIMIT,
COMMERCIAL_QUANTITY, ANT_MOVING_SENDER, CBEC_ANNUAL_LIMIT), the contract README (the `id_type` values; 18
characters with the GB 11643 check digit for `resident_id`/`temporary_id`, its own check character for
`uscc`; a wrong length or wrong characters is a 422 naming the field, a well-formed false number is a
reject with ID_INVALID) and the README ("What is checked": residence permits are numbered 81/82/83 as
resident IDs and checked like them; "one citizen number is one person: a temporary ID matches the
resident ID of the same number"; an organisation (its USCC registered) ships goods, not personal
articles; 422 bodies never echo input).

For each document: a valid number passes and is never shown plain (answer, read-back, decision log); it
is one sender across parcels and across its writings (ANT_MOVING_SENDER counts the parcels of one
`sender_id`, each parcel from another phone and building); a malformed one is a 422 at its `id_number`;
a false one (where the type has a check character or birth date) is ID_INVALID with the masked number;
an unverified one is REALNAME_UNVERIFIED.

Readings where the sources leave a choice:
- Writings of one number that are one document: letters in either case, spaces around the number (the
  contract's strings are trimmed), and for a citizen number the temporary ID beside the resident ID.
  Characters the document does not print are wrong characters, so a 422, never a second person: a space
  inside the number, full-width digits, letters or brackets (１２３, Ｅ, （7）), punctuation, Chinese
  characters in a passport or permit number. Only military and armed-police IDs print Chinese characters
  (南字第20019880号). A Hong Kong identity card number given as `other` is kept as typed, brackets and
  all (A123456(7)); whether A1234567 is the same card the sources do not say, so it is not tested.
- Numbers of two different documents are two identities (a Taiwan compatriot permit 20019880 is not the
  military ID 20019880; a USCC is not the resident ID of the same 18 characters: an organisation is not a
  person), except one citizen number: the README's "one citizen number is one person" with its
  "residence permits, numbered 81/82/83 as resident IDs" makes an 81/82/83 number one person whether it is
  given as the permit or as a resident ID.
- The mask: an 18-character number of any type shows as RULES.md shows the resident ID (first 6, eight
  `*`, last 4). A shorter number keeps its length, shows no more at either end than the example (at most 6
  characters at the start, 4 at the end, each the number's own), hides everything between, and shows no
  larger share of the number than the example does (10 of 18); every writing of one number shows the same
  mask.
- REALNAME_UNVERIFIED applies whatever the document, a USCC included (an organisation's representative
  still hands the parcel over).
- An organisation is a sender or receiver whose id_type is `uscc`, whatever its customer_type: its
  `express` parcels are not personal articles (no 800 / 1,000 CNY limit, no COMMERCIAL_QUANTITY); the
  `postal` channel is personal postal articles whoever sends them (RULES.md §3: "the `postal` channel, and
  `express` parcels of individuals"). Every other document belongs to an individual.
"""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from stdnum.cn import ric, uscc

from screening.contract import Decision
from screening.decisionlog.compaction import compaction_lock
from screening.decisionlog.journal import read_segment, segments
from screening.decisionlog.log import DecisionLog
from screening.decisionlog.reader import journal_frame
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import (
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    macau_receiver,
    party,
    waybill,
    wrong_check_digit,
)
from tests.screening.test_scenarios import codes, score

pytestmark = pytest.mark.anyio

ID_CODES = {"REALNAME_MISSING", "ID_INVALID", "REALNAME_UNVERIFIED", "BUYER_ID_MISSING"}


# Numbers


def gb11643(first17: str) -> str:
    """An 18-character number with its GB 11643 check character (resident ID, residence permit)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def with_x(region: str, birth: str) -> str:
    """A valid GB 11643 number whose check character is X (so that its case can differ)."""
    for seq in range(100, 1000):
        number = gb11643(f"{region}{birth}{seq}")
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character in range")


def uscc_of(first17: str) -> str:
    """A unified social credit code with its GB 32100 check character."""
    return first17 + uscc.calc_check_digit(first17)


def resident_and_uscc() -> str:
    """18 digits that are both a valid resident ID and a valid unified social credit code."""
    for seq in range(1000):
        number = gb11643(f"11010819860712{seq:03d}")
        if number[-1] != "X" and uscc.is_valid(number):
            return number
    raise AssertionError("no number valid both ways in range")


@dataclass(frozen=True)
class Doc:
    """One identity document: its id_type, its number, and other writings of the same document."""

    id_type: str
    number: str
    writings: tuple[tuple[str, str], ...]  # (id_type, id_number) as a courier may type them


def lower(doc_type: str, number: str, *more: tuple[str, str]) -> Doc:
    """A document written as printed, in lower case and padded with spaces."""
    return Doc(doc_type, number, ((doc_type, number.lower()), (doc_type, f" {number} "), *more))


RESIDENT = with_x("110105", "19491231")
TEMPORARY = with_x("440305", "19950505")
HK_RESIDENCE = with_x("810000", "19900101")
MO_RESIDENCE = with_x("820000", "19880808")
TW_RESIDENCE = with_x("830000", "19750315")
ORG = uscc_of("91310115MA1K4G7XQ")

DOCS = {
    "resident-id": lower("resident_id", RESIDENT, ("temporary_id", RESIDENT)),
    "temporary-id": lower("temporary_id", TEMPORARY, ("resident_id", TEMPORARY.lower())),
    "military-officer-id": lower("military_id", "军字第4K7Q2918号"),
    "armed-police-id": lower("military_id", "武字第0012345号"),
    "military-id-digits": lower("military_id", "20019880"),
    "passport-cn": lower("passport", "EJ7QK39M2"),
    "passport-foreign": lower("passport", "C01X00T47"),
    "home-return-permit-hk": lower("hk_macau_permit", "H12345678"),
    "home-return-permit-mo-old": lower("hk_macau_permit", "M1234567801"),
    "residence-permit-hk-81": lower("hk_macau_permit", HK_RESIDENCE),
    "residence-permit-mo-82": lower("hk_macau_permit", MO_RESIDENCE),
    "taiwan-compatriot-permit": lower("taiwan_permit", "12345678"),
    "residence-permit-tw-83": lower("taiwan_permit", TW_RESIDENCE),
    "foreign-permanent-resident": lower("foreign_resident", "USA110090101001"),
    "hk-identity-card-as-other": lower("other", "A123456(7)"),
    "uscc": lower("uscc", ORG),
}
DOC_PARAMS = [pytest.param(doc, id=label) for label, doc in DOCS.items()]


def rule_mask(number: str) -> str:
    """RULES.md §1's display form of an 18-character number: 110105********002X."""
    return number[:6] + "*" * 8 + number[-4:]


def assert_masked(number: str, shown: str) -> None:
    """The display form shows no more of the number than RULES.md's example shows (see the docstring)."""
    assert "*" not in number
    if len(number) == 18:
        assert shown == rule_mask(number)
        return
    assert len(shown) == len(number), shown
    head = shown.index("*")
    tail = len(shown) - 1 - shown.rindex("*")
    assert set(shown[head : len(shown) - tail]) == {"*"}, shown
    assert shown[:head] == number[:head] and shown[len(shown) - tail :] == number[len(number) - tail :]
    assert head <= 6 and tail <= 4, shown
    assert head + tail <= len(number) * 10 // 18, shown


def hidden(number: str) -> str:
    """What the mask must hide: the birth date of an 18-character number, the middle of a shorter one."""
    if len(number) == 18:
        return number[6:14]
    keep = len(number) * 5 // 18  # the most a mask may show at each end, all told
    return number[keep : len(number) - keep]


def needles(number: str) -> set[str]:
    """A plain number in the forms a leak could take: as is, lower case, its hidden part, JSON-escaped."""
    forms = {number, number.lower(), hidden(number), hidden(number).lower()}
    return forms | {json.dumps(f)[1:-1] for f in forms}


def leaked(text: str, number: str) -> list[str]:
    """The forms of a plain number a text holds."""
    return sorted(n for n in needles(number) if n in text)


def dump(d: Decision) -> str:
    """The decision as text, without the fields no ID can reach: a short number's hidden part ("0198" of
    a military ID) is found by chance in a waybill number, a case id, a score or a time."""
    return json.dumps(d.model_dump(mode="json", exclude=_NOT_FROM_IDS), ensure_ascii=False)


_NOT_FROM_IDS = {
    "waybill_no",
    "carrier",
    "case_id",
    "risk_score",
    "policy_version",
    "model_version",
    "scored_at",
}


def the_evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason (the decision must carry it)."""
    assert code in codes(d), f"{code} missing: {d.decision}, {sorted(codes(d))}"
    return next(r.evidence for r in d.reasons if r.code == code)


# Parcels


def sender(n: int, id_type: str | None, id_number: str | None, **changes: Any) -> dict[str, Any]:
    """The n-th mainland sender: its own phone and building, the document given."""
    return party(
        name=f"寄件人{n}",
        phone=f"1390011{n:04d}",
        address={"detail": f"张江路{100 + n}号{n + 1}号楼"},
        id_type=id_type,
        id_number=id_number,
        **changes,
    )


def ring(documents: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Export postal parcels to Macau, one per document, each from another phone and building, each to
    another receiver and under the 800 CNY limit, all within three hours: six of one sender are ants."""
    return [
        export_postal(
            hours_after=i * 0.5,
            sender=sender(i, id_type, number),
            receiver=macau_receiver(i),
            items=[
                item(description=f"礼品{i} gift {i}", category="general", quantity=1, unit_value=700.0 + i)
            ],
            weight_kg=1.0,
        )
        for i, (id_type, number) in enumerate(documents)
    ]


async def run(engine: Engine, waybills: list[dict[str, Any]]) -> list[Decision]:
    """Score waybills in order."""
    return [await score(engine, wb) for wb in waybills]


def six_writings(doc: Doc) -> list[tuple[str, str]]:
    """Six parcels' documents: the printed number and its other writings in turn."""
    every = [(doc.id_type, doc.number), *doc.writings]
    return [every[i % len(every)] for i in range(6)]


@contextlib.contextmanager
def compaction_held(engine: Engine) -> Iterator[None]:
    """Keep the decision log's compactor out while a test scores and reads the log back.

    The log runs a compaction pass as it opens. A journal segment created while that pass runs can be
    taken for an empty sealed one and removed before the writer locks it (its records then go to an
    unlinked file), so the test holds the compaction lock: the pass either finished before, or finds the
    log busy and leaves it.
    """
    log = engine.log
    assert isinstance(log, DecisionLog)
    with compaction_lock(log.layout, wait=True) as held:
        assert held
        yield


def logged_rows(engine: Engine) -> tuple[dict[str, dict[str, Any]], str]:
    """The decision log's committed records by waybill number, and the raw text of its journal."""
    log = engine.log
    assert isinstance(log, DecisionLog)
    log.journal.flush()
    rows = {r["waybill_no"]: r for r in journal_frame(log.layout).iter_rows(named=True)}
    raw = "".join(read_segment(p)[0].decode("utf-8", "replace") for p in segments(log.layout.journal))
    return rows, raw


def post(client: ScoringClient, wb: dict[str, Any]) -> httpx2.Response:
    """POST /v1/score, the raw response."""
    return client.http.post("/v1/score", json=wb)


def abroad_shop() -> dict[str, Any]:
    """A shop in Hong Kong selling to mainland buyers."""
    return hk_receiver(name="GLOBAL SHOP", phone="+85230001000", address={"detail": "1 Queen's Road"})


def buyer(n: int, id_type: str, id_number: str) -> dict[str, Any]:
    """The n-th writing of a mainland buyer: its own phone and building each time, the document given."""
    return cn_receiver(
        name=f"买家{n}",
        phone=f"1370022{n:04d}",
        address={"detail": f"建国路{10 + n}号{n + 1}号楼"},
        id_type=id_type,
        id_number=id_number,
    )


def cbec_purchase(n: int, id_type: str, id_number: str, value: float, month: int) -> dict[str, Any]:
    """A cross-border e-commerce import of one article, bought on the 15th of a month of 2026."""
    return waybill(
        accepted_at=f"2026-{month:02d}-15T10:00:00+08:00",
        service="import",
        channel="cbec",
        sender=abroad_shop(),
        receiver=buyer(n, id_type, id_number),
        items=[item(description="奶粉 milk powder", category="food", quantity=1, unit_value=value)],
        weight_kg=3.0,
    )


# A valid number of each document passes, and is shown only masked


@pytest.mark.parametrize("doc", DOC_PARAMS)
async def test_a_valid_number_passes_in_each_writing_and_the_decision_log_shows_one_mask(
    engine: Engine, doc: Doc
) -> None:
    waybills = [
        waybill(sender=sender(i, t, n)) for i, (t, n) in enumerate([(doc.id_type, doc.number), *doc.writings])
    ]
    with compaction_held(engine):
        decisions = [await score(engine, wb) for wb in waybills]
        rows, raw = logged_rows(engine)
    for d in decisions:
        assert not codes(d) & ID_CODES
        assert d.decision == "release"
        assert leaked(dump(d), doc.number) == []
    logged = [rows[wb["waybill_no"]] for wb in waybills]
    assert all(row["sender_id_present"] and row["sender_id_valid"] for row in logged)
    shown = {row["sender_id_masked"] for row in logged}
    assert len(shown) == 1
    assert_masked(doc.number, shown.pop())
    keys = {row["sender_id_key"] for row in logged}
    assert len(keys) == 1  # one keyed identity for every writing
    assert all(key and leaked(key, doc.number) == [] for key in keys)
    assert leaked(raw, doc.number) == []


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("passport", "EJ7QK39M2", id="passport"),
        pytest.param("hk_macau_permit", "H12345678", id="home-return-permit"),
        pytest.param("uscc", ORG, id="uscc"),
        pytest.param("other", "A123456(7)", id="other"),
    ],
)
def test_a_valid_number_is_in_neither_the_answer_nor_the_decision_read_back(
    client: ScoringClient, id_type: str, number: str
) -> None:
    wb = waybill(sender=party(id_type=id_type, id_number=number.lower()))
    r = post(client, wb)
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "release" and r.json()["reasons"] == []
    back = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert back.status_code == 200, back.text
    assert back.json()["decision"] == "release"
    assert leaked(r.text, number) == [] and leaked(back.text, number) == []


# One document is one sender across parcels, however it is written


@pytest.mark.parametrize("doc", DOC_PARAMS)
async def test_one_document_in_its_writings_is_one_sender_across_parcels(engine: Engine, doc: Doc) -> None:
    decisions = await run(engine, ring(six_writings(doc)))
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions[:5])
    ev = the_evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"], ev["distinct_receivers"]) == ("sender_id", 6, 6)
    assert decisions[5].decision == "hold"
    assert leaked(dump(decisions[5]), doc.number) == []


async def test_one_passport_in_its_writings_is_one_sender_on_every_history_store(
    history_engine: Engine,
) -> None:
    decisions = await run(history_engine, ring(six_writings(DOCS["passport-cn"])))
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions[:5])
    ev = the_evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"]) == ("sender_id", 6)
    assert decisions[5].decision == "hold"


@pytest.mark.parametrize(
    "documents",
    [
        pytest.param([("passport", f"EJ7QK39M{i}") for i in range(6)], id="six-passports"),
        pytest.param([("taiwan_permit", f"1234567{i}") for i in range(6)], id="six-taiwan-permits"),
        pytest.param(
            [("hk_macau_permit", gb11643(f"81000019900101{i:03d}")) for i in range(6)],
            id="six-residence-permits",
        ),
        pytest.param([("uscc", uscc_of(f"91310115MA1K4G7X{i}")) for i in range(6)], id="six-organisations"),
    ],
)
async def test_six_numbers_of_one_document_type_are_six_senders(
    engine: Engine, documents: list[tuple[str, str]]
) -> None:
    decisions = await run(engine, ring(documents))
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions)
    assert all(d.decision == "release" for d in decisions)


async def test_one_buyer_passport_in_its_writings_adds_up_to_one_annual_total(history_engine: Engine) -> None:
    writings = ["EJ7QK39M2", "ej7qk39m2", " EJ7QK39M2 ", "Ej7Qk39m2", "EJ7QK39M2"]
    for month, number in enumerate(writings, start=1):
        d = await score(history_engine, cbec_purchase(month, "passport", number, 5000.0, month))
        assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    d = await score(history_engine, cbec_purchase(9, "passport", "ej7qk39m2", 1500.0, 7))
    ev = the_evidence(d, "CBEC_ANNUAL_LIMIT")
    assert ev["year_total_cny"] == 26500.0
    assert d.decision == "hold"
    assert leaked(dump(d), "EJ7QK39M2") == []


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("hk_macau_permit", "H12345678", id="home-return-permit"),
        pytest.param("taiwan_permit", TW_RESIDENCE, id="taiwan-residence-permit"),
        pytest.param("foreign_resident", "USA110090101001", id="foreign-permanent-resident"),
    ],
)
async def test_a_buyer_with_another_document_has_one_annual_total(
    engine: Engine, id_type: str, number: str
) -> None:
    for month in range(1, 6):
        written = number.lower() if month % 2 else number
        await score(engine, cbec_purchase(month, id_type, written, 5000.0, month))
    d = await score(engine, cbec_purchase(9, id_type, number, 1500.0, 7))
    assert the_evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26500.0
    assert d.decision == "hold"


# The same number under two document types


@pytest.mark.parametrize(
    ("permit_type", "number"),
    [
        pytest.param("hk_macau_permit", HK_RESIDENCE, id="hk-81"),
        pytest.param("hk_macau_permit", MO_RESIDENCE, id="macau-82"),
        pytest.param("taiwan_permit", TW_RESIDENCE, id="taiwan-83"),
    ],
)
async def test_a_residence_permit_number_given_as_a_resident_id_is_the_same_person(
    engine: Engine, permit_type: str, number: str
) -> None:
    documents = [(permit_type if i % 2 else "resident_id", number) for i in range(6)]
    decisions = await run(engine, ring(documents))
    ev = the_evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"]) == ("sender_id", 6)


async def test_a_temporary_id_and_the_resident_id_of_one_number_are_one_sender(engine: Engine) -> None:
    number = gb11643("31011519820417231")
    documents = [("temporary_id" if i < 3 else "resident_id", number) for i in range(6)]
    decisions = await run(engine, ring(documents))
    assert the_evidence(decisions[5], "ANT_MOVING_SENDER")["parcels"] == 6


@pytest.mark.parametrize(
    ("first", "second", "number"),
    [
        pytest.param("taiwan_permit", "military_id", "20019880", id="taiwan-permit-and-military-id"),
        pytest.param("passport", "hk_macau_permit", "C12345678", id="passport-and-permit"),
        pytest.param("resident_id", "uscc", resident_and_uscc(), id="person-and-organisation"),
    ],
)
async def test_one_number_on_two_different_documents_is_two_identities(
    engine: Engine, first: str, second: str, number: str
) -> None:
    documents = [(first if i % 2 else second, number) for i in range(6)]
    decisions = await run(engine, ring(documents))
    assert all(not codes(d) & {"ANT_MOVING_SENDER", "ID_INVALID"} for d in decisions)
    assert all(d.decision == "release" for d in decisions)


# A malformed number is a 422 at its id_number, never echoed


MALFORMED = [
    pytest.param("resident_id", "11010519491231002Ｘ", id="resident-full-width-x"),
    pytest.param("temporary_id", "440305 1995 0505 7109", id="temporary-inner-spaces"),
    pytest.param("military_id", "南字第2001/9880号", id="military-slash"),
    pytest.param("military_id", "南字第２００１９８８０号", id="military-full-width-digits"),
    pytest.param("passport", "EJ7QK 39M2", id="passport-inner-space"),
    pytest.param("passport", "ＥＪ７ＱＫ３９Ｍ２", id="passport-full-width"),
    pytest.param("passport", "护照EJ7QK39M2", id="passport-chinese-characters"),
    pytest.param("passport", "E" + "1234567890" * 4, id="passport-too-long"),
    pytest.param("hk_macau_permit", "H1234567８", id="permit-one-full-width-digit"),
    pytest.param("taiwan_permit", "台12345678", id="taiwan-permit-chinese"),
    pytest.param("foreign_resident", "USA 110090101001", id="foreign-resident-inner-space"),
    pytest.param("uscc", ORG[:8] + " " + ORG[8:], id="uscc-inner-space"),
    pytest.param("other", "A123456（7）", id="other-full-width-brackets"),
    pytest.param("other", "   ", id="blank"),
]


@pytest.mark.parametrize(("id_type", "number"), MALFORMED)
def test_a_malformed_number_is_a_422_at_the_id_number_without_echoing_it(
    client: ScoringClient, id_type: str, number: str
) -> None:
    wb = waybill(sender=party(id_type=id_type, id_number=number))
    r = post(client, wb)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "sender", "id_number"]]
    if number.strip():
        assert number not in r.text and json.dumps(number)[1:-1] not in r.text
        assert leaked(r.text, number.strip()) == []
    back = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert back.status_code == 404, back.text


def test_a_malformed_buyer_passport_is_a_422_at_the_receiver(client: ScoringClient) -> None:
    r = post(client, cbec_purchase(1, "passport", "EJ7QK 39M2", 300.0, 3))
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "receiver", "id_number"]]
    assert leaked(r.text, "EJ7QK 39M2") == []


def test_an_unknown_document_type_is_a_422_at_the_id_type(client: ScoringClient) -> None:
    r = post(client, waybill(sender=party(id_type="hk_identity_card", id_number="A123456(7)")))
    assert r.status_code == 422, r.text
    assert ["body", "sender", "id_type"] in [e["loc"] for e in r.json()["detail"]]
    assert "A123456(7)" not in r.text


def test_a_number_without_its_document_type_is_a_422(client: ScoringClient) -> None:
    r = post(client, waybill(sender=party(id_type=None, id_number="EJ7QK39M2")))
    assert r.status_code == 422, r.text
    locs = [e["loc"] for e in r.json()["detail"]]
    assert locs and all(
        loc in (["body", "sender", "id_type"], ["body", "sender", "id_number"]) for loc in locs
    )
    assert leaked(r.text, "EJ7QK39M2") == []


# A false number (check character, birth date) is ID_INVALID, masked


@pytest.mark.parametrize(
    ("id_type", "region", "birth"),
    [
        pytest.param("hk_macau_permit", "810000", "19900230", id="hk-81-feb-30"),
        pytest.param("hk_macau_permit", "820000", "19881301", id="macau-82-month-13"),
        pytest.param("taiwan_permit", "830000", "20261112", id="taiwan-83-born-after-pickup"),
    ],
)
async def test_a_residence_permit_with_an_impossible_birth_date_is_id_invalid_masked(
    engine: Engine, id_type: str, region: str, birth: str
) -> None:
    bad = gb11643(region + birth + "417")  # check character right: only the date is false
    wb = export_postal(sender=party(id_type=id_type, id_number=bad, id_verified=False))
    with compaction_held(engine):
        d = await score(engine, wb)
        rows, raw = logged_rows(engine)
    r = next(r for r in d.reasons if r.code == "ID_INVALID")
    assert r.outcome == "reject"
    ev = r.evidence
    assert (ev["party"], ev["id_type"], ev["problem"]) == ("sender", id_type, "birth_date")
    assert ev["masked"] == rule_mask(bad)
    assert "REALNAME_UNVERIFIED" not in codes(d)
    assert d.decision == "reject" and d.reasons[0].code == "ID_INVALID"
    assert leaked(dump(d), bad) == []
    row = rows[wb["waybill_no"]]
    assert row["sender_id_masked"] == rule_mask(bad) and row["sender_id_valid"] is False
    assert leaked(raw, bad) == []


async def test_a_buyer_with_a_false_taiwan_residence_permit_is_rejected(engine: Engine) -> None:
    bad = wrong_check_digit(gb11643("83000019750315418"))
    d = await score(engine, cbec_purchase(1, "taiwan_permit", bad, 300.0, 3))
    ev = the_evidence(d, "ID_INVALID")
    assert (ev["party"], ev["id_type"], ev["problem"]) == ("receiver", "taiwan_permit", "check_digit")
    assert ev["masked"] == rule_mask(bad)
    assert "BUYER_ID_MISSING" not in codes(d)
    assert d.decision == "reject"
    assert leaked(dump(d), bad) == []


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("hk_macau_permit", wrong_check_digit(gb11643("81000019900101419")), id="hk-81"),
        pytest.param("uscc", ORG[:-1] + ("1" if ORG[-1] != "1" else "2"), id="uscc"),
        pytest.param("temporary_id", wrong_check_digit(TEMPORARY).lower(), id="temporary-lower-case"),
    ],
)
def test_a_false_check_character_over_http_is_a_reject_showing_only_the_mask(
    client: ScoringClient, id_type: str, number: str
) -> None:
    wb = waybill(sender=party(id_type=id_type, id_number=number, id_verified=False))
    r = post(client, wb)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "reject" and body["reasons"][0]["code"] == "ID_INVALID"
    reason = body["reasons"][0]
    assert reason["evidence"]["masked"] == rule_mask(number.upper())
    assert "REALNAME_UNVERIFIED" not in {x["code"] for x in body["reasons"]}
    back = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert leaked(r.text, number.upper()) == [] and leaked(back.text, number.upper()) == []


# Not verified against the person: REALNAME_UNVERIFIED, whatever the document


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("military_id", "武字第0012345号", id="armed-police"),
        pytest.param("passport", "C01X00T47", id="passport"),
        pytest.param("hk_macau_permit", "H12345678", id="home-return-permit"),
        pytest.param("hk_macau_permit", MO_RESIDENCE, id="macau-residence-permit"),
        pytest.param("taiwan_permit", "12345678", id="taiwan-compatriot-permit"),
        pytest.param("foreign_resident", "USA110090101001", id="foreign-resident"),
        pytest.param("uscc", ORG, id="uscc"),
        pytest.param("other", "A123456(7)", id="other"),
    ],
)
async def test_an_unverified_document_is_inspected(engine: Engine, id_type: str, number: str) -> None:
    who = party(id_type=id_type, id_number=number, id_verified=False, verification_method="none")
    d = await score(engine, export_postal(sender=who))
    r = next(r for r in d.reasons if r.code == "REALNAME_UNVERIFIED")
    assert r.outcome == "inspect"
    assert not codes(d) & {"ID_INVALID", "REALNAME_MISSING"}
    assert d.decision == "inspect"
    assert leaked(dump(d), number) == []


# An organisation (USCC) is not an individual: personal-article limits are for individuals


INDIVIDUALS = [
    pytest.param("resident_id", RESIDENT, id="resident"),
    pytest.param("military_id", "南字第20019880号", id="military"),
    pytest.param("passport", "C01X00T47", id="passport"),
    pytest.param("hk_macau_permit", "H12345678", id="home-return-permit"),
    pytest.param("taiwan_permit", TW_RESIDENCE, id="taiwan-residence-permit"),
]


def express_export(who: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An express parcel from Shanghai to Hong Kong (an individual's limit: 800 CNY)."""
    fields: dict[str, Any] = {
        "service": "export",
        "channel": "express",
        "sender": who,
        "receiver": hk_receiver(),
    }
    return waybill(**(fields | changes))


FIVE_SHIRTS_OF_200 = [item(quantity=5, unit_value=200.0)]


@pytest.mark.parametrize(("id_type", "number"), INDIVIDUALS)
async def test_an_individual_with_any_document_has_the_personal_limit_on_express(
    engine: Engine, id_type: str, number: str
) -> None:
    d = await score(
        engine, express_export(party(id_type=id_type, id_number=number), items=FIVE_SHIRTS_OF_200)
    )
    ev = the_evidence(d, "OVER_PERSONAL_LIMIT")
    assert (ev["value_cny"], ev["limit_cny"]) == (1000.0, 800.0)
    assert d.decision == "hold"


@pytest.mark.parametrize(
    "items",
    [
        pytest.param(FIVE_SHIRTS_OF_200, id="five-articles-1000"),
        pytest.param(
            [item(description="笔记本电脑 laptop", category="electronics", quantity=1, unit_value=6000.0)],
            id="one-article-6000",
        ),
    ],
)
async def test_an_organisation_exporting_by_express_has_no_personal_limit(
    engine: Engine, items: list[dict[str, Any]]
) -> None:
    org = party(name="上海某贸易有限公司", id_type="uscc", id_number=ORG)  # customer_type left individual
    d = await score(engine, express_export(org, items=items, weight_kg=2.5))
    assert "OVER_PERSONAL_LIMIT" not in codes(d)
    assert d.decision == "release"


async def test_an_organisation_importing_by_express_has_no_personal_limit(engine: Engine) -> None:
    org = cn_receiver(name="北京某科技有限公司", id_type="uscc", id_number=ORG)
    person = cn_receiver(id_type="passport", id_number="C01X00T47")
    decisions = [
        await score(
            engine,
            waybill(
                service="import",
                channel="express",
                sender=abroad_shop(),
                receiver=who,
                items=FIVE_SHIRTS_OF_200,
            ),
        )
        for who in (org, person)
    ]
    assert "OVER_PERSONAL_LIMIT" not in codes(decisions[0]) and decisions[0].decision == "release"
    assert "OVER_PERSONAL_LIMIT" in codes(decisions[1]) and decisions[1].decision == "hold"


async def test_an_organisation_posting_a_personal_postal_article_has_the_limit(engine: Engine) -> None:
    org = party(name="上海某贸易有限公司", id_type="uscc", id_number=ORG)
    d = await score(engine, export_postal(sender=org, items=FIVE_SHIRTS_OF_200))
    ev = the_evidence(d, "OVER_PERSONAL_LIMIT")
    assert (ev["value_cny"], ev["limit_cny"]) == (1000.0, 800.0)
    assert d.decision == "hold"


@pytest.mark.parametrize(
    ("id_type", "number", "flagged"),
    [
        pytest.param("uscc", ORG, False, id="organisation"),
        pytest.param("passport", "C01X00T47", True, id="individual-passport"),
        pytest.param("hk_macau_permit", "H12345678", True, id="individual-permit"),
    ],
)
async def test_many_units_are_commercial_quantity_for_an_individual_only(
    engine: Engine, id_type: str, number: str, flagged: bool
) -> None:
    shirts = [item(quantity=20, unit_value=30.0)]  # 600 CNY: under the 800 CNY limit
    d = await score(
        engine, express_export(party(id_type=id_type, id_number=number), items=shirts, weight_kg=4.0)
    )
    assert ("COMMERCIAL_QUANTITY" in codes(d)) is flagged
    assert d.decision == ("inspect" if flagged else "release")
