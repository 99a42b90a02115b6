# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Resource Manager side of the Azure role settings modules: read a scope's policies, write rules.

Private to the collection (leading underscore): may change in any release.

pim_azure_role_setting(_info) share everything else with pim_role_setting: the settings vocabulary and
planning (``_policy``, through the Graph-shaped rules ``_arm_policy`` translates), the merge of several groups,
the result shape and the failure reports (``_settings_module.apply_settings``, ``AZURE_SETTINGS`` below).

Reads are in bulk per scope: ARM keeps one policy per role per scope and lists them per scope, so a scope costs
its policy assignments (role -> policy) and its policies (the rules), one paged list each, plus its role
definitions (names), whatever the number of roles; never one read per role. Writes are one PATCH per changed
policy carrying only the changed rules (ARM has no ``$batch``).
"""

from __future__ import annotations

from ._arm_policy import azure_target, error_identity, identity, pair_roles, patch_body, policies_by_role
from ._arm_scopes import ScopeError, parse_scope
from ._client import GraphCallError
from ._policy import rules_to_settings, settings_argument_spec
from ._role_settings import SettingsShape, approver_names, wants_all


def _entry_problems(refs, group):
    """What is wrong with an entry's scope that needs no read to find (its syntax)."""
    scope = group.get("scope")
    if scope is None or not str(scope).strip():
        return []  # the default subscription; whether there is one is checked with the module's options
    try:
        parse_scope(scope)
    except ScopeError as exc:
        return [str(exc)]
    return []


AZURE_SETTINGS = SettingsShape(
    list_option="role_settings", targets_option="roles",
    targets_hint="role (name, GUID or role definition id), or 'all'",
    result_key="policies", labels_key="groups", summary_key="groups", summary_targets_key="policies",
    noun="Azure role policy", identity=identity, error_identity=error_identity,
    entry_problems=_entry_problems, entry_keys=("scope",))


def role_settings_argument_spec():
    """``role_settings``: a list of ``{name, roles, scope, <settings>}`` (pim_role_setting's, with a scope)."""
    options = {"name": {"type": "str"}, "roles": {"type": "list", "elements": "str", "required": True},
               "scope": {"type": "str"}}
    options.update(settings_argument_spec())
    return {"role_settings": {"type": "list", "elements": "dict", "options": options}}


def read_scope_policies(arm, scope_ids):
    """{scope id (lower case): {role GUID: {"policy_id", "rules", "scope"}}} for every scope, two paged lists
    per scope (policy assignments, policies)."""
    out = {}
    for scope_id in dict.fromkeys(scope_ids):
        key = scope_id.lower()
        if key in out:
            continue
        assignments = arm.list_policy_assignments(scope_id)
        policies = arm.list_policies(scope_id)
        out[key] = policies_by_role(assignments, policies)
    return out


def read_targets(arm, resolver, groups):
    """Each group's ``[(target, policy)]``, its scopes resolved (so checked to exist) and its roles matched at
    the scope. Raises ``ScopeError`` naming every unknown scope or role (and a role named explicitly that has no
    policy at its scope) before anything is written.

    Returns ``(group_pairs, scopes)``: each group's pairs and each group's resolved scope."""
    scopes = resolver.scopes([g.get("scope") for g in groups])
    scope_of = [scopes["" if g.get("scope") is None else str(g.get("scope"))] for g in groups]
    policies = read_scope_policies(arm, [s["id"] for s in scope_of])
    group_pairs, problems = [], []
    for group, scope in zip(groups, scope_of, strict=True):
        refs = [r for r in group.get("roles") or [] if str(r).strip()]
        held = policies[scope["id"].lower()]
        definitions = resolver.role_definitions(scope["id"])
        if wants_all(refs):
            guids = set(held)
            roles = sorted((d for d in definitions if str(d.get("name") or "").lower() in guids),
                           key=lambda d: str(d.get("roleName") or "").lower())
        else:
            try:
                found = resolver.roles(scope, refs)
            except ScopeError as exc:
                problems.append(str(exc))
                continue
            roles = list({d["name"]: d for d in (found[r] for r in refs)}.values())
        pairs, missing = pair_roles(roles, scope, held)
        if missing and not wants_all(refs):
            problems.append("no PIM policy found for " + ", ".join(repr(m) for m in missing))
        group_pairs.append(pairs)
    if problems:
        raise ScopeError("; ".join(problems))
    return group_pairs, scope_of


def reread_policies(arm, scope_ids):
    """The policies of ``scope_ids`` read again, in ``settle_unknown``'s shape ({key: {"policy_id", "rules"}})."""
    out = {}
    for key, by_role in read_scope_policies(arm, scope_ids).items():
        for guid, policy in by_role.items():
            out[f"{key}/{guid}"] = policy
    return out


def write_policies(arm, changes):
    """PATCH the changed rules of each policy, one request per policy; ``[(change, ArmCallError | None)]``.

    Nothing raises: an exception while sending (``WriteOutcomeUnknown`` included) becomes the change's error,
    for ``settle_unknown`` to decide by re-reading."""
    out = []
    for change in changes:
        try:
            arm.patch_policy(change["policy_id"], patch_body(change["bodies"])["properties"]["rules"])
            out.append((change, None))
        except GraphCallError as err:
            out.append((change, err))
        except Exception as exc:  # noqa: BLE001 - reported per policy by the module, or settled by a re-read
            out.append((change, GraphCallError(0, type(exc).__name__, str(exc) or repr(exc), method="PATCH",
                                               path=change["policy_id"])))
    return out


__all__ = ["AZURE_SETTINGS", "azure_target", "read_scope_policies", "read_targets", "reread_policies",
           "role_settings_argument_spec", "write_policies"]


def policy_entries(graph, pairs, warn):
    """``pim_azure_role_setting_info``'s ``policies``: each ``(target, policy)`` pair as its role, scope, policy id
    and settings, the approvers named through Graph in one ``getByIds``. An app without Graph rights (401/403) keeps
    them as ``user:<id>`` / ``group:<id>`` and ``warn`` says so; any other Graph error is raised."""
    try:
        names = approver_names(graph, pairs)
    except GraphCallError as err:
        if err.status not in (401, 403):
            raise
        # A scan with Resource Manager rights only: approvers stay addressable as user:<id> / group:<id>.
        warn(f"the approvers' names were not read from Microsoft Graph ({err.code}); they are given as "
             "user:<id> or group:<id>")
        names = {}
    return [dict(identity(target), policy_id=policy["policy_id"], settings=rules_to_settings(policy["rules"], names))
            for target, policy in pairs]
