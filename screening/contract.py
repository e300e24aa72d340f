"""The wire contract: waybills in, decisions out (field names are fixed by shared/contract)."""

import functools
import json
import math
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import opencc
import phonenumbers
import pycountry
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

Service = Literal["domestic", "export", "import"]
Channel = Literal["express", "postal", "cbec"]
Outcome = Literal["release", "inspect", "hold", "reject"]
IdType = Literal[
    "resident_id",
    "temporary_id",
    "military_id",
    "passport",
    "hk_macau_permit",
    "taiwan_permit",
    "foreign_resident",
    "uscc",
    "other",
]
VerificationMethod = Literal["id_reader", "online_check", "face_match", "manual", "none"]
CustomerType = Literal["individual", "contract"]
Category = Literal[
    "agri_inputs",
    "food",
    "medicine",
    "cosmetics",
    "medical_devices",
    "electronics",
    "auto_parts",
    "building_materials",
    "hazardous_chemicals",
    "children_products",
    "bags_leather",
    "apparel_shoes",
    "tobacco",
    "publications",
    "documents",
    "general",
]
InspectionResult = Literal["clear", "violation"]

SEVERITY: dict[str, int] = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}

Number = Annotated[float, Field(allow_inf_nan=False), Field(strict=True)]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Field(strict=True)
]
OptText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), Field(strict=True)] | None


def _iso_text(value: Any) -> Any:
    """A timestamp as the contract sends it: ISO-8601 text (or a datetime, in process), never a number."""
    # pydantic reads numbers, and text of digits, as Unix times: the contract asks for ISO-8601 with offset.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or re.fullmatch(r"\s*[+-]?\d+(?:\.\d*)?\s*", value):
        raise PydanticCustomError("iso_timestamp", "an ISO-8601 timestamp with its offset, not a number")
    # ISO 8601 allows an offset of whole hours written ±hh (PostgreSQL writes +08); pydantic reads ±hh:mm.
    return _HOURS_OFFSET.sub(r"\1:00", value)


_HOURS_OFFSET = re.compile(r"([Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?[+-]\d{2})(?=\s*$)", re.ASCII)


# The history packs event times in 42 bits of milliseconds from 1970 (to 2109), and a time far outside
# the service's years is a typing error: bad input, not an overflow deep in scoring.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _in_service_years(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise PydanticCustomError("timestamp_range", "a time from 2000 up to 2100 (UTC)")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_in_service_years)]
WaybillNo = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,32}$"), Field(strict=True)]
CarrierCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,8}$"), Field(strict=True)]

# Identity numbers: the format is checked here (wrong length or characters is bad input, 422);
# check digit and birth date are a decision (ID_INVALID), checked by the rules.
# ASCII digits only: \d takes any script's digits, and 139８７６５４３２１ then kept its full-width
# digits (a second entity for the same number); phonenumbers folds such a writing.
_CN_MOBILE = re.compile(r"1\d{10}", re.ASCII)
# Mainland mobiles that phonenumbers always finds possible; not 179…, where it strips an IP-dialling
# prefix (17951…) and may find the rest too short (tests/screening/test_contract.py checks the set).
_POSSIBLE_CN_MOBILE = re.compile(r"1(?:[3-68-9]\d|7[0-8])\d{8}", re.ASCII)
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)
_OTHER_ID = re.compile(r"^[A-Z0-9()-]{5,32}$")
# Military and armed-police officer IDs are printed with Chinese characters (南字第20019880号).
_PRINTED_ID = re.compile(r"^[A-Z0-9()\-\u4e00-\u9fff]{5,32}$")


