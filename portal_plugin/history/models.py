"""History-import batches (历史数据采集)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal_plugin.core.clock import utcnow
from portal_plugin.core.extensions import db
from portal_plugin.core.models import UTCDateTime

IMPORT_STATUS = {"validated": "待确认导入", "imported": "已导入", "undone": "已撤销",
                 "failed": "未通过文件检查"}


class ImportBatch(db.Model):
    """One upload of 历史数据采集: the file, what validation found, and what it imported."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("status in ('validated', 'imported', 'undone', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="validated")
    file_name: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_by_name: Mapped[str] = mapped_column(String(100))
    # The uploader's division: who may see the batch (it may hold rows of all its districts).
    division_code: Mapped[str] = mapped_column(String(6), index=True)
    rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    warning_count: Mapped[int] = mapped_column(default=0)
    # What a commit creates: {"agencies": n, "licenses": n, "filings": n}.
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Row problems ({row, column, value, message, hint}), the first few hundred of each level.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The first valid rows as they will be saved (column key → display text).
    preview: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Why a file failed its file-level checks.
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    committed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    undone_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
