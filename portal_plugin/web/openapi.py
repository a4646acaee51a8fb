"""The OpenAPI 3 document of /api/v1 (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from portal_plugin.core.config import VERSION
from portal_plugin.core.permissions import WORKFLOWS
from portal_plugin.core.validation import AGENCY_MAX_LEN

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
CODES = {"type": "array", "items": STRING, "minItems": 1}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"description": description or "OK", "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/Malformed"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "404": {"$ref": "#/components/responses/NotFound"},
}


def errors(*codes: str) -> dict[str, Any]:
    extra = {
        "409": {"$ref": "#/components/responses/Conflict"},
        "422": {"$ref": "#/components/responses/Invalid"},
    }
    return {**ERRORS, **{code: extra[code] for code in codes}}


AGENCY = {
    "type": "object",
    "required": ["name", "credit_code", "agency_type", "division", "address", "legal_rep",
                 "legal_rep_id_type", "legal_rep_id_no"],
    "properties": {
        "name": {**STRING, "maxLength": AGENCY_MAX_LEN["name"], "description": "机构名称"},
        "credit_code": {**STRING, "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$",
                        "description": "统一社会信用代码 (GB 32100 check digit)"},
        "agency_type": {**STRING, "description": "机构类型 code (catalog agency_types)"},
        "division": {**STRING, "pattern": "^[0-9]{6}$", "description": "district code"},
        "address": {**STRING, "maxLength": AGENCY_MAX_LEN["address"], "description": "住所"},
        "legal_rep": {**STRING, "maxLength": AGENCY_MAX_LEN["legal_rep"],
                      "description": "法定代表人（负责人）"},
        "legal_rep_id_type": {**STRING, "description": "证件类型 code (catalog id_types)"},
        "legal_rep_id_no": {**STRING, "maxLength": AGENCY_MAX_LEN["legal_rep_id_no"],
                            "description": "证件号码 (居民身份证: GB 11643 check digit)"},
        "contact": {**STRING, "maxLength": AGENCY_MAX_LEN["contact"]},
        "phone": {**STRING, "maxLength": AGENCY_MAX_LEN["phone"]},
    },
}

CHANGES = {
    "type": "object",
    "minProperties": 1,
    "description": "the facts that change, each with its new value",
    "properties": {
        **{k: AGENCY["properties"][k] for k in ("name", "address", "legal_rep",
                                                "legal_rep_id_type", "legal_rep_id_no",
                                                "agency_type")},
        "license_items": CODES,
        "filing_items": CODES,
    },
}

CASE_BODY = {
    "type": "object",
    "description": "licensing: agency + license_items; filing: agency + filing_items; change: "
                   "changes; branch: branch; deregistration: targets + ground. For change, "
                   "branch and deregistration the agency is the clerk's registered one.",
    "properties": {
        "agency": AGENCY,
        "license_items": CODES,
        "filing_items": CODES,
        "changes": CHANGES,
        "branch": AGENCY,
        "targets": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["kind", "id"],
            "properties": {"kind": {"enum": ["license", "filing"]}, "id": {"type": "integer"}}}},
        "ground": {**STRING, "description": "deregistration ground code"},
        "submit": {"type": "boolean", "description": "submit at once (create only)"},
        "version": {"type": "integer", "description": "edit only: the version last read"},
    },
}

CASE = {
    "type": "object",
    "required": ["id", "case_no", "workflow", "status", "status_label", "version", "agency",
                 "submitted_at"],
    "properties": {
        "id": {"type": "integer"},
        "case_no": {**NULLABLE_STRING, "description": "办件编号, from submission on"},
        "workflow": {"enum": list(WORKFLOWS)},
        "status": {"enum": ["draft", "submitted", "returned", "rejected", "pending_review",
                            "approved", "refused"]},
        "status_label": STRING,
        "version": {"type": "integer"},
        "agency": {"type": "object", "properties": {
            "credit_code": STRING, "name": STRING, "division": NULLABLE_STRING}},
        "division": {**STRING, "description": "the handling bureau's division"},
        "submitted_at": {**NULLABLE_STRING, "format": "date-time"},
        "accepted_at": {**NULLABLE_STRING, "format": "date-time"},
        "decided_at": {**NULLABLE_STRING, "format": "date-time"},
        "reason": NULLABLE_STRING,
        "deadline": {**NULLABLE_STRING, "format": "date"},
        "days_left": {"type": ["integer", "null"], "description": "working days, < 0 overdue"},
        "deadline_flag": {"enum": ["yellow", "red", None]},
        "actions": {"type": "array", "items": STRING},
        "application": {"type": "object", "description": "single-case answers only"},
        "license_number": STRING,
        "decision_number": STRING,
        "filing_number": STRING,
        "document_number": STRING,
        "result": {"type": ["object", "null"], "description": "single-case answers only"},
        "events": {"type": "array", "description": "single-case answers only",
                   "items": {"type": "object", "properties": {
            "at": STRING, "action": STRING, "from": NULLABLE_STRING, "to": NULLABLE_STRING,
            "actor": STRING, "actor_division": NULLABLE_STRING, "reason": NULLABLE_STRING}}},
    },
}

TRANSITION_BODY = {
    "type": "object",
    "properties": {"reason": {**STRING, "maxLength": 1000,
                              "description": "required for return, reject and refuse"},
                   "version": {"type": "integer"}},
}


def page_schema(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {"items": {"type": "array", "items": item},
                           "total": {"type": "integer"}, "page": {"type": "integer"},
                           "per_page": {"type": "integer"}}}


RECORD = {"type": "object", "properties": {
    "id": {"type": "integer"}, "agency": {"type": "object"}, "items": {"type": "array"},
    "status": {"enum": ["valid", "deregistered", "revoked", "cancelled", "expired"]},
    "status_label": STRING}}

WF = {"name": "wf", "in": "path", "required": True, "schema": {"enum": list(WORKFLOWS)}}
ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}
PAGING = [
    {"name": "q", "in": "query", "schema": STRING,
     "description": "agency name (part), credit code or number"},
    {"name": "status", "in": "query", "schema": STRING},
    {"name": "division", "in": "query", "schema": STRING},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 100}},
]
# The 查看 pages' filters over licences and filings, beside `q`.
RECORD_FILTERS = PAGING + [
    {"name": name, "in": "query", "schema": schema, "description": description}
    for name, schema, description in (
        ("name", STRING, "agency name (part)"),
        ("credit_code", STRING, "统一社会信用代码"),
        ("number", STRING, "licence or filing number"),
        ("granted_from", {**STRING, "format": "date"}, "issued / filed on or after"),
        ("granted_to", {**STRING, "format": "date"}, "issued / filed on or before"),
    )
]


def operation(summary: str, permission: str, responses: dict[str, Any], **extra: Any
              ) -> dict[str, Any]:
    return {"summary": summary, "description": f"Permission: {permission}",
            "responses": responses, **extra}


def transition(action: str, label: str, step: str) -> dict[str, Any]:
    return {"post": operation(
        f"{label} ({action})", f"{{wf}}.{step}",
        {"200": json_body(ref("Case")), **errors("409", "422")},
        parameters=[WF, ID],
        requestBody={"required": False, "content": {"application/json": {
            "schema": ref("TransitionBody")}}},
    )}


XLSX = {"description": "the workbook", "content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}}
ISSUE = {"type": "object", "properties": {
    "row": {"type": "integer", "description": "the Excel row number as the user sees it"},
    "column": {**STRING, "description": "the column's Chinese header"}, "key": STRING,
    "value": STRING, "message": STRING, "hint": {**STRING, "description": "how to fix it"}}}
IMPORT_BATCH = {"type": "object", "required": ["id", "status", "rows", "errors", "warnings"],
                "properties": {
    "id": {"type": "integer"}, "status": {"enum": ["validated", "imported", "undone", "failed"]},
    "status_label": STRING, "file_name": STRING, "rows": {"type": "integer"},
    "valid_rows": {"type": "integer"}, "error_count": {"type": "integer"},
    "warning_count": {"type": "integer"},
    "counts": {"type": "object", "description": "agencies / licenses / filings to create"},
    "errors": {"type": "array", "items": ISSUE, "description": "the first 1,000"},
    "warnings": {"type": "array", "items": ISSUE}, "preview": {"type": "array", "items": {
        "type": "object", "description": "a valid row as it will be saved"}},
    "message": NULLABLE_STRING, "imported": {"type": "integer", "description": "commit only"}}}
HISTORY_RECORD = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": STRING, "credit_code": STRING, "division": STRING,
    "batch_id": {"type": "integer"}, "imported_at": NULLABLE_STRING, "status": STRING,
    "license_number": NULLABLE_STRING, "filing_number": NULLABLE_STRING,
    "values": {"type": "object", "additionalProperties": STRING,
               "description": "the import's columns by key (GET / PUT body): labels or codes, "
                              "dates as YYYY-MM-DD, items as a list or 、-separated"}}}


def history_paths() -> dict[str, Any]:
    """历史数据采集: /history-imports and /history-records (permission history.import)."""
    perm = "history.import"
    batch_id = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    agency_id = {"name": "agency_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}
    too_large = {"413": json_body(ref("Error"), "413: the file is over the size cap")}
    return {
        "/history-imports/template": {"get": operation(
            "The import template (.xlsx)", perm, {"200": XLSX, **ERRORS})},
        "/history-imports": {
            "post": operation(
                "Upload a filled template and check it completely; file-level problems are 422",
                perm, {"201": json_body(ref("ImportBatch")), **errors("409", "422"), **too_large},
                requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}}}}}}),
            "get": operation("Import batches in the caller's jurisdiction", perm,
                             {"200": json_body(page_schema(ref("ImportBatch"))), **errors("422")},
                             parameters=PAGING[3:]),
        },
        "/history-imports/{batch_id}": {"get": operation(
            "One batch: counts, problems, preview", perm,
            {"200": json_body(ref("ImportBatch")), **ERRORS}, parameters=[batch_id])},
        "/history-imports/{batch_id}/report.xlsx": {"get": operation(
            "The uploaded workbook with problems marked, a 校验结果 column and an 错误清单 sheet",
            perm, {"200": XLSX, **errors("409")}, parameters=[batch_id])},
        "/history-imports/{batch_id}/commit": {"post": operation(
            "Import a batch without errors in one transaction (409 while errors remain)", perm,
            {"200": json_body(ref("ImportBatch")), **errors("409", "422")},
            parameters=[batch_id])},
        "/history-imports/{batch_id}/undo": {"post": operation(
            "Remove what a batch imported (409 while anything refers to its records)", perm,
            {"200": json_body(ref("ImportBatch")), **errors("409", "422")},
            parameters=[batch_id])},
        "/history-records": {"get": operation(
            "Imported records in the caller's jurisdiction", perm,
            {"200": json_body(page_schema(ref("HistoryRecord"))), **errors("422")},
            parameters=[*({"name": n, "in": "query", "schema": STRING}
                          for n in ("name", "credit_code", "division", "batch")),
                        *({"name": n, "in": "query", "schema": {**STRING, "format": "date"}}
                          for n in ("imported_from", "imported_to")), *PAGING[3:]])},
        "/history-records/{agency_id}": {
            "get": operation("One imported record with its values", perm,
                             {"200": json_body(ref("HistoryRecord")), **ERRORS},
                             parameters=[agency_id]),
            "put": operation("Replace an imported record's values, checked like an imported row",
                             perm, {"200": json_body(ref("HistoryRecord")), **errors("409", "422")},
                             parameters=[agency_id], requestBody={"required": True, "content": {
                                 "application/json": {"schema": {"type": "object"}}}}),
            "delete": operation("Delete an imported record (409 when cases refer to it)", perm,
                                {"204": {"description": "deleted"}, **errors("409")},
                                parameters=[agency_id]),
        },
    }


STATISTICS_TABLE = {"type": "object", "required": ["rows", "total"], "properties": {
    "rows": {"type": "array", "description": "every year × district of the jurisdiction, zeros "
             "included; legacy district codes count under their successor", "items": {
                 "type": "object", "required": ["year", "division", "count"], "properties": {
                     "year": {"type": "integer"}, "division": STRING, "division_name": STRING,
                     "count": {"type": "integer"}}}},
    "total": {"type": "integer"}, "from": {"type": "integer"}, "to": {"type": "integer"}}}


def statistics_paths() -> dict[str, Any]:
    """统计分析: yearly counts per district (permission statistics.view)."""
    years = [{"name": "from", "in": "query", "schema": {"type": "integer"},
              "description": "起始年度 (default: four years before `to`)"},
             {"name": "to", "in": "query", "schema": {"type": "integer"},
              "description": "截止年度 (default: this year); at most 30 years, not reversed"},
             {"name": "format", "in": "query", "schema": {"enum": ["json", "xlsx"]},
              "description": "xlsx: the table as a workbook (audited)"}]
    sheet = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}
    return {f"/statistics/{path}": {"get": operation(
        summary, "statistics.view",
        {"200": {"description": "the counts, or the sheet with format=xlsx", "content": {
            "application/json": {"schema": ref("StatisticsTable")}, **sheet}},
         **errors("422")}, parameters=years)}
        for path, summary in (
            ("new-agencies", "Agencies whose first licence or filing was granted, per year and "
                             "district (按年度统计各地区新增情况)"),
            ("deregistered-agencies", "Agencies deregistered, per year and district "
                                      "(按年度统计各地区注销情况)"))}


JOB_FAIR_BODY = {
    "type": "object",
    "required": ["name", "kind", "organizer", "start_at", "end_at", "venue", "venue_address",
                 "division", "booths", "expected_employers", "expected_positions",
                 "expected_visitors", "safety_officer", "safety_phone", "contact",
                 "contact_phone"],
    "properties": {
        "name": {**STRING, "maxLength": 200, "description": "招聘会名称"},
        "kind": {**STRING, "description": "类型 code: J01 综合类, J02 行业专场, J03 高校毕业生专场, "
                                           "J04 农民工专场, J05 退役军人专场, J06 残疾人专场, J09 其他"},
        "organizer": {**STRING, "maxLength": 200, "description": "主办单位"},
        "co_organizer": {**NULLABLE_STRING, "maxLength": 200, "description": "承办单位"},
        "start_at": {**STRING, "format": "date-time",
                     "description": "YYYY-MM-DDTHH:MM, local time unless an offset is given"},
        "end_at": {**STRING, "format": "date-time", "description": "after start_at, ≤ 30 days"},
        "venue": {**STRING, "maxLength": 200, "description": "举办场馆"},
        "venue_address": {**STRING, "maxLength": 300, "description": "场馆地址"},
        "division": {**STRING, "pattern": "^[0-9]{6}$", "description": "the venue's district"},
        **{k: {"type": "integer", "minimum": 0, "maximum": 1_000_000} for k in (
            "booths", "expected_employers", "expected_positions", "expected_visitors")},
        "safety_officer": {**STRING, "maxLength": 100, "description": "安全责任人"},
        "safety_phone": {**STRING, "maxLength": 20},
        "contact": {**STRING, "maxLength": 100, "description": "联系人"},
        "contact_phone": {**STRING, "maxLength": 20},
        "police_permit_no": {**NULLABLE_STRING, "maxLength": 60,
                             "description": "公安机关安全许可文号, required from 1000 "
                                            "expected visitors"},
    },
}
JOB_FAIR = {
    "type": "object",
    "required": ["id", *JOB_FAIR_BODY["required"], "agency", "created_at"],
    "properties": {
        "id": {"type": "integer"}, **JOB_FAIR_BODY["properties"], "kind_label": STRING,
        "division_name": STRING, "agency": {"type": "object", "properties": {
            "id": {"type": "integer"}, "credit_code": STRING, "name": STRING}},
        "created_by_name": STRING, "created_at": {**STRING, "format": "date-time"},
    },
}


def job_fair_paths() -> dict[str, Any]:
    """现场招聘会: clerks register their agency's fairs; job_fairs.view reads by the venue."""
    readers = "job_fairs.view (jurisdiction of the venue) or agency.self_service (own)"
    query = [{"name": n, "in": "query", "schema": STRING, "description": d} for n, d in (
        ("name", "招聘会名称 (part)"), ("organizer", "主办单位 (part)"),
        ("division", "the venue's district, within the caller's jurisdiction"))]
    query += [{"name": n, "in": "query", "schema": {**STRING, "format": "date"},
               "description": d} for n, d in (("held_from", "fairs still going on that day"),
                                              ("held_to", "fairs begun by that day"))]
    query += [p for p in PAGING if p["name"] in ("page", "per_page")]
    fair_id = {"name": "fair_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "/job-fairs": {
            "post": operation("Register a job fair for the clerk's agency", "agency.self_service",
                              {"201": json_body(ref("JobFair")), **errors("409", "422")},
                              requestBody={"required": True, "content": {
                                  "application/json": {"schema": ref("JobFairBody")}}}),
            "get": operation("Job fairs in scope, the latest first", readers,
                             {"200": json_body(page_schema(ref("JobFair"))), **errors("422")},
                             parameters=query),
        },
        "/job-fairs/{fair_id}": {"get": operation("One job fair", readers,
                                                  {"200": json_body(ref("JobFair")), **ERRORS},
                                                  parameters=[fair_id])},
    }


