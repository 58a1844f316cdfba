"""The text summary of a determination, in Chinese and in English."""

from __future__ import annotations

import pytest

from tests.helpers.law import declaration, determine, prior, transfer
from xborder.law.summary import render_text


def test_chinese_summary_of_a_standard_contract() -> None:
    text = render_text(determine(declaration(transfer(80_000), priors=[prior("2025-02-10", 30_000)])))
    lines = text.splitlines()
    assert lines[0] == "数据出境路径判定（cac-2024，基准日 2025-06-30）"
    assert lines[1] == "结论：订立个人信息出境标准合同或者通过个人信息保护认证"
    assert "累计人数：个人信息（不含敏感个人信息）110,000 人；敏感个人信息 0 人" in lines[2]
    assert "    依据：《促进和规范数据跨境流动规定》第八条" in lines
    # Since issue 15 the filing duty says it belongs to the standard-contract route, not to certification.
    filing = ("  - 选择标准合同的，向所在地省级网信部门备案标准合同及个人信息保护影响评估报告（通过认证的无需备案）"
              "（期限：标准合同生效之日起10个工作日内）")
    assert filing in lines
    assert "评估结果有效期：不适用" in lines


def test_english_summary_of_a_security_assessment() -> None:
    text = render_text(determine(declaration(transfer(10, important=True), as_of="2023-09-01")), lang="en")
    lines = text.splitlines()
    assert lines[0] == "Outbound transfer pathway (cac-2022, as of 2023-09-01)"
    assert lines[1] == "Pathway: Security assessment by the cyberspace administration"
    assert "    Basis: Security Assessment Measures art. 4(1); Security Assessment Measures art. 19; DSL art. 31" \
        in lines
    assert "Assessment result valid for 2 years" in lines
    assert "together 10 persons" in lines[2]


def test_summary_shows_the_interpretations_applied() -> None:
    text = render_text(determine(declaration(transfer(5, exemption="emergency"))), lang="en")
    assert "Interpretations applied:" in text
    assert "is not counted toward the cumulative numbers" in text


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        render_text(determine(declaration()), lang="fr")
