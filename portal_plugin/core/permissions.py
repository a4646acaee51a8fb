"""The permission catalogue and the default portal 业务角色 (CONTRACT.md, Identity)."""

from __future__ import annotations

from dataclasses import dataclass

WORKFLOWS: dict[str, str] = {
    "licensing": "行政许可",
    "filing": "业务备案",
    "change": "事项变更",
    "branch": "设立分支机构报告",
    "deregistration": "注销",
    "renewal": "行政许可延续",
}

# Per workflow: the label of its acceptance, decision and view functions (the manual's words).
_WORKFLOW_LABELS: dict[str, tuple[str, str, str]] = {
    "licensing": ("行政许可受理", "行政许可审批", "行政许可查看"),
    "filing": ("业务备案受理", "业务备案核查", "业务备案查看"),
    "change": ("事项变更受理", "事项变更审批", "事项变更查看"),
    "branch": ("设立分支机构报告受理", "设立分支机构报告审核", "设立分支机构报告查看"),
    "deregistration": ("注销受理", "注销审批", "注销查看"),
    "renewal": ("行政许可延续受理", "行政许可延续审批", "行政许可延续查看"),
}

PERMISSIONS: dict[str, str] = {
    **{
        f"{wf}.{action}": label
        for wf, labels in _WORKFLOW_LABELS.items()
        for action, label in zip(("accept", "review", "view"), labels, strict=True)
    },
    "agencies.manage": "机构管理",
    "revocation.manage": "注销单位行政许可",
    "annual_reports.review": "年度报告查阅",
    "job_fairs.view": "现场招聘会查阅",
    "statistics.view": "人力资源服务机构统计分析",
    "history.import": "历史数据采集",
    "agency.self_service": "单位端业务办理（本机构）",
    "calendar.manage": "工作日历",
}

AGENCY_PERMISSION = "agency.self_service"
# Any of these lets an officer read a workflow's cases; any of the second set, act on them.
WORKFLOW_READ = tuple(f"{wf}.{step}" for wf in WORKFLOWS for step in ("view", "accept", "review"))
WORKFLOW_ACT = tuple(f"{wf}.{step}" for wf in WORKFLOWS for step in ("accept", "review"))
WORKFLOW_REVIEW = tuple(f"{wf}.review" for wf in WORKFLOWS)


def _all(action: str) -> set[str]:
    return {f"{wf}.{action}" for wf in WORKFLOWS}


@dataclass(frozen=True)
class Role:
    """A portal 业务角色 and the permissions it grants."""

    code: str
    label: str
    permissions: frozenset[str]

    @property
    def is_officer(self) -> bool:
        return bool(self.permissions - {AGENCY_PERMISSION})


DEFAULT_ROLES: dict[str, Role] = {
    role.code: role
    for role in (
        Role("HRM_SL", "受理岗", frozenset(_all("accept") | _all("view") | {"job_fairs.view"})),
        Role("HRM_SH", "审核岗", frozenset(_all("review") | _all("view") | {"job_fairs.view"})),
        Role(
            "HRM_GL",
            "业务管理岗",
            frozenset(
                {
                    "agencies.manage",
                    "revocation.manage",
                    "history.import",
                    "annual_reports.review",
                    "job_fairs.view",
                    "statistics.view",
                    "calendar.manage",
                }
                | _all("view")
            ),
        ),
        Role("HRM_CX", "查询岗", frozenset(_all("view") | {"job_fairs.view", "statistics.view"})),
        Role("HRM_JG", "机构经办人", frozenset({AGENCY_PERMISSION})),
    )
}