AGENCY_EXTRA_FIELDS = {
    "business_address": {**NULLABLE_STRING, "maxLength": AGENCY_MAX_LEN["business_address"],
                         "description": "经营场所"},
    "founded_on": {**NULLABLE_STRING, "format": "date", "description": "成立日期"},
    "registered_capital": {"type": ["string", "number", "null"],
                           "description": "注册资本（万元）, ≥ 0, two decimals; answered as text"},
    "business_scope": {**NULLABLE_STRING, "maxLength": AGENCY_MAX_LEN["business_scope"],
                       "description": "经营范围"},
    "staff_count": {"type": ["integer", "null"], "minimum": 0, "description": "从业人员数"},
}
REGISTERED_AGENCY = {
    "type": "object",
    "required": ["id", *AGENCY["required"], "status", "source"],
    "properties": {
        "id": {"type": "integer"}, **AGENCY["properties"], **AGENCY_EXTRA_FIELDS,
        **{k: STRING for k in ("agency_type_label", "division_name",
                               "legal_rep_id_type_label", "status_label", "source_label")},
        "parent": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "name": STRING, "credit_code": STRING}},
        "status": {"enum": ["valid", "deregistered"]},
        "source": {"enum": ["application", "entry", "history_import"]},
        "deregistered_on": {**NULLABLE_STRING, "format": "date"},
        "created_at": {**STRING, "format": "date-time"},
        "updated_at": {**STRING, "format": "date-time"},
    },
}


