"""Column headings of the reports: Chinese first, the English note in brackets."""

import polars as pl

from screening.compliance.metrics import HEADLINE_RATES

LABELS: dict[str, str] = {
    "rank": "排名 (rank)",
    "day": "日期 (day)",
    "carrier": "快递企业 (carrier)",
    "outlet_id": "网点编号 (outlet id)",
    "outlet_name": "网点名称 (outlet)",
    "province": "省份 (province)",
    "city": "城市 (city)",
    "district": "区县 (district)",
    "courier_id": "收派员 (courier)",
    "parcels": "收寄件数 (parcels)",
    "realname_needed": "应实名件数 (parcels needing real-name pickup)",
    "realname_ok": "实名合规件数 (with a valid, verified sender ID)",
    "realname_missing": "未登记证件 (no sender ID)",
    "realname_invalid": "证件无效 (false ID)",
    "realname_unverified": "未核验 (ID not verified)",
    "realname_rate": "实名收寄率 (real-name pickup rate)",
    "inspection_needed": "应验视件数 (parcels needing inspection)",
    "inspected": "已验视件数 (inspection recorded)",
    "inspection_rate": "收寄验视率 (inspection-recorded rate)",
    "xray_needed": "应过机件数 (parcels needing X-ray)",
    "xrayed": "已过机件数 (X-ray recorded)",
    "xray_rate": "过机安检率 (X-ray-recorded rate)",
    "contract_parcels": "协议客户件数 (agreement-customer parcels)",
    "contract_qualified": "协议有效件数 (with a qualified agreement)",
    "agreement_coverage": "协议客户资格覆盖率 (agreement coverage)",
    "non_compliant": "违规件数 (non-compliant parcels)",
    "non_compliance_rate": "违规率 (non-compliance rate)",
    "release": "放行 (release)",
    "inspect": "查验 (inspect)",
    "hold": "扣留 (hold)",
    "reject": "拒收 (reject)",
    "release_share": "放行占比 (release share)",
    "inspect_share": "查验占比 (inspect share)",
    "hold_share": "扣留占比 (hold share)",
    "reject_share": "拒收占比 (reject share)",
    "holds_confirmed": "扣留-确认违规 (holds confirmed)",
    "holds_released": "扣留-已放行 (holds released)",
    "holds_open": "扣留-待处理 (holds open)",
    "hold_confirmed_rate": "扣留确认率 (holds confirmed share)",
    "median_resolve_hours": "结案时长中位数/小时 (median hours to resolve)",
    "accepted_at": "收寄时间 (accepted at, Beijing)",
    "waybill_no": "运单号 (waybill no.)",
    "service": "业务类型 (lane)",
    "channel": "渠道 (channel)",
    "decision": "判定 (decision)",
    "reasons": "原因代码 (reason codes)",
    "problems": "违规事项 (what was not done)",
    "case_id": "案件编号 (case)",
    "customer_type": "客户类型 (customer type)",
    "agreement_status": "协议状态 (agreement status)",
    "sender_id_type": "证件类型 (ID type)",
    "sender_id_masked": "寄件人证件/脱敏 (sender ID, masked)",
    "sender_phone_masked": "寄件人电话/脱敏 (sender phone, masked)",
    "receiver_phone_masked": "收件人电话/脱敏 (receiver phone, masked)",
    "receiver_id_masked": "收件人证件/脱敏 (receiver ID, masked)",
    "risk_score": "风险分 (risk score)",
    "value_cny": "申报价值/元 (value, CNY)",
    "main_category": "主要品类 (main category)",
    "counterpart_country": "对方国家或地区 (counterpart country)",
    "matched_on": "命中身份 (matched as)",
    "case_status": "案件状态 (case status)",
}
for _rate in HEADLINE_RATES:
    _zh = LABELS[_rate].split(" (")[0]
    LABELS[f"{_rate}_previous"] = f"{_zh}-上期 (previous period)"
    LABELS[f"{_rate}_change"] = f"{_zh}-变化/百分点 (change, points)"

PROBLEM_LABELS = {
    "realname_missing": "未登记寄件人证件 (no sender ID)",
    "realname_invalid": "证件号码无效 (false ID)",
    "realname_unverified": "证件未核验 (ID not verified)",
    "inspection_missing": "未记录收寄验视 (no inspection recorded)",
    "xray_missing": "未记录过机安检 (no X-ray recorded)",
}
RATE_COLUMNS = frozenset(c for c in LABELS if c.endswith(("_rate", "_coverage", "_share", "_previous")))
CHANGE_COLUMNS = frozenset(c for c in LABELS if c.endswith("_change"))


def label(column: str) -> str:
    """Heading of a column (its own name when it has no label)."""
    return LABELS.get(column, column)


def displayable(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists as text, instants in Beijing time, problem codes in words: ready for a sheet or a CSV."""
    columns = []
    for name, dtype in frame.schema.items():
        if name == "problems":
            words = pl.col(name).list.eval(pl.element().replace_strict(PROBLEM_LABELS, default=pl.element()))
            columns.append(words.list.join("；"))
        elif isinstance(dtype, pl.List):
            columns.append(pl.col(name).list.join(","))
        elif isinstance(dtype, pl.Datetime):
            columns.append(
                pl.col(name).dt.convert_time_zone("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S")
            )
        else:
            columns.append(pl.col(name))
    return frame.select(columns)
