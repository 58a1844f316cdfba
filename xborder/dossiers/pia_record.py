"""The enterprise's PIA record as a document (issue 15): the dossier's 个人信息保护影响评估报告（出境版） layout (the
TPL-PIA template of forms/documents), filled from the case as it stands now — declaration, answers, profile, facts —
with the PIA the enterprise recorded (cases/pia.py): completion date, who carried it out, the conclusion and the
date the report is kept until. It is the enterprise's own record, not a dossier stage: nothing signs it, and its
cover says so.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from flask import send_file

from xborder.accounts import profile
from xborder.cases import pia
from xborder.core.errors import NotFound
from xborder.core.timeutil import china_today
from xborder.dossiers import documents
from xborder.dossiers.documents import context
from xborder.dossiers.schemas import DOCX_MEDIA

TEMPLATE = "TPL-PIA"
_NOTE = ("本记录由 xborder 根据案件当前的申报、自评估回答、组织概况和出境详情生成，供个人信息处理者留存备查；"
         "未经电子签名，不属于申报材料的签署阶段文件。")
_BY = {"internal": "自行开展", "third_party": "委托第三方机构"}


def layout_spec(on: dt.date) -> Mapping[str, Any]:
    """The PIA report's layout in force on a date (the document whose template is TPL-PIA)."""
    for spec in documents.layout(on)["documents"]:
        if spec.get("template") == TEMPLATE:
            return spec
    raise LookupError(f"forms/documents has no {TEMPLATE} document in force on {on}")


def filename(case) -> str:
    """The download's name: the template's Chinese file name with the case reference."""
    return f"{layout_spec(china_today())['filename']['zh']}-{case.reference}.docx"


def response(case):
    """The download of the case's PIA record; 404 when none is recorded."""
    if pia.view(case) is None:
        raise NotFound(f"No PIA recorded on case {case.reference}")
    return send_file(io.BytesIO(render(case)), mimetype=DOCX_MEDIA, as_attachment=True,
                     download_name=filename(case))


def render(case) -> bytes:
    """The .docx of the case's recorded PIA (the caller has checked that one is recorded)."""
    from xborder.dossiers.stages import case_record

    record = pia.view(case)
    assert record is not None
    today = china_today()
    snapshot = {**case_record(case), "profile": case.profile_snapshot or profile.profile_of(case.exporter),
                "stage_date": today.isoformat(), "mechanism": getattr(case, "mechanism", None)}
    ctx = context.build(snapshot, "zh")
    by = _BY[record["carried_out_by"]] + (f"（{record['third_party_name']}）" if record.get("third_party_name") else "")
    values = {**ctx["values"], "stage.date": record["completed_on"],
              # The recorded conclusion is the report's; a risk summary, where one was computed, stays beside it.
              "risk.summary": "；".join(v for v in (record["conclusion"], ctx["values"].get("risk.summary")) if v),
              "case.assessment_work": ctx["values"].get("case.assessment_work")
              or f"评估于 {record['completed_on']} 完成，由{by}。"}
    basis = "、".join(record["retention_basis"])
    retention = f"{record['retain_until']}（{basis}：至少保存{record['retention_years']}年）"
    return documents.render(layout_spec(today), snapshot, "zh", ctx={**ctx, "values": values}, note=_NOTE,
                            cover_extra=[("评估完成日期", record["completed_on"]), ("评估实施方", by),
                                         ("保存期限至", retention)])
