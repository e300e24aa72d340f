"""The policy file's shape: every threshold the rules read, validated at start."""

from typing import Annotated, Literal, get_args

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from features.windows import DAY_MS
from screening.contract import Category, Service, VerificationMethod
from screening.history.store import LONG_KEEP_MS

# Strict: a number written true or "10" is a slip in the file, not a number (an integer is a number).
Number = Annotated[float, Field(strict=True)]
Fraction = Annotated[Number, Field(ge=0, le=1)]
Positive = Annotated[Number, Field(gt=0)]
Count = Annotated[int, Field(ge=1, strict=True)]


def _country_codes(codes: frozenset[str]) -> frozenset[str]:
    unknown = sorted(c for c in codes if pycountry.countries.get(alpha_2=c.upper()) is None)
    if unknown:
        raise ValueError(f"not ISO-3166 alpha-2 country codes: {', '.join(unknown)}")
    return frozenset(c.upper() for c in codes)


CountryCodes = Annotated[frozenset[str], AfterValidator(_country_codes)]
Window = Literal["1h", "24h", "7d", "30d"]
WINDOW_ORDER: tuple[Window, ...] = get_args(Window)


class Section(BaseModel):
    """A policy section: unknown keys are typos and refused."""

    # inf or nan in a threshold switches its rule off (nothing is over inf): refused as any other typo.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Limits(Section):
    """Per-parcel and annual value limits (CNY)."""

    personal_hk_mo_tw_cny: Positive
    personal_other_cny: Positive
    hk_mo_tw: CountryCodes
    cbec_single_cny: Positive
    cbec_annual_cny: Positive
    cbec_lanes: frozenset[Service]
    near_limit_band: Annotated[Number, Field(gt=0, lt=1)]

    @model_validator(mode="after")
    def _annual_over_single(self) -> "Limits":
        if self.cbec_annual_cny < self.cbec_single_cny:
            raise ValueError("cbec_annual_cny must not be under cbec_single_cny (a year holds one purchase)")
        return self


class RealName(Section):
    """Where real-name pickup applies and what counts as verified."""

    lanes: frozenset[Service]
    exempt_categories: frozenset[Category]
    verified_methods: frozenset[VerificationMethod]


class Pickup(Section):
    """Lanes where inspection and X-ray must be recorded."""

    inspection_lanes: frozenset[Service]
    xray_lanes: frozenset[Service]


class Goods(Section):
    """Quantity and value-per-kg plausibility."""

    commercial_units: Count
    commercial_units_sensitive: Count
    sensitive_categories: frozenset[Category]
    min_weight_for_value_check_kg: Annotated[Number, Field(ge=0)]
    value_per_kg: dict[Category, tuple[Number, Number]]

    @model_validator(mode="after")
    def _bands(self) -> "Goods":
        bad = [c for c, (lo, hi) in self.value_per_kg.items() if not 0 <= lo < hi]
        if bad:
            raise ValueError(f"value_per_kg bands need 0 <= low < high: {', '.join(bad)}")
        # A category without a band would never be checked: a line lost from the file, not a choice.
        missing = [c for c in get_args(Category) if c not in self.value_per_kg]
        if missing:
            raise ValueError(f"value_per_kg needs a band for every category; missing: {', '.join(missing)}")
        return self


class AntSender(Section):
    """ANT_MOVING_SENDER thresholds."""

    # parcels_24h in short_window or parcels_7d in long_window (the names keep the law's starting windows).
    parcels_24h: Count
    parcels_7d: Count
    distinct_receivers: Count
    total_times_limit: Positive
    short_window: Window = "24h"
    long_window: Window = "7d"

    @model_validator(mode="after")
    def _day_within_week(self) -> "AntSender":
        if WINDOW_ORDER.index(self.short_window) >= WINDOW_ORDER.index(self.long_window):
            raise ValueError("short_window must be shorter than long_window")
        if self.parcels_24h > self.parcels_7d:
            raise ValueError(
                "parcels_24h must not exceed parcels_7d (the short window's parcels are the long one's)"
            )
        return self


class AntReceiver(Section):
    """ANT_MOVING_RECEIVER thresholds."""

    parcels_7d: Count  # in window
    distinct_senders: Count
    total_times_limit: Positive
    window: Window = "7d"


class NearLimit(Section):
    """NEAR_LIMIT_SPLIT thresholds."""

    min_count: Count
    window: Window


class SameGoods(Section):
    """SAME_GOODS_FANOUT thresholds."""

    parcels: Count
    counterparts: Count
    window: Window


class Velocity(Section):
    """VELOCITY_SPIKE thresholds."""

    min_history_days: Count
    times_median: Positive
    min_parcels_24h: Count


class PriorViolations(Section):
    """PRIOR_VIOLATIONS thresholds."""

    hold_count: Count
    # Calendar years back to the same Beijing date and time (刑法 art. 153's "within a year"), not days.
    window_years: Count

    @model_validator(mode="after")
    def _kept_long_enough(self) -> "PriorViolations":
        # The history keeps a violation LONG_KEEP_MS (400 days): a longer window would count none older.
        if self.window_years * 366 * DAY_MS > LONG_KEEP_MS:
            raise ValueError(
                f"window_years {self.window_years}: the history keeps violations "
                f"{LONG_KEEP_MS // DAY_MS} days, so at most 1 year"
            )
        return self


class Unavailable(Section):
    """HISTORY_UNAVAILABLE outcome by lane."""

    cross_border: Literal["release", "inspect", "hold"]
    domestic: Literal["release", "inspect", "hold"]


class History(Section):
    """Thresholds of the rules that read history."""

    linked_max: Count
    ant_sender: AntSender
    ant_receiver: AntReceiver
    near_limit: NearLimit
    same_goods: SameGoods
    velocity: Velocity
    prior_violations: PriorViolations
    unavailable: Unavailable


class ModelThresholds(Section):
    """Model score thresholds in force."""

    inspect_threshold: Fraction
    hold_threshold: Fraction
    top_factors: Count

    @model_validator(mode="after")
    def _ordered(self) -> "ModelThresholds":
        if self.inspect_threshold > self.hold_threshold:
            raise ValueError("inspect_threshold must not exceed hold_threshold")
        return self


class Audit(Section):
    """Random inspection."""

    random_rate: Fraction


class Cases(Section):
    """Case handling."""

    sla_hours: Positive


class Policy(Section):
    """The whole policy file."""

    version: Annotated[str, Field(min_length=1, max_length=64)]
    limits: Limits
    realname: RealName
    pickup: Pickup
    goods: Goods
    history: History
    model: ModelThresholds
    audit: Audit
    cases: Cases

    def personal_limit(self, counterpart_country: str) -> float:
        """Per-parcel limit of a personal article to or from this country."""
        if counterpart_country in self.limits.hk_mo_tw:
            return self.limits.personal_hk_mo_tw_cny
        return self.limits.personal_other_cny
