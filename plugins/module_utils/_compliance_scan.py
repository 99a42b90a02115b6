# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything a compliance scan reads from one tenant, in one module process (issue 15).

The scan used to be four module processes per tenant (``pim_activation_info``, then ``pim_azure_scope_info``,
``pim_azure_role_setting_info`` and ``pim_azure_activation_info``) and eleven tasks. Each module process pays
Python's start, Ansible's module base, msgraph-sdk's and azure-identity's imports and a sign-in before its first
request: most of a tenant's CPU. Here the same readers run in one process, with one Graph session and one
Resource Manager session, and the result goes back to ``plugins/action/pim_compliance_scan.py``, which evaluates
it in the worker and returns only the report.

Private to the collection (leading underscore): may change in any release.
"""

from __future__ import annotations

from ._activation_backend import ActivityReader
from ._auth import AuthError
from ._client import GraphCallError
from ._group_membership import complete_activity
from ._inert import printable
from ._resolve import ResolveError
from ._role_settings import RoleSettingsError

AZURE_MODES = ("auto", "true", "false")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def azure_mode(value):
    """``auto`` / ``true`` / ``false`` from what a user or an inventory writes (a YAML boolean, ``yes``, ``On``...);
    None when it is none of them."""
    text = str(value if value is not None else "auto").strip().lower()
    if text in _TRUE:
        return "true"
    if text in _FALSE:
        return "false"
    return text if text in AZURE_MODES else None


def failure_text(error, action):
    """The message a module would have failed with for ``error``: the Azure part of a scan in ``auto`` mode
    keeps it as the reason its controls could not be checked."""
    if isinstance(error, GraphCallError):
        return error.describe(action)
    return f"{action} failed: {error}"


def chosen_subscriptions(subscriptions, wanted):
    """The discovered subscriptions to scan, as ``[{id, name}]``: all of them, or those whose ARM id, subscription
    id or display name (any case) is in ``wanted``."""
    wanted = {str(w).strip().lower() for w in wanted or [] if str(w).strip()}
    out = []
    for sub in subscriptions:
        keys = {str(sub.get(k) or "").lower() for k in ("id", "subscription_id", "display_name")}
        if not wanted or keys & wanted:
            out.append({"id": sub["id"], "name": sub.get("display_name") or sub["id"]})
    return out


def read_directory(module, row_roles, group_memberships, access_reviews):
    """The directory-role part: what ``pim_activation_info`` returns with ``role_settings``, ``include_sync_status``,
    ``row_roles``, ``group_memberships`` and ``access_reviews`` (and no pending requests), read the same way: the
    settings ride in the assignments' ``$batch`` rounds."""
    reader = ActivityReader(module.graph())
    try:
        result, warnings = reader.read(None, None, None, False, None, True, settings_refs=[],
                                       access_reviews=access_reviews)
    except (ResolveError, RoleSettingsError) as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Reading PIM assignments and activations")
    return complete_activity(module, reader.graph, result, warnings, row_roles, group_memberships, True)


def read_azure(module, mode, subscriptions, roles, arm_sdk):
    """The Azure part: the subscriptions the app sees (and the management groups above them), then for the chosen
    ones the privileged roles' policies and their eligible and active assignments, one list per scope each.

    ``mode`` ``true`` fails the module when Resource Manager cannot be read; ``auto`` keeps why as ``reason`` (the
    Azure controls then say they could not be checked). A failed settings or assignments read is kept in ``errors``
    (those controls fail, saying why), as the role's ``ignore_errors`` did when these were three modules.
    ``arm_sdk`` is ``(installed, import error)``. Returns the raw parts ``pim_compliance_azure_scan`` gathers."""
    out = {"scanned": True, "reason": None, "subscriptions": [], "management_groups": [], "errors": [],
           "policies": [], "eligible": [], "active": []}

    def unavailable(reason):
        if mode == "true":
            module.fail(reason)
        # The reason goes into every report format and the job log: quoted names and Graph's text stay inert.
        out.update(scanned=False, reason=printable(reason))
        return out

    if not arm_sdk[0]:
        return unavailable(f"the Azure part needs the azure-mgmt-authorization Python library ({arm_sdk[1]})")
    # Imported here: a scan with the Azure part off never loads the Resource Manager SDK.
    from ._arm_scopes import ScopeError, ScopeResolver  # pylint: disable=import-outside-toplevel

    try:
        arm = module.arm()
        resolver = ScopeResolver(arm, module.default_subscription)
        discovered = resolver.discover(resource_groups=False, management_groups=True)
    except ScopeError as exc:
        return unavailable(str(exc))
    except (GraphCallError, AuthError) as exc:
        return unavailable(failure_text(exc, "Listing the Azure scopes"))
    for warning in discovered.pop("warnings"):
        module.warn(warning)
    out["management_groups"] = discovered["management_groups"]
    out["subscriptions"] = chosen_subscriptions(discovered["subscriptions"], subscriptions)
    if not out["subscriptions"]:
        return out
    refs = [s["id"] for s in out["subscriptions"]]
    try:
        out["policies"] = _azure_settings(module, arm, resolver, refs, roles)
    except (ScopeError, GraphCallError, AuthError) as exc:
        out["errors"].append({"scope": None, "msg": failure_text(exc, "Reading the PIM settings of the Azure roles")})
    try:
        rows, warnings = _azure_assignments(arm, resolver, refs, roles)
        out.update(rows)
        for warning in warnings:
            module.warn(warning)
    except (ScopeError, GraphCallError, AuthError) as exc:
        out["errors"].append({"scope": None, "msg": failure_text(
            exc, "Reading Azure resource role assignments and activations")})
    return out


def _azure_settings(module, arm, resolver, refs, roles):
    """``pim_azure_role_setting_info``'s ``policies`` for ``roles`` at every scope of ``refs``."""
    from ._arm_role_settings import policy_entries, read_targets  # pylint: disable=import-outside-toplevel

    group_pairs, _scopes = read_targets(arm, resolver, [{"roles": list(roles), "scope": ref} for ref in refs])
    return policy_entries(module.graph(), [pair for pairs in group_pairs for pair in pairs], module.warn)


def _azure_assignments(arm, resolver, refs, roles):
    """``pim_azure_activation_info``'s ``eligible`` and ``active`` rows of ``roles`` at every scope of ``refs``."""
    # pylint: disable=import-outside-toplevel
    from ._arm_activation_backend import AzureActivityReader
    from ._arm_scopes import role_guid

    found = resolver.scopes(refs)
    scopes = list({s["id"].lower(): s for s in (found[r] for r in refs)}.values())
    role_ids = [role_guid(d.get("name") or d["id"]) for d in resolver.roles(scopes[0], list(roles)).values()] \
        if roles else None
    result, warnings = AzureActivityReader(arm, resolver).read([s["id"] for s in scopes], role_ids, None, False, False)
    return {"eligible": result["eligible"], "active": result["active"]}, warnings
