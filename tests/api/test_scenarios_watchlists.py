"""Scenarios of the watch and black lists over HTTP: putting identifiers on, taking them off, and scoring.

Written from ../shared/domain/RULES.md (WATCHLIST_HIT: hold when the sender, receiver, phone, address or
account is on a watch or black list; identity numbers never in plain text), ../shared/contract/README.md
(decisions, reasons, 422 bodies in the pydantic style) and the README (`PUT /v1/admin/lists`,
`POST /v1/admin/lists/csv` with the columns of `screening lists load`, the security model, the ledger of
lists in the data dir). The engine-level list scenarios live in tests/screening/test_scenarios_feedback.py
and tests/screening/test_scenarios.py; these drive the admin routes as an admin system or person does,
and score as a courier system does.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import CSRF_HEADER
from screening.keys.service import KeyKind
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.answers import codes
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.conftest import ScoringClient
from tests.factories import (
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)

Body = dict[str, Any]
Parcel = Callable[[], Body]

LISTS = "/v1/admin/lists"
LISTS_CSV = "/v1/admin/lists/csv"
CSV_HEADER = "list,kind,value,id_type,country,province,city,district,detail"

# One valid number of every document type the contract names (a fresh app per test keeps them apart).
USCC = "91350100M000100Y43"
IDS: dict[str, str] = {
    "resident_id": resident_id(region="320102", birth="19800101", seq="701"),
    "temporary_id": resident_id(region="320102", birth="19800101", seq="702"),
    "military_id": "南字第20190012号",
    "passport": "E12345678",
    "hk_macau_permit": "H12345678",
    "taiwan_permit": "12345678",
    "foreign_resident": "USA110079010101",
    "uscc": USCC,
    "other": "ABC-12345",
}

# A building in Wuhan, as an officer lists it.
BUILDING = {
    "country": "CN",
    "province": "湖北省",
    "city": "武汉市",
    "district": "江汉区",
    "detail": "解放大道688号2栋",
}


# Helpers ------------------------------------------------------------------------------------------------


class Admin:
    """An admin system changing the lists with its key, next to a courier system scoring parcels."""

    def __init__(self, client: ScoringClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def put(self, entries: list[Body]) -> httpx2.Response:
        """PUT list entries as JSON."""
        return self.client.http.put(LISTS, json=entries, headers=self.headers)

    def listed(self, *entries: Body) -> None:
        """PUT list entries and expect them applied."""
        r = self.put(list(entries))
        assert r.status_code == 200, r.text

    def csv(self, text: str) -> httpx2.Response:
        """POST list entries as a CSV body."""
        headers = {"content-type": "text/csv", **self.headers}
        return self.client.http.post(LISTS_CSV, content=text.encode("utf-8"), headers=headers)

    def score(self, body: Body) -> Body:
        """Score one waybill as a courier system."""
        return self.client.score(body)


@pytest.fixture
def admin(client: ScoringClient) -> Admin:
    """The lists of a started app, changed through an admin system's key."""
    app: FastAPI = client.http.app  # type: ignore[assignment]
    return Admin(client, bearer(make_key(app, "admin", "ops")))


def hits(decision: Body) -> list[tuple[str, list[str]]]:
    """(entity, lists) of every listed entity WATCHLIST_HIT names; [] without the reason."""
    found = [r for r in decision["reasons"] if r["code"] == "WATCHLIST_HIT"]
    if not found:
        return []
    (reason,) = found
    ev = reason["evidence"]
    named = [(h["entity"], h["lists"]) for h in ev["hits"]]
    # The reason asks for a hold by itself, and its top-level evidence is its first hit.
    assert reason["outcome"] == "hold"
    assert (ev["entity"], ev["lists"]) == named[0]
    return named


def assert_held_by(decision: Body, entity: str, lists: list[str]) -> None:
    """A hold by WATCHLIST_HIT naming exactly this one entity on these lists."""
    assert decision["decision"] == "hold", decision["reasons"]
    assert hits(decision) == [(entity, lists)]


def assert_clean(decision: Body) -> None:
    """A plain release: no list hit, nothing else."""
    assert (decision["decision"], decision["reasons"]) == ("release", [])