def agency_paths() -> dict[str, Any]:
    """机构管理: agencies.manage adds, edits and deletes; any *.view permission reads."""
    readers = "agencies.manage or any *.view (the caller's jurisdiction)"
    query = [{"name": n, "in": "query", "schema": STRING, "description": d} for n, d in (
        ("q", "机构名称 (part) or 统一社会信用代码 (part)"), ("name", "机构名称 (part)"),
        ("credit_code", "统一社会信用代码 (part)"),
        ("division", "district within the caller's jurisdiction"),
        ("agency_type", "机构类型 code"), ("status", "valid | deregistered"))]
    query += [p for p in PAGING if p["name"] in ("page", "per_page")]
    agency_id = {"name": "agency_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}
    new_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": AGENCY["required"],
        "properties": {**AGENCY["properties"], **AGENCY_EXTRA_FIELDS}}}}}
    edit_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "description": "the fields to change (the credit code cannot)",
        "properties": {**AGENCY["properties"], **AGENCY_EXTRA_FIELDS}}}}}
    changed = {"type": "object", "additionalProperties": {"type": "array", "minItems": 2,
                                                          "maxItems": 2},
               "description": "{field: [before, after]} of what changed"}
    return {
        "/agencies": {
            "get": operation("Agencies of the caller's jurisdiction, the latest added first",
                             readers, {"200": json_body(page_schema(ref("RegisteredAgency"))),
                                       **errors("422")}, parameters=query),
            "post": operation("Add an agency (source 录入); 409 for a credit code already "
                              "registered", "agencies.manage",
                              {"201": json_body(ref("RegisteredAgency")),
                               **errors("409", "422")}, requestBody=new_body),
        },
        "/agencies/{agency_id}": {
            "get": operation("One agency", readers, {"200": json_body(ref("RegisteredAgency")),
                                                     **ERRORS}, parameters=[agency_id]),
            "put": operation("Change an agency's fields, kept before and after in the audit",
                             "agencies.manage", {"200": json_body({"allOf": [
                                 ref("RegisteredAgency"), {"type": "object", "properties": {
                                     "changes": changed}}]}), **errors("422")},
                             parameters=[agency_id], requestBody=edit_body),
            "delete": operation("Delete an agency; 409 with the reason while it has licences, "
                                "filings, cases, annual reports, job fairs or branches",
                                "agencies.manage", {"204": {"description": "deleted"},
                                                    **errors("409")}, parameters=[agency_id]),
        },
    }


