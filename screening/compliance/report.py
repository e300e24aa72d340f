"""The weekly and monthly compliance report: every figure it shows, computed in one pass over the log."""

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from screening.compliance.case_outcomes import CaseOutcomes
from screening.compliance.metrics import Tally, tally
from screening.compliance.offending import OFFENDING_COLUMNS, OFFENDING_SENDER_COLUMNS, offending_rows
from screening.compliance.periods import Period
from screening.decisionlog.compaction import LogLayout
from screening.parcel import BEIJING

CARRIER_KEYS = ("carrier",)
OUTLET_KEYS = ("carrier", "outlet_id", "outlet_name", "province", "city", "district")
REGION_KEYS = ("province", "city", "district")
# Outlets with fewer parcels are ranked after the others: a rate over a handful of parcels says little.
RANKING_MIN_PARCELS = 20
TITLES = {
    "week": "寄递安全“三项制度”落实情况周报",
    "month": "寄递安全“三项制度”落实情况月报",
    "days": "寄递安全“三项制度”落实情况报告",
}
SUBTITLE = "Real-name pickup, inspection at pickup and X-ray screening: compliance report"
# What became of the parcels: decisions, and how the cases of held parcels ended.
OUTCOMES = (
    "release",
    "inspect",
    "hold",
    "reject",
    "holds_confirmed",
    "holds_released",
    "holds_open",
    "median_resolve_hours",
)
# What each table shows, in order (the CSV files carry every column).
SHOWN: dict[str, tuple[str, ...]] = {
    "carriers": (
        "carrier",
        "parcels",
        "realname_needed",
        "realname_ok",
        "realname_rate",
        "realname_rate_previous",
        "realname_rate_change",
        "inspection_rate",
        "inspection_rate_change",
        "xray_rate",
        "xray_rate_change",
        "agreement_coverage",
        "non_compliant",
        "non_compliance_rate",
        "non_compliance_rate_change",
        *OUTCOMES,
    ),
    "outlets": (
        "rank",
        "carrier",
        "outlet_id",
        "outlet_name",
        "province",
        "city",
        "district",
        "parcels",
        "non_compliant",
        "non_compliance_rate",
        "non_compliance_rate_change",
        "realname_rate",
        "inspection_rate",
        "xray_rate",
        "realname_missing",
        "realname_invalid",
        "realname_unverified",
        "hold",
        "holds_confirmed",
    ),
    "regions": (
        "province",
        "city",
        "district",
        "parcels",
        "realname_rate",
        "inspection_rate",
        "xray_rate",
        "agreement_coverage",
        "non_compliant",
        "non_compliance_rate",
        "non_compliance_rate_change",
    ),
    "daily": (
        "day",
        "parcels",
        "realname_rate",
        "inspection_rate",
        "xray_rate",
        "non_compliance_rate",
        "hold",
        "reject",
    ),
    "offending": (
        "accepted_at",
        "carrier",
        "waybill_no",
        "outlet_id",
        "courier_id",
        "service",
        "problems",
        "decision",
        "reasons",
        "case_id",
        *OFFENDING_SENDER_COLUMNS,
    ),
}
# The summary's lines: figure, and whether it is compared with the previous period.
SUMMARY_LINES = (
    "parcels",
    "realname_rate",
    "inspection_rate",
    "xray_rate",
    "agreement_coverage",
    "non_compliance_rate",
    "non_compliant",
    "realname_missing",
    "realname_invalid",
    "realname_unverified",
    *OUTCOMES,
)
DEFINITIONS = (
    "实名收寄率 = 应实名且寄件人证件有效并经核验的件数 ÷ 应实名件数；"
    "应实名：国内及出口寄递，信件及有效协议客户除外。"
    " (Real-name pickup rate = parcels needing real-name pickup with a valid, verified sender ID"
    " ÷ all parcels needing it; needed for domestic and export parcels except letters and qualified"
    " agreement customers.)",
    "收寄验视率、过机安检率 = 记录了验视 / 过机安检的件数 ÷ 应验视 / 应过机件数"
    "（政策对该业务类型要求该项检查的件数）。"
    " (Inspection- and X-ray-recorded rates = parcels with the check recorded ÷ parcels needing it: those"
    " on a lane where the policy in force requires the check.)",
    "协议客户资格覆盖率 = 协议有效的协议客户件数 ÷ 协议客户件数。"
    " (Agreement coverage = agreement-customer parcels with a qualified agreement"
    " ÷ agreement-customer parcels.)",
    "同一运单多次评分的，以最后一次为准；日期为北京时间。"
    " (A waybill scored more than once counts once, as last scored; days are Beijing days.)",
)


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a report shows, for one period compared with the one before."""

    period: Period
    generated_at: datetime
    tally: Tally
    offending: pl.DataFrame

    @property
    def name(self) -> str:
        """File name stem, e.g. compliance-week-2026-W47."""
        return f"compliance-{self.period.kind}-{self.period.label.replace('..', '_')}"

    @property
    def title(self) -> str:
        """Chinese title of the report."""
        return TITLES[self.period.kind]

    def summary(self) -> pl.DataFrame:
        """One row: the whole period, with the previous period's rates and the change."""
        return self.tally.compared([])

    def carriers(self) -> pl.DataFrame:
        """Per carrier, with the change against the previous period."""
        return self.tally.compared(CARRIER_KEYS)

    def outlets(self) -> pl.DataFrame:
        """Outlets ranked worst first."""
        # An outlet gone silent is listed: parcels taken without being scored are what an audit looks for.
        return self.tally.outlet_ranking(min_parcels=RANKING_MIN_PARCELS, silent=True)

    def regions(self) -> pl.DataFrame:
        """Per district, with its province and city."""
        return self.tally.compared(REGION_KEYS).sort(REGION_KEYS)

    def daily(self) -> pl.DataFrame:
        """Per day over both periods (the trend)."""
        return self.tally.daily()


def build_report(layout: LogLayout, *, period: Period, outlets: pl.DataFrame, cases: CaseOutcomes) -> Report:
    """Count the period and the one before, and list its offending waybills, in one pass over the log."""
    counted, extra = tally(
        layout,
        period=period,
        outlets=outlets,
        cases=cases,
        extra={"offending": offending_rows},
        extra_columns=OFFENDING_COLUMNS,
    )
    return Report(
        period=period, generated_at=datetime.now(BEIJING), tally=counted, offending=extra["offending"]
    )
