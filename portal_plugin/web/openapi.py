"""The OpenAPI 3.1 document of /api/v1, generated from the routes, their declarations, schemas."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from portal_plugin.core.access import Access, DeclarationError
from portal_plugin.core.apidoc import JSON, ApiDoc, declaration
from portal_plugin.core.config import VERSION
from portal_plugin.core.schemas import Error

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
RULE_PART = re.compile(r"<(?:(?P<conv>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
# Each refusal CONTRACT.md lists: its shared response's name and what it means.
ERRORS = {
    400: ("Malformed", "malformed JSON"),
    401: ("Unauthorized", "no or bad identity"),
    403: ("Forbidden", "no permission"),
    404: ("NotFound", "absent or outside the caller's jurisdiction"),
    409: ("Conflict", "not in the state the action needs, a stale version, or a duplicate"),
    413: ("TooLarge", "the upload is over the size cap"),
    422: ("Invalid", "invalid input; error.fields names each field"),
}
# The schema of a path variable by its converter; any other converter matches text.
CONVERTERS = {"int": {"type": "integer", "minimum": 0}, "float": {"type": "number", "minimum": 0}}
TEXT = {"type": "string"}


def api_rules(app: Flask) -> list[tuple[Rule, str]]:
    """The bundle's rules under /api/v1, each with its path below the API root."""
    found = []
    for rule in app.url_map.iter_rules():
        _, root, rest = rule.rule.partition(PREFIX + "/")
        if root and rule.endpoint.startswith("hrm."):
            found.append((rule, "/" + rest))
    return found


def declared(app: Flask, rule: Rule) -> ApiDoc:
    """The rule's view's declaration; an API view without one refuses the app."""
    doc = declaration(app.view_functions[rule.endpoint])
    if doc is None:
        raise DeclarationError(f"API endpoint {rule.endpoint!r} has no @documents declaration")
    return doc


def check(app: Flask) -> None:
    """Fail start-up on an API route without a @documents declaration, naming its endpoint."""
    for rule, _ in api_rules(app):
        declared(app, rule)