ANNUAL_REPORT_FIGURES = {key: {"type": "integer", "minimum": 0, "description": label}
                         for key, label in (
    ("staff_count", "从业人员数"), ("served_workers", "服务劳动者人次"),
    ("served_employers", "服务用人单位家次"), ("placements", "帮助实现就业人数"),
    ("job_fairs_held", "举办招聘会场次"), ("online_postings", "网络发布岗位数"),
    ("trainings", "培训人次"))}
ANNUAL_REPORT_BODY = {
    "type": "object",
    "required": ["year", "revenue", "filled_by", *ANNUAL_REPORT_FIGURES],
    "properties": {
        "year": {"type": "integer", "minimum": 2000, "description": "报告年度 (not in the future)"},
        **ANNUAL_REPORT_FIGURES,
        "revenue": {"type": ["string", "number"], "pattern": r"^[0-9]+(\.[0-9]{1,2})?$",
                    "description": "营业收入 (≥ 0, two decimals at most)"},
        "complaints": {**NULLABLE_STRING, "maxLength": 2000, "description": "投诉及处罚情况"},
        "filled_by": {**STRING, "maxLength": 100, "description": "填报人"},
        "submit": {"type": "boolean", "description": "submit at once (报送)"},
        "version": {"type": "integer", "description": "PUT: the version read (409 if stale)"},
    },
}
ANNUAL_REPORT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "year": {"type": "integer"},
    "status": {"enum": ["draft", "submitted", "passed", "returned"]}, "status_label": STRING,
    "version": {"type": "integer"},
    "actions": {"type": "array", "items": {"enum": ["edit", "submit", "pass", "return"]},
                "description": "what its status allows (return on a passed report: 退回重填)"},
    "agency": {"type": "object", "description": "the agency's basics at submission: id, name, "
               "credit_code, division, division_name, legal_rep, address, license_numbers, "
               "filing_numbers"},
    **ANNUAL_REPORT_FIGURES, "revenue": STRING, "complaints": NULLABLE_STRING,
    "filled_by": STRING, "filled_on": {**STRING, "format": "date"},
    "reason": NULLABLE_STRING, "submitted_at": NULLABLE_STRING,
    "reviewed_at": NULLABLE_STRING, "reviewed_by_name": NULLABLE_STRING,
    "events": {"type": "array", "description": "GET one: the 流转记录"}}}


