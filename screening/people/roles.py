"""Roles, and which roles may do what (one place, so routes and pages declare the same)."""

from collections.abc import Iterable
from typing import Literal, get_args

Role = Literal["officer", "supervisor", "investigator", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

# Who may do what. Routes and pages name one of these, never a list of their own.
READ_CASES: tuple[Role, ...] = ("officer", "supervisor", "investigator", "auditor")
ACT_ON_CASES: tuple[Role, ...] = ("officer", "supervisor", "investigator")
BULK_ACT: tuple[Role, ...] = ("officer", "supervisor")
UNMASK_ID: tuple[Role, ...] = ("supervisor", "investigator")
REPORT_INSPECTIONS: tuple[Role, ...] = ("officer", "supervisor", "investigator")
READ_AUDIT: tuple[Role, ...] = ("auditor", "supervisor", "admin")
TRACE: tuple[Role, ...] = ("investigator", "officer", "supervisor")
MANAGE_USERS: tuple[Role, ...] = ("admin",)
ADMINISTER: tuple[Role, ...] = ("admin",)  # agreements, lists, violations
ANY_ROLE: tuple[Role, ...] = ROLES


def allowed(held: Iterable[str], needed: Iterable[str]) -> bool:
    """Whether a person holding these roles has at least one of the needed ones."""
    return not set(held).isdisjoint(needed)


def parse_roles(names: Iterable[str]) -> tuple[Role, ...]:
    """Known role names, deduplicated in canonical order (ValueError naming an unknown one)."""
    wanted = {n.strip().lower() for n in names if n.strip()}
    unknown = wanted - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}; roles are {', '.join(ROLES)}")
    if not wanted:
        raise ValueError("at least one role is needed")
    return tuple(r for r in ROLES if r in wanted)
