"""Application materials (申请材料): the files a case carries, what its procedure requires.

The bytes live in the file store (core/files.py: the database), under a key made of the case
and the material's own id — never of the name the clerk's computer gave the file. The kind of
a file is told by its first bytes; its name is only shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, make_response
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal_plugin.core import audit, catalog, files
from portal_plugin.core.clock import utcnow
from portal_plugin.core.errors import Invalid, NotFound, TooLarge
from portal_plugin.core.excel import content_disposition
from portal_plugin.core.extensions import db
from portal_plugin.core.identity import Identity
from portal_plugin.core.models import MAX_ID, UTCDateTime
from workflows.models import Case

NOT_A_DOCUMENT = "文件内容不是PDF、JPG或PNG格式，请上传扫描件或照片"
EDITABLE = frozenset({"draft", "returned"})


class CaseMaterial(db.Model):
    """One uploaded material of a case (one file per kind; a new upload replaces it)."""

    __tablename__ = "case_materials"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))  # as the clerk's file was called: display only
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def key(self) -> str:
        return f"materials/{self.case_id}/{self.id}"


def procedure(case: Case) -> str:
    return (case.payload or {}).get("procedure") or "ordinary"


def required_missing(case: Case) -> list[str]:
    """The labels of the required materials the case does not carry yet."""
    have = set(db.session.scalars(select(CaseMaterial.kind).where(CaseMaterial.case_id == case.id)))
    return [m.label for m in catalog.materials(case.workflow, procedure(case))
            if m.required and m.code not in have]


def require_complete(case: Case) -> None:
    """Refuse a submission that lacks a required material, naming every missing one."""
    missing = required_missing(case)
    if missing:
        raise Invalid({"materials": "缺少申请材料：" + "、".join(missing)})


def of_case(case_id: int) -> list[CaseMaterial]:
    return list(db.session.scalars(
        select(CaseMaterial).where(CaseMaterial.case_id == case_id).order_by(CaseMaterial.id)))


def read_limited(stream: Any) -> bytes:
    """An upload's bytes, read no further than one past the size limit (checked_file refuses)."""
    return stream.read(int(current_app.config["MATERIAL_MAX_BYTES"]) + 1)


def checked_file(name: str, data: bytes) -> str:
    """The sniffed content type of an upload within the size limit, or the refusal."""
    limit = int(current_app.config["MATERIAL_MAX_BYTES"])
    if len(data) > limit:
        raise TooLarge(f"文件超过{limit // (1024 * 1024) or 1} MB的上限，请压缩后重新上传")
    if not data:
        raise Invalid({"file": "文件为空"})
    kind = files.sniff(data)
    if kind is None:
        raise Invalid({"file": NOT_A_DOCUMENT})
    return kind


def attach(case: Case, kind: str, name: str, data: bytes, identity: Identity) -> CaseMaterial:
    """Store (or replace) the case's material of `kind` in the caller's transaction."""
    # Any procedure's kinds: a form offers them all (the procedure may still change).
    offered = {m.code for p in catalog.procedures_of(case.workflow)
               for m in catalog.materials(case.workflow, p)}
    if kind not in offered:
        raise Invalid({"kind": "该业务不需要此类申请材料"})
    content_type = checked_file(name, data)
    old = db.session.scalar(select(CaseMaterial).where(
        CaseMaterial.case_id == case.id, CaseMaterial.kind == kind))
    if old is not None:
        _drop(old)
    shown = (name.replace("\\", "/").rsplit("/", 1)[-1].strip() or kind)[-200:]
    material = CaseMaterial(case_id=case.id, kind=kind, name=shown, content_type=content_type,
                            size=len(data), sha256="", uploaded_by=identity.user_id)
    db.session.add(material)
    db.session.flush()
    stored = files.put(material.key, data, name=shown + files.EXTENSIONS[content_type]
                       if "." not in shown else shown, content_type=content_type,
                       created_by=identity.user_id)
    material.sha256 = stored.sha256
    audit.record(identity, "material_upload", "case", case.id,
                 data={"workflow": case.workflow, "kind": kind, "material_id": material.id,
                       "sha256": stored.sha256, "size": len(data),
                       **({"replaced": old.sha256} if old is not None else {})})
    return material


def _drop(material: CaseMaterial) -> None:
    files.remove(material.key)
    db.session.delete(material)
    db.session.flush()


def remove(case: Case, material_id: int, identity: Identity) -> None:
    material = find(case, material_id)
    _drop(material)
    audit.record(identity, "material_delete", "case", case.id,
                 data={"workflow": case.workflow, "kind": material.kind,
                       "material_id": material.id, "sha256": material.sha256})


def find(case: Case, material_id: int) -> CaseMaterial:
    material = (db.session.get(CaseMaterial, material_id)
                if 0 < material_id <= MAX_ID else None)
    if material is None or material.case_id != case.id:
        raise NotFound("申请材料不存在")
    return material


def read(case: Case, material_id: int, identity: Identity) -> tuple[CaseMaterial, bytes]:
    """A material's bytes; every read is audited (materials carry personal data)."""
    material = find(case, material_id)
    data = files.read(material.key)
    # Its own object, so reads stay out of the case's 流转记录 but in the audit.
    audit.record(identity, "read_personal_data", "case_material", material.id,
                 data={"workflow": case.workflow, "case_id": case.id, "kind": material.kind})
    return material, data


def to_json(material: CaseMaterial) -> dict[str, Any]:
    return {"id": material.id, "kind": material.kind,
            "label": catalog.labels("material").get(material.kind, material.kind),
            "name": material.name, "content_type": material.content_type,
            "size": material.size, "sha256": material.sha256,
            "uploaded_at": material.uploaded_at.isoformat()}


def checklist(case: Case | None, workflow: str, procedure_: str = "ordinary"
              ) -> list[dict[str, Any]]:
    """Each material the procedure asks for, with the file the case carries for it (forms)."""
    have = {m.kind: m for m in of_case(case.id)} if case is not None else {}
    return [{"code": m.code, "label": m.label, "required": m.required,
             "file": to_json(have[m.code]) if m.code in have else None}
            for m in catalog.materials(workflow, procedure_)]


def response(material: CaseMaterial, data: bytes) -> Response:
    """A material's bytes inline, as its sniffed type, never sniffed again by the browser."""
    answer = make_response(data)
    answer.headers["Content-Type"] = material.content_type
    answer.headers["Content-Disposition"] = content_disposition(
        material.name, "material" + files.EXTENSIONS.get(material.content_type, ""), inline=True)
    answer.headers["X-Content-Type-Options"] = "nosniff"
    answer.headers["Cache-Control"] = "private, no-store"
    return answer
