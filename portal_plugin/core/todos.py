"""The workbench's registry: counts an officer's role should see, and a clerk's to-do items."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal_plugin.core.identity import Identity


@dataclass(frozen=True)
class Count:
    """One figure on an officer's 工作台: who sees it (a permission), its words, where it leads."""

    key: str
    label: str  # 待查阅的年度报告
    permission: str
    count: Callable[[Identity], int]
    url: Callable[[], str]  # built at request time (url_for)
    warn: bool = False  # shown as a warning mark when not zero (overdue work)
    order: int = 100


@dataclass(frozen=True)
class Todo:
    """One item of a clerk's to-do list: what waits, why, and the link that does it."""

    kind: str  # 退回待修改 / 待领取证书 / 许可证即将到期 / 年度报告待报送
    title: str
    detail: str
    url: str
    link: str  # 修改 / 查看 / 填报


COUNTS: list[Count] = []
TODOS: list[Callable[[Identity], list[Todo]]] = []


def count(provider: Count) -> Count:
    """Register a workbench figure (one line per feature: `todos.count(Count(...))`)."""
    if any(c.key == provider.key for c in COUNTS):
        raise RuntimeError(f"workbench count {provider.key!r} registered twice")
    COUNTS.append(provider)
    return provider


def todo(provider: Callable[[Identity], list[Todo]]) -> Callable[[Identity], list[Todo]]:
    """Register a source of a clerk's to-do items."""
    TODOS.append(provider)
    return provider


def counts_for(identity: Identity) -> list[tuple[Count, int]]:
    """The figures this identity's permissions show, in their order, with their values."""
    return [(c, c.count(identity)) for c in sorted(COUNTS, key=lambda c: c.order)
            if identity.can(c.permission)]


def todos_for(identity: Identity) -> list[Todo]:
    if not identity.is_agency_clerk or not identity.agency_credit_code:
        return []
    return [item for provider in TODOS for item in provider(identity)]