def id_entry(id_type: str, number: str, name: str = "watch", **more: Any) -> Body:
    """A list entry of an identity document."""
    return {"list": name, "kind": "id", "id_type": id_type, "value": number, **more}


def phone_entry(value: str, name: str = "watch", **more: Any) -> Body:
    """A list entry of a phone number."""
    return {"list": name, "kind": "phone", "value": value, **more}


def address_entry(address: Body, name: str = "watch", **more: Any) -> Body:
    """A list entry of a building."""
    return {"list": name, "kind": "address", "address": address, **more}


def csv_body(*rows: str, newline: str = "\n") -> str:
    """A list CSV with the documented header."""
    return newline.join([CSV_HEADER, *rows]) + newline


def locs(response: httpx2.Response) -> list[list[Any]]:
    """The loc of every error of a 422 body."""
    assert response.status_code == 422, response.text
    return [e["loc"] for e in response.json()["detail"]]


# Identity documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_type", "list_name"),
    [
        ("resident_id", "black"),
        ("temporary_id", "watch"),
        ("military_id", "black"),
        ("passport", "watch"),
        ("hk_macau_permit", "black"),
        ("taiwan_permit", "watch"),
        ("foreign_resident", "black"),
        ("uscc", "watch"),
        ("other", "black"),
    ],
)
def test_a_listed_document_of_each_type_holds_its_sender(admin: Admin, id_type: str, list_name: str) -> None:
    number = IDS[id_type]

    def parcel() -> Body:
        return waybill(sender=party(id_type=id_type, id_number=number))

    assert_clean(admin.score(parcel()))
    admin.listed(id_entry(id_type, number, list_name))
    assert_held_by(admin.score(parcel()), "sender_id", [list_name])
    # The same sender with another document is not the listed one.
    other = waybill(sender=party(id_number=resident_id(region="320102", birth="19800101", seq="799")))
    assert_clean(admin.score(other))


@pytest.mark.parametrize("id_type", ["resident_id", "passport", "taiwan_permit"])
def test_a_listed_document_holds_its_receiver(admin: Admin, id_type: str) -> None:
    number = IDS[id_type]

    def parcel() -> Body:
        return waybill(receiver=cn_receiver(id_type=id_type, id_number=number))

    assert_clean(admin.score(parcel()))
    admin.listed(id_entry(id_type, number))
    assert_held_by(admin.score(parcel()), "receiver_id", ["watch"])


@pytest.mark.parametrize(
    ("listed_as", "shown_as"),
    [("temporary_id", "resident_id"), ("resident_id", "temporary_id")],
)
def test_a_temporary_and_a_resident_id_of_one_number_are_one_listed_person(
    admin: Admin, listed_as: str, shown_as: str
) -> None:
    number = resident_id(region="510104", birth="19920202", seq="431")
    admin.listed(id_entry(listed_as, number, "black"))
    as_sender = admin.score(waybill(sender=party(id_type=shown_as, id_number=number)))
    as_receiver = admin.score(waybill(receiver=cn_receiver(id_type=shown_as, id_number=number)))
    assert_held_by(as_sender, "sender_id", ["black"])
    assert_held_by(as_receiver, "receiver_id", ["black"])


def test_an_id_listed_with_a_small_x_matches_the_printed_capital_x(admin: Admin) -> None:
    number = resident_id(seq="109")
    assert number.endswith("X")
    admin.listed(id_entry("resident_id", number.lower()))
    assert_held_by(admin.score(waybill(sender=party(id_number=number))), "sender_id", ["watch"])
    receiver = cn_receiver(id_type="resident_id", id_number=number.lower())
    assert_held_by(admin.score(waybill(receiver=receiver)), "receiver_id", ["watch"])


def test_a_hit_on_a_listed_id_names_the_kind_and_list_but_never_the_number(admin: Admin) -> None:
    number = resident_id(region="440305", birth="19850505", seq="517")
    admin.listed(id_entry("resident_id", number, "black"))
    body = waybill(sender=party(id_number=number))
    r = admin.client.http.post("/v1/score", json=body)
    assert r.status_code == 200
    decision = r.json()
    assert_held_by(decision, "sender_id", ["black"])
    read_back = admin.client.http.get(f"/v1/decisions/SF/{body['waybill_no']}")
    assert read_back.status_code == 200 and read_back.json()["decision"] == "hold"
    for text in (r.text, read_back.text):
        assert number not in text and number[:-1] not in text


