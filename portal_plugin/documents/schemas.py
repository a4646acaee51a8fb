"""The documents API's answers, for the generated OpenAPI document."""

from __future__ import annotations

from pydantic import RootModel

from portal_plugin.core.schemas import Answer
from workflows.schemas import LicenseDetail as CertificateLicense


class DocumentOut(Answer):
    """One issued document: its kind, title, number, version, issue time and PDF url."""

    id: int
    kind: str
    title: str
    number: str
    version: int
    issued_at: str
    url: str


class DocumentList(RootModel[list[DocumentOut]]):
    """A case's documents in issue order."""



class LicenseDetail(CertificateLicense):
    """One licence: valid_until null = 长期; status `expired` once valid_until has passed; its
    certificate versions (换发 / 补发), verify URL and documents."""

    verify_url: str | None  # null only for a row written before its key existed
    documents: list[DocumentOut]
