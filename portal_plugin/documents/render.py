"""PDF rendering of a stored document snapshot (WeasyPrint over Jinja), cached in core.files."""

from __future__ import annotations

import base64
import io
from typing import Any

import segno
from flask import current_app, render_template
from sqlalchemy.exc import IntegrityError

from portal_plugin.core import files
from portal_plugin.core.extensions import db
from workflows.documents import Document

COPIES = {"original": "正本", "duplicate": "副本"}


def cache_key(document: Document, copy: str | None = None) -> str:
    return f"documents/{document.id}.pdf" if copy is None else f"documents/{document.id}-{copy}.pdf"


def qr_data_uri(url: str) -> str:
    """The URL as a QR code (segno, error level M), a PNG data URI the PDF embeds."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=2)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def body_lines(kind: str, facts: dict[str, Any]) -> list[str]:
    """The paragraphs of a decision or notice, from its snapshot only."""
    who = facts.get("agency_name") or ""
    applied = (f"你单位于{facts['submitted_on']}提交的" if facts.get("submitted_on") else "你单位提交的")
    subject = f"{applied}{facts.get('workflow_label', '')}申请（办件编号：{facts.get('case_no')}）"
    reason = facts.get("reason") or ""
    items = "、".join(facts.get("items") or [])
    lines: list[str]
    if kind == "acceptance_notice":
        lines = [f"{subject}，经审查，申请材料齐全、符合法定形式，本机关决定予以受理。"]
    elif kind == "correction_notice":
        lines = [f"{subject}，经审查，申请材料不齐全或者不符合法定形式，请一次性补正以下材料：",
                 reason, "请补正后重新提交。"]
    elif kind == "non_acceptance":
        lines = [f"{subject}，经审查，本机关决定不予受理。", f"理由：{reason}"]
    elif kind == "license_grant":
        lines = [f"{subject}，经审查，符合《人力资源市场暂行条例》规定的条件，本机关决定准予行政许可。",
                 f"许可证编号：{facts.get('license_number')}",
                 f"服务范围：职业中介活动（{items}）",
                 f"有效期：{facts.get('issued_on')}至{facts.get('valid_until') or '长期'}"]
    elif kind == "filing_receipt":
        lines = ["你单位报送的人力资源服务业务备案材料收悉，经核查，予以备案。",
                 f"备案编号：{facts.get('filing_number')}", f"备案事项：{items}",
                 f"备案日期：{facts.get('filed_on')}"]
    elif kind == "deregistration_grant":
        lines = [f"{subject}，经审查，本机关决定准予注销：" + "、".join(facts.get("targets") or []),
                 f"注销原因：{facts.get('ground') or ''}"]
    elif kind in ("change_grant", "branch_grant"):
        lines = [f"{subject}，经审查，本机关决定予以准予。"]
    else:  # the refusals
        lines = [f"{subject}，经审查，本机关决定不予准予。", f"理由：{reason}"]
    if facts.get("remedy"):
        lines.append(facts["remedy"])
    return [f"{who}：", *lines]


def html_of(document: Document, copy: str | None, verify_url: str | None) -> str:
    facts = document.facts
    if document.kind == "certificate":
        return render_template("hrm/documents/certificate.html", d=document, f=facts,
                               copy=COPIES[copy or "original"],
                               qr=qr_data_uri(verify_url) if verify_url else None)
    return render_template("hrm/documents/decision.html", d=document, f=facts,
                           lines=body_lines(document.kind, facts),
                           qr=qr_data_uri(verify_url) if verify_url else None)


def pdf(document: Document, copy: str | None = None, verify_url: str | None = None) -> bytes:
    """The document's PDF: the cached bytes, or rendered now from the snapshot and cached."""
    key = cache_key(document, copy)
    try:
        return files.read(key)
    except (files.FileMissing, files.FileCorrupt):
        pass
    # WeasyPrint: maintained HTML/CSS-to-PDF with Pango text shaping, so the CJK fonts
    # (fonts-noto-cjk) render through fontconfig without a browser; imported here, on first use.
    from weasyprint import HTML

    data = HTML(string=html_of(document, copy, verify_url)).write_pdf()
    try:
        files.put(key, data, name=f"{document.id}.pdf", content_type="application/pdf")
        db.session.commit()
    except IntegrityError:  # a concurrent request cached it first
        db.session.rollback()
        current_app.logger.info("document %s cached by another request", document.id)
    return data
