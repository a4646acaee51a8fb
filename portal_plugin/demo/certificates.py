"""Demo 补发: 吴芳 (和平区) reports her agency's certificate lost, awaiting the bureau."""

from __future__ import annotations

from sqlalchemy import select

from portal_plugin.core.extensions import db
from portal_plugin.core.models import Agency
from portal_plugin.demo.base import CLERK_HP, who
from workflows import certificates, common

# A minimal one-page PDF standing for the scanned 遗失声明.
STATEMENT = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")


def load() -> int:
    """One pending 补发 request (the 换发 versions come from the demo's approved changes)."""
    agency = db.session.scalar(select(Agency).where(Agency.credit_code == CLERK_HP))
    license_ = common.valid_license(agency.id) if agency else None
    if license_ is None:
        return 0
    certificates.request_reissue(
        who("HRM_JG", "120101", CLERK_HP), license_.id, "lost",
        "许可证正本于办公室搬迁时遗失，已在《天津日报》刊登遗失声明", "遗失声明.pdf", STATEMENT)
    return 1