class Contract(BaseModel):
    """Base of every wire model: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Address(Contract):
    """A postal address; province, city, district and detail are required in mainland China."""

    country: Annotated[str, Field(strict=True, min_length=2, max_length=2)]
    # Validated when left out too, so that a missing mainland part is named beside any other bad field.
    province: Annotated[OptText, Field(validate_default=True)] = None
    city: Annotated[OptText, Field(validate_default=True)] = None
    district: Annotated[OptText, Field(validate_default=True)] = None
    detail: Annotated[OptText, Field(validate_default=True)] = None
    postcode: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 -]{2,12}$"), Field(strict=True)] | None
    ) = None

    @field_validator("country", mode="after")
    @classmethod
    def _known_country(cls, value: str) -> str:
        code = value.upper()
        if pycountry.countries.get(alpha_2=code) is None:
            raise PydanticCustomError("country_code", "not an ISO-3166 alpha-2 country code", {})
        return code

    @field_validator("province", "city", "district", "detail", mode="after")
    @classmethod
    def _mainland_part(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and info.data.get("country") == "CN":
            raise PydanticCustomError(
                "cn_address_incomplete",
                "a mainland China address needs its {part}",
                {"part": info.field_name},
            )
        return value


def id_number_well_formed(id_type: str, number: str) -> bool:
    """Whether an (upper-case) ID number has the length and characters of its document type."""
    pattern = {
        "resident_id": _RESIDENT_ID,
        "temporary_id": _RESIDENT_ID,
        "uscc": _USCC,
        "military_id": _PRINTED_ID,
        "other": _PRINTED_ID,
    }.get(id_type, _OTHER_ID)
    return pattern.match(number) is not None


class Party(Contract):
    """Sender or receiver of a parcel."""

    # Field order matters: address before phone (the phone is read in the address's country)
    # and id_type before id_number, so each error is reported on the field itself.
    name: Text
    address: Address
    phone: Annotated[str, Field(strict=True, min_length=3, max_length=32)]
    id_type: IdType | None = None
    id_number: Annotated[str, Field(strict=True, min_length=1, max_length=32)] | None = None
    id_verified: StrictBool = False
    verification_method: VerificationMethod | None = None
    customer_type: CustomerType = "individual"
    # Any agreement number the carrier prints (HT/2026/0042, 协议2026-001): the contract gives no format.
    contract_id: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Field(strict=True)
        ]
        | None
    ) = None

    @field_validator("phone", mode="after")
    @classmethod
    def _possible_phone(cls, value: str, info: ValidationInfo) -> str:
        address = info.data.get("address")
        region = address.country if isinstance(address, Address) else "CN"
        problem = phone_problem(value, region)
        if problem is not None:
            raise PydanticCustomError("phone", "{why}", {"why": problem})
        return value

    @field_validator("id_number", mode="after")
    @classmethod
    def _id_format(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if "id_type" not in info.data:
            return value  # id_type itself failed and is reported there
        id_type = info.data["id_type"]
        if id_type is None:
            raise PydanticCustomError("id_type_missing", "id_number given without id_type", {})
        number = value.upper()
        if not id_number_well_formed(id_type, number):
            raise PydanticCustomError(
                "id_number_format",
                "id_number has the wrong length or characters for {id_type}",
                {"id_type": id_type},
            )
        return number

    def e164_phone(self) -> str:
        """The phone number in E.164 form."""
        a = self.address
        return e164(self.phone, a.country, city=a.city, province=a.province)


def phone_region(phone: str, region: str) -> str:
    """The region to read a party's number in: its address's, except for mainland writings of numbers
    abroad (a courier dials 00 for abroad, and people abroad keep their mainland mobiles, with or without
    the 86 before them)."""
    if region == "CN" or phone.lstrip().startswith(("+", "\uff0b")):
        return region
    digits = phonenumbers.normalize_digits_only(phone)
    if digits.startswith("00"):
        return "CN"
    if _POSSIBLE_CN_MOBILE.fullmatch(digits) or (
        digits.startswith("86") and _POSSIBLE_CN_MOBILE.fullmatch(digits[2:])
    ):
        # Valid, not merely possible, where the party lives: 1 415 555 0100 is Californian, while
        # 139 1111 2222 would be a possible North American number with an area code nobody has.
        try:
            abroad = phonenumbers.parse(phone, region)
        except phonenumbers.NumberParseException:
            return "CN"
        return region if phonenumbers.is_valid_number(abroad) else "CN"
    return region


# 转 and 分机 before an extension, as ext. and x are: 010-6552 9988 转 12 is the line 010-6552 9988.
_CN_EXTENSION = re.compile(r"\s*(?:转|轉|分机|分機)\s*(?=\d+\s*$)")


def _extension_marked(phone: str) -> str:
    return _CN_EXTENSION.sub(" ext. ", phone) if not phone.isascii() else phone


@functools.lru_cache(maxsize=65_536)
def phone_problem(phone: str, region: str) -> str | None:
    """Why a phone number is not a possible one in a region; None when it is (cached like e164)."""
    if region == "CN" and _POSSIBLE_CN_MOBILE.fullmatch(phone):
        return None  # the usual case, without phonenumbers.parse's 40 µs
    phone = _extension_marked(phone)
    region = phone_region(phone, region)
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as exc:
        return f"not a phone number: {exc}"
    if not phonenumbers.is_possible_number(parsed):
        return f"not a possible phone number in {region}"
    return None


@functools.lru_cache(maxsize=65_536)
def e164(phone: str, country: str, *, city: str | None = None, province: str | None = None) -> str:
    """A phone number in E.164 form (cached: the same senders and receivers come back all day); a mainland
    landline written without its area code takes the one of the address's city when that city has one."""
    # phonenumbers.parse costs some 40 µs; a plain mainland mobile (the usual case) formats as +86 itself.
    if country == "CN" and _CN_MOBILE.fullmatch(phone):
        return "+86" + phone
    phone = _extension_marked(phone)
    parsed = phonenumbers.parse(phone, phone_region(phone, country))
    if country == "CN" and _LOCAL_DIGITS.fullmatch(phonenumbers.normalize_digits_only(phone)):
        # 6552 9988 in Beijing and in Shanghai are two phones: 010-6552 9988 and 021-6552 9988.
        code = area_code(city) or area_code(province)
        if code is not None:
            local = phonenumbers.parse(f"0{code}{parsed.national_number}", "CN")
            if phonenumbers.is_valid_number(local):
                parsed = local
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# Local landline digits as dialled inside a city: 7 or 8 digits, never starting with 0 (a trunk prefix) or 1.
_LOCAL_DIGITS = re.compile(r"[2-9]\d{6,7}", re.ASCII)
# 浙江省杭州市, 新疆维吾尔自治区乌鲁木齐市, 新疆伊犁哈萨克自治州: the province part of a geocoder place.
_PROVINCE_PART = re.compile(r"^(?:.+?(?:省|自治区)|新疆|西藏|内蒙古|宁夏|广西)(?=.)")


