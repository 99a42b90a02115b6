# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Flatten what entra.pim.pim_activation_info returns into one list of assignments the controls read.

Each item: kind (eligible | active), assignment_type (assigned | activated), role, role_id, principal,
principal_id, principal_type (user | group | servicePrincipal), member_type (direct | group), via_group,
permanent, outside_pim, end, scope, synced (true, false or None when unknown). Tolerant of the camelCase
names Graph uses, so the controls do not break on a renamed key.
"""

from __future__ import annotations

_KEYS = {
    "role": ("role", "role_name", "role_display_name", "roleDisplayName"),
    "role_id": ("role_template_id", "template_id", "role_id", "role_definition_id", "roleDefinitionId"),
    "principal": ("principal", "principal_name", "user_principal_name", "userPrincipalName", "principal_display_name"),
    "principal_id": ("principal_id", "principalId"),
    "principal_type": ("principal_type", "principalType", "principal_kind"),
    "member_type": ("member_type", "memberType"),
    "assignment_type": ("assignment_type", "assignmentType"),
    "via_group": ("via_group", "group", "inherited_from"),
    "permanent": ("permanent", "is_permanent"),
    "outside_pim": ("outside_pim", "created_outside_pim", "outsidePim"),
    "end": ("end", "end_date_time", "endDateTime"),
    "scope": ("scope", "directory_scope_id", "directoryScopeId"),
    "synced": ("synced", "on_premises_synced", "on_premises_sync", "onPremisesSyncEnabled"),
}
_LISTS = {"eligible": "eligible", "eligible_assignments": "eligible", "active": "active",
          "active_assignments": "active", "assignments": None, "instances": None}
_TYPES = {"user": "user", "group": "group", "serviceprincipal": "servicePrincipal", "sp": "servicePrincipal"}


def _first(item, names):
    for name in names:
        if name in item and item[name] is not None:
            return item[name]
    return None


def _one(item, kind):
    out = {key: _first(item, names) for key, names in _KEYS.items()}
    out["kind"] = (item.get("kind") or kind or "active").lower()
    ptype = str(out["principal_type"] or "").rsplit(".", 1)[-1].lower()
    out["principal_type"] = _TYPES.get(ptype) if ptype else None
    member = str(out["member_type"] or "direct").lower()
    out["member_type"] = "direct" if member == "direct" else "group"
    atype = str(out["assignment_type"] or ("assigned" if out["kind"] == "active" else "")).lower()
    out["assignment_type"] = atype or None
    if out["permanent"] is None:
        out["permanent"] = out["end"] is None
    out["permanent"] = bool(out["permanent"])
    out["outside_pim"] = bool(out["outside_pim"])
    if out["synced"] is None and "onPremisesImmutableId" in item:
        out["synced"] = bool(item["onPremisesImmutableId"])
    if out["role_id"]:
        out["role_id"] = str(out["role_id"]).lower()
    return out


def normalise_assignments(data):
    """pim_activation_info's result (or its lists, or already flat items) -> flat list of assignments."""
    if not data:
        return []
    if isinstance(data, dict):
        items = []
        for key, kind in _LISTS.items():
            for item in data.get(key) or []:
                items.append(_one(item, kind))
        return items
    return [_one(item, None) for item in data]


class FilterModule:
    def filters(self):
        return {"pim_assignments_flatten": normalise_assignments}
