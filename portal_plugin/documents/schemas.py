"""The documents API's answers, for the generated OpenAPI document."""

from __future__ import annotations

from pydantic import RootModel

from portal_plugin.core.schemas import Answer


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


class CertificateVersion(Answer):
    version: int
    issued_at: str


class LicenseDetail(Answer):
    """One licence: valid_until null = 长期; status `expired` once valid_until has passed."""

    id: int
    license_number: str
    decision_number: str | None
    agency_id: int
    name: str
    credit_code: str
    items: list[str]
    issued_on: str
    valid_until: str | None
    status: str
    issuing_authority: str | None
    versions: list[CertificateVersion]
    verify_url: str | None  # null only for a row written before its key existed
    documents: list[DocumentOut]