# Phones ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "written", "side"),
    [
        ("13987650011", "+86 139 8765 0011", "sender"),
        ("+86 139-8765-0011", "13987650011", "receiver"),
        ("１３９８７６５００１１", "139-8765-0011", "sender"),
        ("0086 139 8765 0011", "１３９ ８７６５ ００１１", "receiver"),
        ("010-6552 9988", "+86 10 6552 9988", "receiver"),
    ],
    ids=[
        "national-to-spaced-e164",
        "dashed-e164-to-national",
        "full-width-to-dashed",
        "0086-to-full-width",
        "landline",
    ],
)
def test_a_listed_phone_hits_its_other_writings_on_either_side(
    admin: Admin, entry: str, written: str, side: str
) -> None:
    def parcel() -> Body:
        if side == "sender":
            return waybill(sender=party(phone=written))
        return waybill(receiver=cn_receiver(phone=written))

    assert_clean(admin.score(parcel()))
    admin.listed(phone_entry(entry))
    assert_held_by(admin.score(parcel()), f"{side}_phone", ["watch"])


def test_a_foreign_phone_listed_with_its_country_holds_the_receiver_abroad(admin: Admin) -> None:
    admin.listed(phone_entry("9123 4567", country="HK"))
    listed = export_postal(receiver=hk_receiver(phone="+852 9123 4567"))
    assert_held_by(admin.score(listed), "receiver_phone", ["watch"])
    # A number one digit apart is someone else.
    assert_clean(admin.score(export_postal(receiver=hk_receiver(phone="+852 9123 4568"))))


# Addresses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "side"),
    [
        (
            {"province": "湖北", "city": "武汉", "district": "江汉区", "detail": "解放大道688号二栋 1801室"},
            "sender",
        ),
        ({"district": "江汉区", "detail": "湖北省武汉市江汉区解放大道688号2栋1801"}, "receiver"),
        ({"district": "江汉区", "detail": "解放大道６８８号２栋"}, "receiver"),
        ({"district": "江漢區", "detail": "解放大道688號2棟1801室"}, "sender"),
    ],
    ids=["short-names-chinese-numeral-room", "prefix-repeated", "full-width-digits", "traditional"],
)
def test_a_listed_building_hits_its_other_writings_on_either_side(
    admin: Admin, written: Body, side: str
) -> None:
    address = {"province": "湖北省", "city": "武汉市", "postcode": None, **written}

    def parcel() -> Body:
        if side == "sender":
            return waybill(sender=party(address=address))
        return waybill(receiver=cn_receiver(address=address))

    assert_clean(admin.score(parcel()))
    admin.listed(address_entry(BUILDING))
    assert_held_by(admin.score(parcel()), f"{side}_address", ["watch"])


@pytest.mark.parametrize(
    "neighbour",
    [
        {"district": "江汉区", "detail": "解放大道688号3栋"},
        {"district": "江汉区", "detail": "解放大道686号2栋"},
    ],
    ids=["next-building", "next-street-number"],
)
def test_a_neighbouring_building_of_a_listed_one_is_not_hit(admin: Admin, neighbour: Body) -> None:
    admin.listed(address_entry(BUILDING, "black"))
    address = {"province": "湖北省", "city": "武汉市", "postcode": None, **neighbour}
    assert_clean(admin.score(waybill(sender=party(address=address))))
    assert_clean(admin.score(waybill(receiver=cn_receiver(address=address))))


def test_a_building_both_sent_from_and_to_names_both_sides(admin: Admin) -> None:
    admin.listed(address_entry(BUILDING))
    room = {"province": "湖北省", "city": "武汉市", "postcode": None, "district": "江汉区"}
    d = admin.score(
        waybill(
            sender=party(address={**room, "detail": "解放大道688号2栋101"}),
            receiver=cn_receiver(address={**room, "detail": "解放大道688号2栋2502"}),
        )
    )
    assert d["decision"] == "hold"
    assert sorted(hits(d)) == [("receiver_address", ["watch"]), ("sender_address", ["watch"])]


