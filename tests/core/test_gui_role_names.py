"""Role names come from the permission module (``core/security/permissions``: ADMIN, PETUGAS,
TKSK, …; a device's from ``core/sync/identity``), never as literals in the GUI (issue 22 item 5)."""

from __future__ import annotations

import ast
from pathlib import Path

import spm_desktop
from spm_desktop.core.domain.groups import ROLES
from spm_desktop.core.security import permissions

ROOT = Path(spm_desktop.__file__).parent
ROLE_NAMES = {"admin", "supervisor", "petugas", "tksk", "viewer", "office"}


def test_the_permission_module_names_every_role():
    assert {permissions.ADMIN, permissions.SUPERVISOR, permissions.PETUGAS, permissions.TKSK,
            permissions.VIEWER} == set(ROLES)
    assert all(role in permissions.PERMISSIONS["report.view"] for role in ROLES)


def test_the_gui_writes_no_role_name_by_hand():
    found = []
    for path in sorted([*(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ROLE_NAMES:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, "name roles through core/security/permissions:\n" + "\n".join(found)