def annual_report_paths() -> dict[str, Any]:
    """年度报告: clerks fill in and submit; annual_reports.review reads, passes, returns, exports."""
    readers = "annual_reports.review (jurisdiction, drafts excluded) or agency.self_service (own)"
    report_id = {"name": "report_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}
    query = [{"name": n, "in": "query", "schema": s, "description": d} for n, s, d in (
        ("year", {"type": "integer"}, "报告年度"), ("name", STRING, "机构名称 (part)"),
        ("status", {"enum": ["draft", "submitted", "passed", "returned"]}, "状态"),
        ("division", STRING, "district within the caller's jurisdiction"))]
    query += [p for p in PAGING if p["name"] in ("page", "per_page")]
    body = {"required": True, "content": {"application/json": {"schema": ANNUAL_REPORT_BODY}}}
    one = {"200": json_body(ANNUAL_REPORT), **errors("409", "422")}
    decision = {"required": False, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"reason": {**STRING, "maxLength": 1000},
                                         "version": {"type": "integer"}}}}}}
    return {
        "/annual-reports": {
            "post": operation("Fill in a year's report for the clerk's agency (409: one a year)",
                              "agency.self_service", {"201": json_body(ANNUAL_REPORT),
                                                      **errors("409", "422")},
                              requestBody=body),
            "get": operation("Annual reports in scope, the latest year first", readers,
                             {"200": json_body(page_schema(ANNUAL_REPORT)), **errors("422")},
                             parameters=query),
        },
        "/annual-reports/{report_id}": {
            "get": operation("One annual report with its 流转记录", readers,
                             {"200": json_body(ANNUAL_REPORT), **ERRORS},
                             parameters=[report_id]),
            "put": operation("Change a draft or returned report (resubmit with submit)",
                             "agency.self_service", one, parameters=[report_id],
                             requestBody=body),
        },
        "/annual-reports/{report_id}/submit": {"post": operation(
            "Submit a draft or returned report", "agency.self_service", one,
            parameters=[report_id], requestBody=decision)},
        "/annual-reports/{report_id}/pass": {"post": operation(
            "通过 a submitted report", "annual_reports.review", one, parameters=[report_id],
            requestBody=decision)},
        "/annual-reports/{report_id}/return": {"post": operation(
            "退回 a submitted report, or 退回重填 a passed one (reason required)",
            "annual_reports.review", one, parameters=[report_id], requestBody=decision)},
        "/annual-reports/export": {"get": operation(
            "导出公示信息: the year's passed reports of the caller's jurisdiction (.xlsx)",
            "annual_reports.review",
            {"200": {"description": "the workbook", "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {**STRING, "format": "binary"}}}}, **errors("422")},
            parameters=[{"name": "year", "in": "query", "required": True,
                         "schema": {"type": "integer"}}])},
    }


REVOCATION_BODY = {
    "type": "object",
    "required": ["license_id", "ground", "decision_date"],
    "properties": {
        "license_id": {"type": "integer", "minimum": 1,
                       "description": "a valid licence of an agency in the caller's jurisdiction"},
        "ground": {**STRING, "description": "注销原因 code (catalog revocation_grounds); R03 "
                                            "被撤销 leaves the licence 已撤销, R04 被吊销 已吊销, "
                                            "the others 已注销"},
        "decision_date": {**STRING, "format": "date", "description": "决定日期, not in the future, "
                                                                    "not before the licence"},
        "document_number": {**NULLABLE_STRING, "maxLength": 60,
                            "description": "文号; generated from the 注销文号 series if empty"},
        "remarks": {**NULLABLE_STRING, "maxLength": 500, "description": "备注"},
    },
}
REVOCATION = {
    "type": "object",
    "required": ["id", "license_id", "license_number", "agency", "ground", "decision_date",
                 "document_number"],
    "properties": {
        **REVOCATION_BODY["properties"], "id": {"type": "integer"},
        "license_number": STRING, "license_status": RECORD["properties"]["status"],
        "license_status_label": STRING, "agency": {"type": "object", "properties": {
            "id": {"type": "integer"}, "credit_code": STRING, "name": STRING,
            "status": {"enum": ["valid", "deregistered"]}}},
        "division": STRING, "division_name": STRING, "ground_label": STRING,
        "document_number": STRING, "created_by_name": STRING,
        "created_at": {**STRING, "format": "date-time"},
    },
}


def revocation_paths() -> dict[str, Any]:
    """注销单位行政许可: the bureau revokes a licence (and deregisters an agency left empty)."""
    query = [{"name": n, "in": "query", "schema": STRING, "description": d} for n, d in (
        ("name", "机构名称 (part)"), ("credit_code", "统一社会信用代码"),
        ("license_number", "许可证编号"), ("ground", "注销原因 code"),
        ("division", "the agency's district, within the caller's jurisdiction"))]
    query += [{"name": n, "in": "query", "schema": {**STRING, "format": "date"},
               "description": d} for n, d in (("decided_from", "决定日期 from"),
                                              ("decided_to", "决定日期 to"))]
    query += [p for p in PAGING if p["name"] in ("page", "per_page")]
    return {"/revocations": {
        "post": operation("Revoke a licence: the record, the licence's status, the agency "
                          "when nothing valid is left, in one transaction", "revocation.manage",
                          {"201": json_body(ref("Revocation")), **errors("409", "422")},
                          requestBody={"required": True, "content": {
                              "application/json": {"schema": ref("RevocationBody")}}}),
        "get": operation("Revocations in the caller's jurisdiction, the latest decision first",
                         "revocation.manage",
                         {"200": json_body(page_schema(ref("Revocation"))), **errors("422")},
                         parameters=query),
    }}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, Any] = {
        "/cases/{wf}": {
            "post": operation("Create an application for the clerk's agency",
                              "agency.self_service",
                              {"201": json_body(ref("Case")), **errors("409", "422")},
                              parameters=[WF], requestBody={"required": True, "content": {
                                  "application/json": {"schema": ref("CaseBody")}}}),
            "get": operation("List cases in scope, newest first",
                             "{wf}.view / accept / review, or agency.self_service (own)",
                             {"200": json_body(page_schema(ref("Case"))), **errors("422")},
                             parameters=[WF, *PAGING,
                                         *({"name": n, "in": "query", "schema": STRING}
                                           for n in ("name", "credit_code", "case_no")),
                                         {"name": "submitted_from", "in": "query",
                                          "schema": {**STRING, "format": "date"}},
                                         {"name": "submitted_to", "in": "query",
                                          "schema": {**STRING, "format": "date"}}]),
        },
        "/cases/{wf}/{case_id}": {
            "get": operation("One case with its result and timeline",
                             "{wf}.view / accept / review, or agency.self_service (own)",
                             {"200": json_body(ref("Case")), **ERRORS}, parameters=[WF, ID]),
            "put": operation("Edit a draft or returned application", "agency.self_service",
                             {"200": json_body(ref("Case")), **errors("409", "422")},
                             parameters=[WF, ID], requestBody={"required": True, "content": {
                                 "application/json": {"schema": ref("CaseBody")}}}),
        },
        "/cases/{wf}/{case_id}/submit": transition("submit", "提交 / 重新提交", "agency"),
        "/cases/{wf}/{case_id}/accept": transition("accept", "受理", "accept"),
        "/cases/{wf}/{case_id}/return": transition("return", "退回", "accept"),
        "/cases/{wf}/{case_id}/reject": transition("reject", "不通过", "accept"),
        "/cases/{wf}/{case_id}/approve": transition("approve", "准予", "review"),
        "/cases/{wf}/{case_id}/refuse": transition("refuse", "不予", "review"),
        "/licenses": {"get": operation("Licences in the caller's jurisdiction", "licensing.view",
                                       {"200": json_body(page_schema(ref("Record"))),
                                        **errors("422")}, parameters=RECORD_FILTERS)},
        "/filings": {"get": operation("Filings in the caller's jurisdiction", "filing.view",
                                      {"200": json_body(page_schema(ref("Record"))),
                                       **errors("422")}, parameters=RECORD_FILTERS)},
        "/catalog": {"get": operation("Every code with its Chinese label", "any signed-in user",
                                      {"200": json_body(ref("Catalog")), **ERRORS})},
        "/openapi.json": {"get": operation("This document", "public",
                                           {"200": json_body({"type": "object"})})},
        **job_fair_paths(),
        **agency_paths(),
        **annual_report_paths(),
        **statistics_paths(),
        **history_paths(),
        **revocation_paths(),
    }
    codes = {"type": "array", "items": {"type": "object", "properties": {
        "code": STRING, "label": STRING}}}
    error = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": STRING, "message": STRING,
                       "fields": {"type": "object", "additionalProperties": STRING}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "人力资源市场管理系统 API", "version": VERSION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"portal": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"portal": {"type": "http", "scheme": "bearer",
                                           "bearerFormat": "JWT (RS256, typ at+jwt)"}},
            "schemas": {
                "Agency": AGENCY, "CaseBody": CASE_BODY, "Case": CASE, "Record": RECORD,
                "TransitionBody": TRANSITION_BODY, "Error": error,
                "JobFairBody": JOB_FAIR_BODY, "JobFair": JOB_FAIR,
                "RegisteredAgency": REGISTERED_AGENCY,
                "StatisticsTable": STATISTICS_TABLE,
                "ImportBatch": IMPORT_BATCH, "HistoryRecord": HISTORY_RECORD,
                "RevocationBody": REVOCATION_BODY, "Revocation": REVOCATION,
                "Catalog": {"type": "object", "properties": {
                    k: codes for k in ("agency_types", "license_items", "filing_items",
                                       "divisions", "deregistration_grounds",
                                       "revocation_grounds", "job_fair_kinds",
                                       "id_types")}},
            },
            "responses": {
                name: json_body(ref("Error"), text)
                for name, text in (
                    ("Malformed", "400: malformed JSON"),
                    ("Unauthorized", "401: no or bad identity"),
                    ("Forbidden", "403: no permission"),
                    ("NotFound", "404: absent or outside the caller's jurisdiction"),
                    ("Conflict", "409: not in the state the action needs, or stale version"),
                    ("Invalid", "422: invalid input; error.fields names each field"),
                )
            },
        },
    }