# Taking off, idempotence, watch and black ---------------------------------------------------------------

# kind → (entry, the parcel carrying that entity, the entity WATCHLIST_HIT names)
KINDS: dict[str, tuple[Body, Parcel, str]] = {
    "id": (
        id_entry("passport", "G87654321"),
        lambda: waybill(receiver=cn_receiver(id_type="passport", id_number="G87654321")),
        "receiver_id",
    ),
    "phone": (
        phone_entry("+86 137 0005 0001"),
        lambda: waybill(sender=party(phone="13700050001")),
        "sender_phone",
    ),
    "address": (
        address_entry(BUILDING),
        lambda: waybill(receiver=cn_receiver(address={**BUILDING, "detail": "解放大道688号2栋 703"})),
        "receiver_address",
    ),
    "account": (
        {"kind": "account", "value": "6222020200778899001"},
        lambda: waybill(
            order={"platform": "shop", "order_id": "O-1", "payment_account": "6222020200778899001"}
        ),
        "payment_account",
    ),
    "ip": (
        {"kind": "ip", "value": "198.51.100.23"},
        lambda: waybill(order={"platform": "shop", "order_id": "O-2", "buyer_ip": "198.51.100.23"}),
        "buyer_ip",
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_taking_each_kind_off_the_list_stops_its_hit(admin: Admin, kind: str) -> None:
    entry, parcel, entity = KINDS[kind]
    admin.listed(entry)
    assert_held_by(admin.score(parcel()), entity, ["watch"])
    admin.listed({**entry, "listed": False})
    assert_clean(admin.score(parcel()))


def test_listing_one_phone_twice_in_two_writings_is_undone_by_one_take_off(admin: Admin) -> None:
    admin.listed(phone_entry("13700050002"))
    admin.listed(phone_entry("+86 137 0005 0002"), phone_entry("137-0005-0002"))

    def parcel() -> Body:
        return waybill(receiver=cn_receiver(phone="13700050002"))

    assert_held_by(admin.score(parcel()), "receiver_phone", ["watch"])
    admin.listed(phone_entry("0086 13700050002", listed=False))
    assert_clean(admin.score(parcel()))


def test_taking_off_an_entry_never_listed_changes_nothing(admin: Admin) -> None:
    admin.listed(phone_entry("13700050003", "black"))
    admin.listed(phone_entry("13700050004", "black", listed=False), phone_entry("13700050003", listed=False))
    assert_held_by(admin.score(waybill(sender=party(phone="13700050003"))), "sender_phone", ["black"])
    assert_clean(admin.score(waybill(sender=party(phone="13700050004"))))


@pytest.mark.parametrize("list_name", ["watch", "black"])
def test_either_list_alone_holds_the_parcel_and_is_named(admin: Admin, list_name: str) -> None:
    admin.listed({"list": list_name, "kind": "account", "value": "6222020200778899002"})
    d = admin.score(waybill(order={"payment_account": "6222020200778899002"}))
    assert_held_by(d, "payment_account", [list_name])
    assert d["case_id"]  # a hold opens a case


def test_every_listed_entity_of_a_parcel_is_named_with_its_own_list(admin: Admin) -> None:
    number = resident_id(region="350203", birth="19830303", seq="905")
    admin.listed(
        id_entry("resident_id", number, "black"),
        phone_entry("13700050005"),
        {"list": "black", "kind": "ip", "value": "203.0.113.99"},
    )
    d = admin.score(
        waybill(
            sender=party(id_number=number),
            receiver=cn_receiver(phone="137 0005 0005"),
            order={"platform": "shop", "buyer_ip": "203.0.113.99"},
        )
    )
    assert d["decision"] == "hold"
    assert sorted(hits(d)) == [
        ("buyer_ip", ["black"]),
        ("receiver_phone", ["watch"]),
        ("sender_id", ["black"]),
    ]


# With the parcel's other reasons -----------------------------------------------------------------------

LISTED_PHONE = "13700050006"
FALSE_ID = wrong_check_digit(resident_id(region="330106", birth="19881212", seq="246"))

# An otherwise rejected parcel of the listed phone (or the listed false ID), and the reason rejecting it.
REJECTED: dict[str, tuple[Parcel, str]] = {
    "prohibited": (
        lambda: waybill(
            sender=party(phone=LISTED_PHONE),
            items=[item(description="仿真手枪 一把", category=None, quantity=1, unit_value=200.0)],
        ),
        "PROHIBITED_ITEM",
    ),
    "no-sender-id": (
        lambda: export_postal(sender=party(phone=LISTED_PHONE, id_type=None, id_number=None)),
        "REALNAME_MISSING",
    ),
    "false-id": (lambda: waybill(sender=party(id_number=FALSE_ID)), "ID_INVALID"),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_a_listed_entity_on_an_otherwise_rejected_parcel_stays_rejected(admin: Admin, case: str) -> None:
    parcel, rejecting = REJECTED[case]
    admin.listed(phone_entry(LISTED_PHONE, "black"), id_entry("resident_id", FALSE_ID, "black"))
    d = admin.score(parcel())
    assert d["decision"] == "reject"
    assert {rejecting, "WATCHLIST_HIT"} <= codes(d)
    assert d["reasons"][0]["code"] == rejecting  # most severe first
    assert d["case_id"] is None  # a case is opened for a hold only


def test_a_listed_entity_on_an_inspected_parcel_holds_it_and_opens_a_case(admin: Admin) -> None:
    def parcel() -> Body:
        return waybill(
            sender=party(phone="13700050007"),
            pickup_checks={"opened_inspection": False, "xray_screened": True},
        )

    assert admin.score(parcel())["decision"] == "inspect"
    admin.listed(phone_entry("13700050007"))
    d = admin.score(parcel())
    assert d["decision"] == "hold" and d["case_id"]
    assert [r["code"] for r in d["reasons"]] == ["WATCHLIST_HIT", "INSPECTION_NOT_RECORDED"]


def test_a_batch_holds_only_the_slot_of_the_listed_entity(admin: Admin) -> None:
    admin.listed({"kind": "account", "value": "6222020200778899003"})
    bodies = [
        waybill(),
        waybill(order={"payment_account": "6222020200778899003"}),
        waybill(order={"payment_account": "6222020200778899004"}),
    ]
    r = admin.client.http.post("/v1/score/batch", json={"waybills": bodies})
    assert r.status_code == 200
    slots = r.json()["decisions"]
    assert [s["decision"] for s in slots] == ["release", "hold", "release"]
    assert hits(slots[1]) == [("payment_account", ["watch"])]


# Bad entries --------------------------------------------------------------------------------------------


def test_bad_json_entries_are_a_422_naming_each_and_the_good_one_beside_them_is_not_applied(
    admin: Admin,
) -> None:
    good = phone_entry("13700050008")
    r = admin.put(
        [
            good,
            phone_entry("12"),  # not a possible phone number
            {"kind": "id", "value": IDS["resident_id"]},  # no id_type
            address_entry({"country": "CN", "detail": "解放大道"}),  # no province, city, district
            {"kind": "vehicle", "value": "沪A12345"},  # not a kind
            {"list": "grey", "kind": "ip", "value": "198.51.100.24"},  # not a list
            {"kind": "account"},  # no value
        ]
    )
    named = locs(r)
    assert {loc[0] for loc in named} == {"body"}
    assert {loc[1] for loc in named} == {1, 2, 3, 4, 5, 6}
    assert_clean(admin.score(waybill(sender=party(phone="13700050008"))))


def test_each_bad_json_entry_is_named_at_its_offending_field(admin: Admin) -> None:
    r = admin.put(
        [
            phone_entry("12"),
            {"kind": "id", "value": IDS["passport"]},
            {"kind": "phone"},
            {"list": "grey", "kind": "ip", "value": "198.51.100.25"},
        ]
    )
    assert sorted(tuple(loc[1:3]) for loc in locs(r)) == [
        (0, "value"),
        (1, "id_type"),
        (2, "value"),
        (3, "list"),
    ]


def test_a_resident_id_entry_of_the_wrong_length_or_characters_is_refused(admin: Admin) -> None:
    r = admin.put(
        [
            id_entry("resident_id", "3201021980"),
            id_entry("temporary_id", IDS["resident_id"][:-1] + "Z"),
            phone_entry("13700050009"),
        ]
    )
    assert sorted(loc[1] for loc in locs(r)) == [0, 1]
    assert_clean(admin.score(waybill(sender=party(phone="13700050009"))))


def test_a_bad_csv_names_each_bad_line_and_applies_none_of_it(admin: Admin) -> None:
    r = admin.csv(
        csv_body(
            "watch,phone,13700050010,,,,,,",
            "watch,phone,12,,,,,,",
            f"black,id,{IDS['resident_id']},,,,,,",
            "grey,ip,198.51.100.26,,,,,,",
            "watch,account,6222020200778899005,,,,,,,extra",
            "watch,address,,,CN,湖北省,,,解放大道688号2栋",
            "black,account,6222020200778899006,,,,,,",
        )
    )
    assert sorted({tuple(loc[:2]) for loc in locs(r)}) == [("csv", n) for n in (3, 4, 5, 6, 7)]
    assert_clean(admin.score(waybill(sender=party(phone="13700050010"))))
    assert_clean(admin.score(waybill(order={"payment_account": "6222020200778899006"})))


def test_a_bad_csv_line_is_named_by_its_line_in_the_file_after_a_blank_line(admin: Admin) -> None:
    r = admin.csv(
        csv_body(
            "watch,phone,13700050011,,,,,,",
            "",
            "watch,phone,12,,,,,,",
            "watch,account,6222020200778899007,,,,,,",
            "grey,ip,198.51.100.27,,,,,,",
        )
    )
    assert sorted({tuple(loc[:2]) for loc in locs(r)}) == [("csv", 4), ("csv", 6)]


def test_a_422_for_bad_entries_never_echoes_the_identity_number(admin: Admin) -> None:
    number = resident_id(region="110101", birth="19700101", seq="321")
    r = admin.put([{"kind": "id", "value": number}, {"kind": "id", "id_type": "ssn", "value": number}])
    c = admin.csv(csv_body(f"watch,id,{number},,,,,,", f"watch,id,{number},ssn,,,,,"))
    for response in (r, c):
        assert len(locs(response)) == 2
        assert number not in response.text and number[:-1] not in response.text


def test_a_spreadsheet_csv_with_a_byte_order_mark_and_crlf_loads_every_kind(admin: Admin) -> None:
    number = IDS["hk_macau_permit"]
    text = "\ufeff" + csv_body(
        f"watch,id,{number},hk_macau_permit,,,,,",
        "black,phone,9123 4567,,HK,,,,",
        "watch,address,,,CN,浙江省,杭州市,西湖区,文三路90号5幢",
        "black,account,6222020200778899008,,,,,,",
        "watch,ip,198.51.100.28,,,,,,",
        newline="\r\n",
    )
    r = admin.csv(text)
    assert r.status_code == 200, r.text
    hangzhou = {"province": "浙江", "city": "杭州", "district": "西湖区", "detail": "文三路90号五幢 301室"}
    expected: list[tuple[Body, str, list[str]]] = [
        (waybill(sender=party(id_type="hk_macau_permit", id_number=number)), "sender_id", ["watch"]),
        (export_postal(receiver=hk_receiver(phone="+85291234567")), "receiver_phone", ["black"]),
        (waybill(receiver=cn_receiver(address=hangzhou)), "receiver_address", ["watch"]),
        (waybill(order={"payment_account": "6222020200778899008"}), "payment_account", ["black"]),
        (waybill(order={"buyer_ip": "198.51.100.28"}), "buyer_ip", ["watch"]),
    ]
    for body, entity, lists in expected:
        assert_held_by(admin.score(body), entity, lists)


# Who may change the lists -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "status"),
    [("admin", 200), ("carrier", 403), ("customs", 403), ("nobody", 401)],
)
def test_only_an_admin_systems_key_may_change_the_lists(
    client: ScoringClient, caller: str, status: int
) -> None:
    app: FastAPI = client.http.app  # type: ignore[assignment]
    keys: dict[str, tuple[KeyKind, str]] = {
        "admin": ("admin", "ops"),
        "carrier": ("carrier", "SF"),
        "customs": ("customs", "SHA-PVG"),
    }
    headers = bearer(make_key(app, *keys[caller])) if caller in keys else {}
    by_json = client.http.put(LISTS, json=[phone_entry("13700050012")], headers=headers)
    by_csv = client.http.post(
        LISTS_CSV, content=csv_body("watch,phone,13700050013,,,,,,").encode(), headers=headers
    )
    assert (by_json.status_code, by_csv.status_code) == (status, status)
    decisions = [client.score(waybill(sender=party(phone=p))) for p in ("13700050012", "13700050013")]
    assert [d["decision"] for d in decisions] == ["hold" if status == 200 else "release"] * 2


@pytest.mark.parametrize(
    ("role", "with_csrf", "status"),
    [("admin", True, 200), ("admin", False, 403), ("supervisor", True, 403), ("officer", True, 403)],
)
def test_a_person_needs_the_admin_role_and_the_csrf_token(
    cases_client: CaseClient, role: str, with_csrf: bool, status: int
) -> None:
    cases_client.as_new("li", role)
    if not with_csrf:
        cases_client.http.headers.pop(CSRF_HEADER)
    r = cases_client.http.put(LISTS, json=[phone_entry("13700050014")])
    assert r.status_code == status, r.text
    d = cases_client.score(waybill(sender=party(phone="13700050014")))
    assert d["decision"] == ("hold" if status == 200 else "release")


# Durability and personal data ----------------------------------------------------------------------------


def test_the_lists_survive_a_restart_with_what_was_taken_off_still_off(
    settings: Settings, policy: Policy
) -> None:
    number = IDS["passport"]

    def started() -> tuple[FastAPI, TestClient]:
        app = create_app(settings)
        return app, TestClient(app)

    app, http = started()
    with http:
        app.state.engine.policy = policy
        key = bearer(make_key(app, "admin", "ops"))
        entries = [
            phone_entry("13700050015"),
            phone_entry("13700050016", "black"),
            id_entry("passport", number),
        ]
        assert http.put(LISTS, json=entries, headers=key).status_code == 200
        text = csv_body("black,account,6222020200778899009,,,,,,").encode()
        assert http.post(LISTS_CSV, content=text, headers=key).status_code == 200
        off = [phone_entry("13700050016", "black", listed=False)]
        assert http.put(LISTS, json=off, headers=key).status_code == 200

    app, http = started()  # a new process would build the same app from the same data dir
    with http:
        app.state.engine.policy = policy
        client = ScoringClient(http)
        assert_held_by(client.score(waybill(sender=party(phone="13700050015"))), "sender_phone", ["watch"])
        assert_clean(client.score(waybill(sender=party(phone="13700050016"))))
        held = client.score(waybill(receiver=cn_receiver(id_type="passport", id_number=number)))
        assert_held_by(held, "receiver_id", ["watch"])
        paid = client.score(waybill(order={"payment_account": "6222020200778899009"}))
        assert_held_by(paid, "payment_account", ["black"])


def test_listing_leaves_no_identifier_as_typed_in_the_data_dir(admin: Admin, settings: Settings) -> None:
    number = resident_id(region="230103", birth="19660606", seq="808")
    admin.listed(
        id_entry("resident_id", number),
        phone_entry("13700050017"),
        address_entry({**BUILDING, "detail": "中山大道1号8栋"}),
        {"kind": "account", "value": "6222020200778899010"},
        {"kind": "ip", "value": "198.51.100.29"},
    )
    assert (settings.data_dir / "ledger.jsonl").exists()
    typed = [number, number[:-1], "13700050017", "6222020200778899010", "198.51.100.29", "中山大道"]
    needles = {n.encode() for n in typed} | {n.encode("unicode_escape") for n in typed}
    files: list[Path] = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    found = {(p.name, n) for p in files for n in needles if n in p.read_bytes()}
    assert found == set()