def _city_name(name: str) -> str:
    # 廣州市 is 广州市: the table's names are simplified (an address may be typed in traditional characters).
    return _simplified(name.strip()).removesuffix("市")


@functools.cache
def _t2s() -> Any:
    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    return text if text.isascii() else str(_t2s().convert(text))


# Mainland city → area code, as area_codes_from_phonenumbers() reads it (regenerate after a phonenumbers
# upgrade; tests/screening/test_contract.py checks the file against the installed phonenumbers).
AREA_CODES_FILE = Path(__file__).with_name("cn_area_codes.json")


@functools.cache
def _area_codes() -> dict[str, str | None]:
    # Shipped, not built at run time: importing phonenumbers' geocoder loads every country's places (4 s).
    table: dict[str, str | None] = json.loads(AREA_CODES_FILE.read_text(encoding="utf-8"))
    return table


def area_codes_from_phonenumbers() -> dict[str, str | None]:
    """Mainland city → trunk area code without its 0, from phonenumbers' geocoding data (None: a city
    under two codes, so its local digits say nothing of the code)."""
    # Hand-built because phonenumbers maps numbers to places and not places to codes; its data, read
    # backwards here, stays the one source.
    from phonenumbers import geocoder

    out: dict[str, str | None] = {}
    for code in ("10", *(f"2{d}" for d in range(10)), *(str(n) for n in range(310, 1000))):
        for subscriber in ("62345678", "2345678"):
            number = phonenumbers.parse(f"+86{code}{subscriber}")
            if phonenumbers.is_valid_number(number):
                place = geocoder.description_for_number(number, "zh")
                for city in _PROVINCE_PART.sub("", place).split("、"):
                    name = _city_name(city)
                    if name and name != "中国":
                        out[name] = code if out.get(name, code) == code else None
                break
    return out


