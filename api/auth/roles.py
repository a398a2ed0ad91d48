"""Roles and what each may do."""

from __future__ import annotations

from enum import StrEnum
from typing import get_args

from store.records import Role

ROLES: tuple[Role, ...] = get_args(Role)
ROLE_LABELS: dict[str, str] = {"reviewer": "심사역", "maintainer": "관리자", "api": "API 연동"}


class Permission(StrEnum):
    CLASSIFY = "classify"
    READ_CATALOG = "read_catalog"
    SAVE_DECISION = "save_decision"
    READ_DECISIONS = "read_decisions"
    WITHDRAW_DECISION = "withdraw_decision"
    ADMIN = "admin"


GRANTS: dict[str, frozenset[Permission]] = {
    "api": frozenset({Permission.CLASSIFY, Permission.READ_CATALOG}),
    "reviewer": frozenset(
        {Permission.CLASSIFY, Permission.READ_CATALOG, Permission.SAVE_DECISION, Permission.READ_DECISIONS}
    ),
    "maintainer": frozenset(Permission),
}


def allows(role: str, permission: Permission) -> bool:
    return permission in GRANTS.get(role, frozenset())
