"""The API's root (/api/v1): the code catalogue and the OpenAPI document of every route."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from portal_plugin.core import catalog
from portal_plugin.core.access import public, signed_in
from portal_plugin.core.apidoc import documents
from portal_plugin.web.openapi import document as openapi_document
from portal_plugin.web.schemas import Catalog, OpenApiDocument

bp = Blueprint("api_root", __name__, url_prefix="/api/v1")
BLUEPRINTS = (bp,)


@bp.get("/catalog")
@documents(response=Catalog)
@signed_in
def get_catalog() -> Response:
    """Every code with its Chinese label."""
    def entries(mapping: dict[str, str]) -> list[dict[str, str]]:
        return [{"code": code, "label": label} for code, label in mapping.items()]

    return jsonify({
        "agency_types": entries(catalog.labels("agency_type", active_only=True)),
        "license_items": entries(catalog.labels("license_item", active_only=True)),
        "filing_items": entries(catalog.labels("filing_item", active_only=True)),
        "divisions": entries(catalog.districts()),
        "deregistration_grounds": entries(catalog.labels("deregistration_ground")),
        "revocation_grounds": entries(catalog.labels("revocation_ground")),
        "job_fair_kinds": entries(catalog.labels("job_fair_kind")),
        "id_types": entries(catalog.labels("id_type")),
        "materials": {workflow: {procedure: [vars(m) for m in kinds]
                                 for procedure, kinds in procedures.items()}
                      for workflow, procedures in catalog.all_materials().items()},
    })


@bp.get("/openapi.json")
@documents(response=OpenApiDocument)
@public
def openapi() -> Response:
    """Describe every endpoint of this API (OpenAPI 3)."""
    document = openapi_document()
    # The document is built once per app; where a proxy mounts the app (SCRIPT_NAME, set by
    # ProxyFix from X-Forwarded-Prefix) the API root is below that prefix.
    servers = [{"url": request.script_root + server["url"]} for server in document["servers"]]
    return jsonify({**document, "servers": servers})