def area_code(place: str | None) -> str | None:
    """The trunk area code (without its 0) of a mainland city or municipality, None when unknown."""
    return _area_codes().get(_city_name(place)) if place else None


# An amount in the request's own currency: a trillion dong is some 280 million CNY. Far above any parcel
# and still whole cents in a double (the history sums cents, and Redis's Lua reads them as doubles).
MAX_AMOUNT = 1_000_000_000_000


class Item(Contract):
    """One declared line of contents."""

    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), Field(strict=True)
    ]
    category: Category | None = None
    brand: OptText = None
    hs_code: Annotated[str, StringConstraints(pattern=r"^\d{6,13}$"), Field(strict=True)] | None = None
    quantity: Annotated[StrictInt, Field(ge=1, le=1_000_000)]
    unit_value: Annotated[Number, Field(ge=0, le=MAX_AMOUNT)]


class PickupChecks(Contract):
    """What the courier recorded at pickup."""

    opened_inspection: StrictBool
    xray_screened: StrictBool


class Order(Contract):
    """The e-commerce order behind a parcel."""

    platform: OptText = None
    order_id: OptText = None
    shop_id: OptText = None
    buyer_ip: Annotated[str, Field(strict=True, max_length=64)] | None = None
    payment_account: OptText = None


class Waybill(Contract):
    """A parcel as the courier system sends it at pickup."""

    waybill_no: WaybillNo
    carrier: CarrierCode
    outlet_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), Field(strict=True)
    ]
    courier_id: OptText = None
    accepted_at: Timestamp
    service: Service
    channel: Channel
    sender: Party
    receiver: Party
    items: Annotated[list[Item], Field(min_length=1, max_length=100)]
    currency: Annotated[str, Field(strict=True, min_length=3, max_length=3)]
    declared_value: Annotated[Number, Field(ge=0, le=MAX_AMOUNT)]
    weight_kg: Annotated[Number, Field(gt=0, le=100_000)]
    # Three numbers, checked in _three_dims for a clear message; the schema says so to generated clients.
    dims_cm: (
        Annotated[
            tuple[Annotated[Number, Field(gt=0, le=10_000)], ...],
            Field(json_schema_extra={"minItems": 3, "maxItems": 3}),
        ]
        | None
    ) = None
    pickup_checks: PickupChecks
    order: Order | None = None

    @field_validator("currency", mode="after")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        code = value.upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            raise PydanticCustomError("currency_code", "not an ISO-4217 currency code", {})
        return code

    @field_validator("dims_cm", mode="after")
    @classmethod
    def _three_dims(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and len(value) != 3:
            raise PydanticCustomError("dims", "dims_cm needs exactly three numbers [l, w, h]", {})
        return value

    @field_validator("declared_value", mode="after")
    @classmethod
    def _value_adds_up(cls, value: float, info: ValidationInfo) -> float:
        items = info.data.get("items")
        if not items:
            return value  # items failed and are reported there
        # Decimal so that float error (0.1 + 0.2) does not refuse an honest waybill.
        total = sum((Decimal(str(i.unit_value)) * i.quantity for i in items), Decimal(0))
        if not _same_cents(total, value):
            raise PydanticCustomError(
                "declared_value_mismatch",
                "declared_value is not the sum of quantity × unit_value over the items ({total})",
                {"total": float(total)},
            )
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _total_beside_item_errors(cls, data: Any, handler: ModelWrapValidatorHandler["Waybill"]) -> "Waybill":
        """A wrong declared_value, and addresses that contradict the lane, are named beside any other bad
        field (a wrong total only when the fields it sums passed)."""
        try:
            waybill = handler(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            # What the failed fields hide: a lane the addresses contradict, and a wrong total.
            hidden = _raw_off_lane(data, errors)
            mismatch = _raw_mismatch(data, errors)
            if mismatch is not None:
                hidden.append(mismatch)
            if not hidden:
                raise
            # The errors as they were, and the hidden ones: one 422 naming every offending field.
            lines = [
                InitErrorDetails(
                    type=PydanticCustomError(e["type"], e["msg"]),  # no context: the text stays as it is
                    loc=tuple(e["loc"]),
                    input=e.get("input"),
                )
                for e in errors
            ]
            raise ValidationError.from_exception_data(cls.__name__, lines + hidden) from None
        off_lane = _off_lane(
            waybill.service,
            {"sender": waybill.sender.address.country, "receiver": waybill.receiver.address.country},
        )
        if off_lane:
            raise ValidationError.from_exception_data(cls.__name__, off_lane)
        return waybill

    @property
    def parcel_key(self) -> str:
        """The parcel's identity: carrier and waybill number."""
        return f"{self.carrier}:{self.waybill_no}"


_SUMMED = ("quantity", "unit_value")


# Per lane: whether the sender's and the receiver's addresses are in CN.
_IN_CHINA = {"domestic": (True, True), "export": (True, False), "import": (False, True)}


def _off_lane(service: str, countries: dict[str, str]) -> list[InitErrorDetails]:
    """The address countries (by role) a waybill's lane contradicts: domestic is CN to CN, export CN to
    abroad, import abroad to CN."""
    # The lane decides the customs limits and the real-name checks: a 'domestic' waybill to Hong Kong
    # would pass every limit unchecked, so addresses contradicting it are bad input.
    errors = []
    for role, in_china in zip(("sender", "receiver"), _IN_CHINA[service], strict=True):
        country = countries.get(role)
        if country is not None and (country == "CN") != in_china:
            where = "in CN" if in_china else "abroad (not CN)"
            error = PydanticCustomError(
                "lane_address",
                "on the {service} lane the {role}'s address must be {where}",
                {"service": service, "role": role, "where": where},
            )
            errors.append(InitErrorDetails(type=error, loc=(role, "address", "country"), input=country))
    return errors


def _raw_off_lane(data: Any, errors: list[ErrorDetails]) -> list[InitErrorDetails]:
    """_off_lane of a body that failed elsewhere, read where the lane and a country passed on their own."""
    failed = [e["loc"] for e in errors]
    service = data.get("service") if isinstance(data, dict) else None
    if service not in _IN_CHINA or any(loc[:1] == ("service",) for loc in failed):
        return []
    countries = {}
    for role in ("sender", "receiver"):
        party = data.get(role)
        address = party.get("address") if isinstance(party, dict) else None
        country = address.get("country") if isinstance(address, dict) else None
        # A loc naming the party or its address whole (a wrong type) or the country itself.
        if isinstance(country, str) and not any(
            loc in ((role,), (role, "address")) or loc[:3] == (role, "address", "country") for loc in failed
        ):
            countries[role] = country.strip().upper()
    return _off_lane(service, countries)


def _raw_mismatch(data: Any, errors: list[ErrorDetails]) -> InitErrorDetails | None:
    """A declared value unlike its lines' total in a body that failed elsewhere, where the declared value
    and every line's quantity and unit value passed on their own."""
    summed = [e["loc"] for e in errors if e["loc"][:1] in (("declared_value",), ("items",))]
    if any(loc[:1] == ("declared_value",) or len(loc) < 3 or loc[2] in _SUMMED for loc in summed):
        return None
    total = _raw_total(data)
    declared = data.get("declared_value") if isinstance(data, dict) else None
    if total is None or not _is_number(declared) or _same_cents(total, declared):
        return None
    mismatch = PydanticCustomError(
        "declared_value_mismatch",
        "declared_value is not the sum of quantity × unit_value over the items ({total})",
        {"total": float(total)},
    )
    return InitErrorDetails(type=mismatch, loc=("declared_value",), input=declared)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_FEN = Decimal("0.01")


def to_fen(amount: Decimal) -> Decimal:
    """An amount rounded half up to the fen (the cent): 800.005 is 800.01."""
    return amount.quantize(_FEN, ROUND_HALF_UP)


def _same_cents(total: Decimal, declared: Any) -> bool:
    """The declared value equals the lines' total to the cent (each rounded half up to a fen).

    Within a cent of each other is not enough: 800.004 declared for lines of 800.01 would be judged at
    800.00, under the limit the lines are over.
    """
    return to_fen(total) == to_fen(Decimal(str(declared)))


def _raw_total(data: Any) -> Decimal | None:
    """Σ quantity × unit_value of raw items when every line has a usable quantity and unit value."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        return None
    total = Decimal(0)
    for item in items:
        quantity = item.get("quantity") if isinstance(item, dict) else None
        unit_value = item.get("unit_value") if isinstance(item, dict) else None
        if (
            not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or quantity < 1
            or not _is_number(unit_value)
        ):
            return None
        total += Decimal(str(unit_value)) * quantity
    return total


class Reason(BaseModel):
    """One rule that fired (or the model), with the figures behind it."""

    model_config = ConfigDict(frozen=True)

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
    outcome: Outcome
    message: str
    message_en: str
    evidence: dict[str, Any]


class Decision(BaseModel):
    """The answer to one waybill."""

    # The contract's fields are in every answer (case_id null unless held): the served schema requires them;
    # case_status, added beside them, stays optional.
    model_config = ConfigDict(frozen=True, json_schema_extra=lambda schema: _require(schema, "case_id"))

    waybill_no: str
    carrier: str
    decision: Outcome
    risk_score: Annotated[float, Field(ge=0, le=1)]
    reasons: list[Reason]
    case_id: str | None = None
    model_version: str
    policy_version: str
    scored_at: datetime
    case_status: str | None = None


def _require(schema: dict[str, Any], name: str) -> None:
    """A field with a default listed as required in a model's JSON schema."""
    required = schema.setdefault("required", [])
    if name not in required:
        required.append(name)


class ErrorDetail(BaseModel):
    """One validation problem, in the FastAPI/pydantic style."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """A 4xx body naming every offending field."""

    detail: list[ErrorDetail]


class BatchError(BaseModel):
    """The slot of a batch waybill that failed validation."""

    error: ErrorBody


class BatchRequest(BaseModel):
    """POST /v1/score/batch: waybills are validated one by one, so an invalid one fails alone."""

    model_config = ConfigDict(extra="forbid")

    # Any slot, not only objects: a slot that is not a waybill at all fails alone too.
    waybills: Annotated[
        list[Any],
        Field(
            min_length=1,
            max_length=1000,
            json_schema_extra={"items": {"$ref": "#/components/schemas/Waybill"}},
        ),
    ]


class BatchResponse(BaseModel):
    """Decisions in request order; a failed slot holds its error."""

    decisions: list[Decision | BatchError]


class Inspection(Contract):
    """An inspection or case result reported back by a courier or customs."""

    carrier: CarrierCode
    waybill_no: WaybillNo
    result: InspectionResult
    violation_type: OptText = None
    note: Annotated[str, Field(strict=True, max_length=2000)] | None = None
    inspected_at: Timestamp