def document(app: Flask | None = None) -> dict[str, Any]:
    """The whole document, built once per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if "hrm_openapi" not in app.extensions:
        app.extensions["hrm_openapi"] = Builder(app).build()
    return app.extensions["hrm_openapi"]


class Builder:
    """Walks the API's rules once, collecting the models their operations refer to."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Error, "serialization")]
        self.schemas: dict[str, Any] = {}
        self.pending: list[tuple[dict[str, Any], tuple[type[BaseModel], JsonSchemaMode]]] = []

    def build(self) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        # The API root as mounted (init_app's prefix), from any of its rules.
        root = PREFIX
        for rule, path in api_rules(self.app):
            root = rule.rule.removesuffix(path)
            doc = declared(self.app, rule)
            access: Access = self.app.view_functions[rule.endpoint].hrm_access
            methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
            for expanded, fixed in expansions(path):
                for method in methods:
                    suffix = [*fixed.values(), *([method.lower()] if len(methods) > 1 else [])]
                    paths.setdefault(expanded, {})[method.lower()] = self.operation(
                        rule, doc, access, ".".join([rule.endpoint.removeprefix("hrm."), *suffix]))
        refs, defs = models_json_schema(self.models, ref_template=REF)
        for target, key in self.pending:
            target["schema"] = refs[key]
        self.schemas.update(defs.get("$defs", {}))
        return {
            "openapi": "3.1.0",
            "info": {"title": "人力资源市场管理系统 API", "version": VERSION},
            "servers": [{"url": root}],
            "security": [{"portal": []}],
            "paths": dict(sorted(paths.items())),
            "components": {
                "securitySchemes": {"portal": {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT (RS256, typ at+jwt)"}},
                "schemas": dict(sorted(self.schemas.items())),
                "responses": {name: {"description": f"{code}: {text}", "content": {
                    JSON: {"schema": {"$ref": REF.format(model="Error")}}}}
                    for code, (name, text) in ERRORS.items()},
            },
        }

    def content(self, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        """A media type object whose schema is the model's component, filled in at the end."""
        media: dict[str, Any] = {}
        if (model, mode) not in self.models:
            self.models.append((model, mode))
        self.pending.append((media, (model, mode)))
        return media

    def parameters(self, model: type[BaseModel], where: str) -> list[dict[str, Any]]:
        """A model's fields as parameters in the path or the query."""
        schema = model.model_json_schema(ref_template=REF)
        self.schemas.update(schema.pop("$defs", {}))
        required = set(schema.get("required", ()))
        found = []
        for name, given in schema.get("properties", {}).items():
            prop = plain(given)
            prop.pop("title", None)
            description = prop.pop("description", None)
            found.append({"name": name, "in": where, "required": where == "path" or name in required,
                          "schema": prop, **({"description": description} if description else {})})
        return found

    def path_parameters(self, rule: Rule, doc: ApiDoc) -> list[dict[str, Any]]:
        """The rule's variables (any(...) ones become paths), typed by converter or declaration."""
        converters = {m["name"]: m["conv"] for m in RULE_PART.finditer(rule.rule)
                      if m["conv"] != "any"}
        described = {p["name"]: p for p in (self.parameters(doc.path, "path") if doc.path else [])}
        if described.keys() - converters.keys():
            raise DeclarationError(f"{rule.endpoint!r} describes path parameters "
                                   f"{sorted(described.keys() - converters.keys())} it lacks")
        return [described.get(name) or {"name": name, "in": "path", "required": True,
                                        "schema": CONVERTERS.get(converter, TEXT)}
                for name, converter in converters.items()]

    def answer(self, doc: ApiDoc) -> dict[str, Any]:
        """The success response: a model's JSON and / or files of the declared media types."""
        content: dict[str, Any] = {}
        for item in doc.response:
            if isinstance(item, str):
                content[item] = {"schema": {"type": "string", "format": "binary"}}
            else:
                content[JSON] = self.content(item, "serialization")
        return {"description": HTTPStatus(doc.status).phrase, **({"content": content}
                                                                  if content else {})}

    def operation(self, rule: Rule, doc: ApiDoc, access: Access, operation_id: str
                  ) -> dict[str, Any]:
        summary = (self.app.view_functions[rule.endpoint].__doc__ or "").strip().splitlines()
        parameters = self.path_parameters(rule, doc)
        has_ids = bool(parameters)
        if doc.query:
            parameters += self.parameters(doc.query, "query")
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": summary[0] if summary else operation_id,
            "x-permissions": sorted(access.permissions),
            "x-public": access.public,
        }
        if access.public:
            operation["security"] = []
        if parameters:
            operation["parameters"] = parameters
        if doc.body:
            required = any(f.is_required() for f in doc.body.model_fields.values())
            operation["requestBody"] = {"required": required, "content": {
                "multipart/form-data" if doc.form else JSON: self.content(doc.body, "validation")}}
        operation["responses"] = {str(doc.status): self.answer(doc), **{
            str(code): {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
            for code in sorted(implied_errors(doc, access, has_ids))}}
        return operation


def plain(prop: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without the null an optional field allows (a URL has no null)."""
    options = [o for o in prop.get("anyOf", ()) if o != {"type": "null"}]
    merged = {k: v for k, v in prop.items() if k != "anyOf"}
    if len(options) == 1:
        merged = {**options[0], **merged}
    if "default" in merged and merged["default"] is None:
        del merged["default"]
    return merged


def implied_errors(doc: ApiDoc, access: Access, has_path_ids: bool) -> set[int]:
    """The refusals a route can answer: identity, its inputs, its path, and what it declares."""
    codes = set(doc.errors)
    if not access.public:
        codes |= {401, 403}
    if doc.body and not doc.form:
        codes.add(400)
    if doc.body or doc.query:
        codes.add(422)
    if has_path_ids:
        codes.add(404)
    return codes


def expansions(path: str) -> list[tuple[str, dict[str, str]]]:
    """A rule's path in the document's form: <x> → {x}, and one path per any(...) option."""
    found: list[tuple[str, dict[str, str]]] = [("", {})]
    position = 0
    for match in RULE_PART.finditer(path):
        literal = path[position:match.start()]
        if match["conv"] == "any":
            options = [o.strip().strip("'\"") for o in match["args"].split(",")]
            found = [(p + literal + o, {**f, match["name"]: o}) for p, f in found for o in options]
        else:
            found = [(p + literal + "{" + match["name"] + "}", f) for p, f in found]
        position = match.end()
    return [(p + path[position:], f) for p, f in found]
