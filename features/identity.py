"""Identity-number checks and display masks (pure functions, no secrets)."""

from datetime import date

from stdnum.cn import ric, uscc

RESIDENT_TYPES = frozenset({"resident_id", "temporary_id"})
# Hong Kong, Macau and Taiwan residents' residence permits (港澳台居民居住证) are numbered as resident IDs,
# region 810000, 820000 or 830000; their travel permits (H12345678) have no check digit.
PERMIT_TYPES = frozenset({"hk_macau_permit", "taiwan_permit"})
_PERMIT_REGIONS = ("81", "82", "83")
# Older than anyone alive (the oldest verified lifespan is 122 years): such a birth date is made up.
MAX_AGE_YEARS = 125


def resident_id_problem(number: str, *, today: date) -> str | None:
    """Why a well-formed 18-character resident ID is false ('check_digit', 'birth_date'), else None."""
    # Not ric.validate(): it ties the region code to the birth year and refuses real people.
    if ric.calc_check_digit(number) != number[-1]:
        return "check_digit"
    try:
        born = ric.get_birth_date(number)
    except ValueError:
        return "birth_date"
    if born > today or born.year < today.year - MAX_AGE_YEARS:
        return "birth_date"
    return None


def uscc_problem(number: str) -> str | None:
    """Why a well-formed unified social credit code is false ('check_digit'), else None."""
    return None if uscc.is_valid(number) else "check_digit"


def _residence_permit(id_type: str, number: str) -> bool:
    """A residence permit's number (81/82/83…, as a resident ID), not a travel permit's."""
    return (
        id_type in PERMIT_TYPES
        and len(number) == 18
        and number.startswith(_PERMIT_REGIONS)
        and number[:17].isdigit()
    )


def id_problem(id_type: str, number: str, *, today: date) -> str | None:
    """Why a well-formed ID number of this type is false, else None (other types have no check digit)."""
    if id_type in RESIDENT_TYPES or _residence_permit(id_type, number):
        return resident_id_problem(number, today=today)
    if id_type == "uscc":
        return uscc_problem(number)
    return None


def document_text(id_type: str, number: str) -> str:
    """What an identity document is matched by: its type and number; one citizen number is one person."""
    # A temporary ID carries its holder's citizen number, and a residence permit (81/82/83…) is numbered as
    # one: the same person as the resident ID of that number.
    upper = number.upper()
    kind = "resident_id" if id_type in RESIDENT_TYPES or _residence_permit(id_type, upper) else id_type
    return f"{kind}:{upper}"


def mask_id(number: str) -> str:
    """Display form of an ID number: 110105********002X for 18 characters, ends kept otherwise."""
    if len(number) >= 18:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    keep = max(1, len(number) // 4)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def mask_phone(e164: str) -> str:
    """Display form of a phone number: +86138****8000."""
    if len(e164) <= 7:
        return e164[:2] + "*" * (len(e164) - 2)
    return e164[:-8] + "****" + e164[-4:]
