"""The Chinese and English wording of notifications (stored with each one, so it reads the same years later)."""

from __future__ import annotations

from flask import current_app

from xborder.core.labels import status_names

ACTIONS = {
    "record_exemption": ("记录豁免", "exemption recorded"),
    "submit": ("提交第三方评估", "submitted for third-party assessment"),
    "request_rectification": ("要求整改", "rectification requested"),
    "resubmit": ("整改后重新提交", "resubmitted"),
    "sign_opinion": ("第三方评估意见已签署", "third-party opinion signed"),
    "request_supplement": ("要求补充材料", "supplement requested"),
    "forward_to_regulator": ("已报送国家网信部门", "forwarded to the national CAC"),
    "record_filing": ("已记录备案", "filing recorded"),
    "record_acceptance": ("已登记国家网信部门受理通知", "acceptance notice recorded"),
    "record_decision": ("已记录评估结果", "decision recorded"),
    "record_certificate": ("已登记个人信息保护认证证书", "certificate recorded"),
    "record_extension": ("已记录延长有效期的决定", "extension recorded"),
    "withdraw": ("已撤回", "withdrawn"),
}



def _status_names(status: str) -> tuple[str, str]:
    """`status_names`, kept per app: each call switched the locale twice (~0.2 ms of every transition, whose text is
    written before it is known whether anyone is notified; issue 20). An app's catalogues do not change."""
    names = current_app.extensions.setdefault("xborder.status_names", {})
    if status not in names:
        names[status] = status_names(status)
    return names[status]


def transition_text(case, action: str, target: str, comment: str | None) -> tuple[str, str]:
    """What happened to the case, for everyone it concerns."""
    zh_action, en_action = ACTIONS.get(action, (action, action))
    zh_status, en_status = _status_names(str(target))
    zh = f"案件 {case.reference}「{case.title}」：{zh_action}，当前状态为“{zh_status}”。"
    en = f"Case {case.reference} “{case.title}”: {en_action}; the status is now “{en_status}”."
    if comment:
        zh += f"说明：{comment}"
        en += f" Comment: {comment}"
    return zh, en


def reminder_text(case, deadline: dict, remaining: int) -> tuple[str, str]:
    """A deadline falls due in `remaining` working days."""
    return (f"案件 {case.reference}：“{deadline['label_zh']}”期限将于 {deadline['due']} 届满"
            f"（还剩 {remaining} 个工作日）。",
            f"Case {case.reference}: “{deadline['label_en']}” falls due on {deadline['due']} "
            f"({remaining} working day{'s' if remaining != 1 else ''} left).")


def overdue_text(case, deadline: dict) -> tuple[str, str]:
    """A deadline passed without the step being taken."""
    return (f"案件 {case.reference}：“{deadline['label_zh']}”期限已于 {deadline['due']} 届满，已逾期。",
            f"Case {case.reference}: “{deadline['label_en']}” fell due on {deadline['due']} and is overdue.")


def window_text(case, deadline: dict) -> tuple[str, str]:
    """The window for an extension (or re-declaration) before expiry has opened."""
    return (f"案件 {case.reference}：有效期至 {case.valid_until.isoformat()}，“{deadline['label_zh']}”的期间已开始，"
            f"请于 {deadline['due']} 前办理。",
            f"Case {case.reference}: valid until {case.valid_until.isoformat()}; the period for "
            f"“{deadline['label_en']}” has opened, until {deadline['due']}.")


def expired_text(case) -> tuple[str, str]:
    """Validity ended."""
    return (f"案件 {case.reference}「{case.title}」的有效期已于 {case.valid_until.isoformat()} 届满，"
            "状态变为“已过期”。",
            f"Case {case.reference} “{case.title}”: validity ended on {case.valid_until.isoformat()}; it is now "
            f"expired.")
