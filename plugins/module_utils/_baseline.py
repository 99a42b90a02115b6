# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardening baseline as data: which role falls in which tier, and what each tier's settings are.

Private to the collection (leading underscore): may change in any release.

One definition serves three callers: ``entra.pim.pim_role_setting``'s ``baseline`` option plans the tiers in
the same process that reads the roles and writes their policies (what ``roles/baseline`` uses: one module
process, one read); the filters of ``plugins/filter/pim_baseline.py`` expose the same functions to playbooks;
and ``roles/compliance`` compares a tenant's settings against the very same groups. Lives in module_utils
because a module cannot import a filter plugin, while a filter can import module_utils. Pure Python, no I/O:
unit-tested in tests/unit/plugins/filter/test_pim_baseline.py and tests/unit/plugins/module_utils/test_baseline.py.
"""

from __future__ import annotations

import re

from ._schedule import ScheduleError, parse_duration


class BaselineError(ValueError):
    """An option of the baseline the plan cannot work with (the filters raise it as AnsibleFilterError)."""


GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814"

# CISA SCuBA MS.AAD.7 "highly privileged roles" (8) plus CIS M365 v7 5.3.3's Teams and Security
# Administrator: 10 roles (reference A.1). Template ids are the same in every tenant.
CISA_ROLES = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    PRIVILEGED_ROLE_ADMINISTRATOR: "Privileged Role Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
}
CIS_ROLES = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    PRIVILEGED_ROLE_ADMINISTRATOR: "Privileged Role Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
}
HIGHLY_PRIVILEGED = {**CISA_ROLES, **CIS_ROLES}
# Built-in roles Microsoft flags isPrivileged (roleDefinition.isPrivileged, preview; reference A.1 / D3),
# for scope "privileged". Kept here rather than read from beta Graph so the scan stays on v1.0.
PRIVILEGED = {
    "db506228-d27e-4b7d-95e5-295956d6615f": "Agent ID Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "cf1c38e5-3621-4004-a7cb-879624dced7c": "Application Developer",
    "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe": "Attribute Provisioning Administrator",
    "422218e4-db15-4ef9-bbe0-8afb41546d79": "Attribute Provisioning Reader",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
    "25a516ed-2fa0-40ea-a2d0-12923a21473a": "Authentication Extensibility Administrator",
    "aaf43236-0c0d-4d5f-883a-6955382ac081": "B2C IEF Keyset Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
    "9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
    "8329153b-31d0-4727-b945-745eb3bc5f31": "Domain Name Administrator",
    "be2f45a1-457d-42af-a067-6ec1fa63bc45": "External Identity Provider Administrator",
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
    "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
    "59d46f88-662b-457b-bceb-5c3809e5908f": "Lifecycle Workflows Administrator",
    "4ba39ca4-527c-499a-b93d-d9b492c50246": "Partner Tier1 Support",
    "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8": "Partner Tier2 Support",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f": "Security Operator",
    "5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}

DEFAULTS = {
    "scope": "highly_privileged",          # or "privileged": every role Microsoft flags isPrivileged
    "highly_privileged_roles": list(HIGHLY_PRIVILEGED),
    "privileged_roles": list(PRIVILEGED),  # template ids used by scope=privileged
    "tier0_roles": [GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR],
    "tier0_approvers": [],
    "tier0_max_activation": "PT1H",
    "tier1_max_activation": "PT4H",
    "other_roles": True,
    "other_max_activation": "PT8H",
    "eligible_max_duration": "P365D",
    "active_max_duration": "P180D",
    "authentication_context": "",
    "alert_mailbox": [],                   # assignment alerts (MS.AAD.7.7) and GA activation (7.8)
    "activation_alert_mailbox": [],        # activation of the other highly privileged roles (7.9)
}


def _as_list(value):
    if value is None or value == "":
        return []
    return [value] if isinstance(value, str) else list(value)


def baseline_config(config=None):
    """Defaults merged with the caller's options; fails on what the baseline cannot work without."""
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in (config or {}).items() if v is not None})
    for key in ("tier0_approvers", "alert_mailbox", "activation_alert_mailbox", "highly_privileged_roles",
                "tier0_roles", "privileged_roles"):
        merged[key] = _as_list(merged[key])
    if merged["scope"] not in ("highly_privileged", "privileged"):
        raise BaselineError(f"baseline scope must be highly_privileged or privileged, not {merged['scope']!r}")
    return merged


def _role_index(roles):
    """Id and template id (any case) -> role, exact name -> role, name in lower case -> [roles] of
    pim_role_setting_info's entries. A custom role may carry a built-in's name in another case."""
    ids, names, folded = {}, {}, {}
    for role in roles or []:
        for key in (role.get("template_id"), role.get("id")):
            if key:
                ids.setdefault(str(key).lower(), role)
        if role.get("role"):
            names.setdefault(str(role["role"]), role)
            folded.setdefault(str(role["role"]).lower(), []).append(role)
    return ids, names, folded


def _pick(index, refs):
    """The roles refs name: by id, by exact name, else by name ignoring case when that finds one role."""
    ids, names, folded = index
    out = []
    for ref in refs:
        role = ids.get(str(ref).lower()) or names.get(str(ref))
        if role is None:
            candidates = folded.get(str(ref).lower(), [])
            if len(candidates) > 1:
                raise BaselineError(
                    f"baseline role {ref!r} matches {' and '.join(repr(c.get('role')) for c in candidates)} in "
                    "another case; give the exact name or the template id")
            role = candidates[0] if candidates else None
        if role is not None and role not in out:
            out.append(role)
    return out


def _activation(cfg, max_duration):
    activation = {"max_duration": max_duration, "require_justification": True}
    if cfg["authentication_context"]:
        # PIM takes MFA or an authentication context, not both (D5): the context replaces plain MFA.
        activation.update(require_mfa=False,
                          authentication_context={"enabled": True, "claim_value": cfg["authentication_context"]})
    else:
        activation.update(require_mfa=True, authentication_context={"enabled": False})
    return activation


def _hardened(cfg, max_duration, activation_recipients):
    """Settings shared by tier 0 and tier 1 (CISA MS.AAD.7.4, 7.7-7.9; PIM deployment plan)."""
    notifications = {}
    if cfg["alert_mailbox"]:
        notifications["eligible_assignment"] = {"admin": {"recipients": cfg["alert_mailbox"]}}
        notifications["active_assignment"] = {"admin": {"recipients": cfg["alert_mailbox"]}}
    if activation_recipients:
        notifications["activation"] = {"admin": {"recipients": activation_recipients}}
    settings = {
        "activation": _activation(cfg, max_duration),
        "eligible_assignment": {"allow_permanent": False, "max_duration": cfg["eligible_max_duration"]},
        "active_assignment": {"allow_permanent": False, "max_duration": cfg["active_max_duration"]},
    }
    if notifications:
        settings["notifications"] = notifications
    return settings


def baseline_plan(roles, config=None):
    """pim_role_setting_info ``roles`` + options -> [{tier, roles: [{id, role}], settings}].

    Roles with identical settings share one group (one entry of pim_role_setting's ``role_settings``). Global
    Administrator gets its own group because its activation alert goes to the 7.8 mailbox while the other
    highly privileged roles' go to the 7.9 one (CISA asks for different mailboxes).
    """
    cfg = baseline_config(config)
    index = _role_index(roles)
    tier0 = _pick(index, cfg["tier0_roles"])
    taken = {r["id"] for r in tier0}
    tier1_refs = cfg["highly_privileged_roles"] + (cfg["privileged_roles"] if cfg["scope"] == "privileged" else [])
    tier1 = [r for r in _pick(index, tier1_refs) if r["id"] not in taken]
    taken |= {r["id"] for r in tier1}
    groups = []

    def add(tier, members, settings):
        if members:
            groups.append({"tier": tier, "roles": [{"id": r["id"], "role": r.get("role")} for r in members],
                           "settings": settings})

    approval = {"require_approval": True, "approvers": cfg["tier0_approvers"]}
    ga = [r for r in tier0 if r.get("template_id", r["id"]) == GLOBAL_ADMINISTRATOR]
    rest0 = [r for r in tier0 if r not in ga]
    for members, recipients in ((ga, cfg["alert_mailbox"]), (rest0, cfg["activation_alert_mailbox"])):
        settings = _hardened(cfg, cfg["tier0_max_activation"], recipients)
        settings["activation"].update(approval)  # CISA 7.6, CIS 5.3.4 / 5.3.5
        add("tier0", members, settings)
    add("tier1", tier1, _hardened(cfg, cfg["tier1_max_activation"], cfg["activation_alert_mailbox"]))
    if cfg["other_roles"]:
        others = sorted((r for r in {r["id"]: r for r in (roles or [])}.values() if r["id"] not in taken),
                        key=lambda r: (r.get("role") or "", r["id"]))
        add("other", others, {"activation": _activation(cfg, cfg["other_max_activation"])})
    return groups


def _group_selection(selection):
    """``baseline_pim_groups``: false (off), true (every group holding a hardened role) or a list of groups (names
    or object ids) -> None (off), True or the list."""
    if selection is None or selection is False or selection == "" or selection == []:
        return None
    if selection is True:
        return True
    if isinstance(selection, str):
        if selection.strip().lower() in ("true", "yes", "on", "1"):
            return True
        if selection.strip().lower() in ("false", "no", "off", "0"):
            return None
        return [selection]
    if isinstance(selection, (list, tuple)):
        return [str(s) for s in selection if str(s).strip()] or None
    raise BaselineError(f"baseline_pim_groups must be true, false or a list of groups, not {selection!r}")


def baseline_group_plan(rows, tiers, selection, config=None):
    """The opt-in PIM for Groups tier: which role-assignable groups holding hardened roles get which settings.

    ``rows``: ``pim_activation_info`` eligible and active rows of the hardened roles; ``tiers``: ``baseline_plan``'s
    groups (``pim_role_setting``'s ``baseline_groups``); ``selection``: ``baseline_pim_groups``. A group holding a
    role (eligible or active) passes it to its members, so its membership gets the settings of the strictest tier
    it holds: tier 0 (a group holding Global Administrator or another tier 0 role) activates with approval by the
    tier 0 approvers and the tier 0 maximum; tier 1 with MFA (or the authentication context) and justification.
    Either way membership may not be permanent (eligible and active membership expire), and the alerts go where
    the roles' go. Listed groups that hold no hardened role get tier 1.

    -> ``pim_group_setting``'s ``group_settings`` entries (``name`` tier0 / tier1, ``groups`` as object ids, or as
    given for a listed group not seen holding a role; ``access: [member]``), tier 0 first; [] when off.
    """
    chosen = _group_selection(selection)
    if chosen is None:
        return []
    cfg = baseline_config(config)
    tier_of_role = {}
    for tier in tiers or []:
        for role in tier.get("roles") or []:
            if tier.get("tier") in ("tier0", "tier1"):
                rid = str(role.get("id") or "").lower()
                tier_of_role[rid] = "tier0" if tier_of_role.get(rid) == "tier0" else tier["tier"]
    holders = {}  # group id -> (name, tier)
    for row in rows or []:
        if row.get("principal_type") != "group" or str(row.get("member_type") or "direct") != "direct":
            continue
        role_tier = tier_of_role.get(str(row.get("role_id") or "").lower()) or \
            tier_of_role.get(str(row.get("role_template_id") or "").lower())
        if role_tier is None:
            continue
        gid = str(row.get("principal_id") or "").lower()
        name, had = holders.get(gid, (row.get("principal"), None))
        holders[gid] = (name, "tier0" if "tier0" in (had, role_tier) else "tier1")
    if chosen is True:
        picked = [(gid, t) for gid, (_n, t) in holders.items()]
    else:
        by_name = {str(n).lower(): gid for gid, (n, _t) in holders.items() if n}
        picked = []
        for ref in chosen:
            gid = str(ref).lower() if str(ref).lower() in holders else by_name.get(str(ref).lower())
            picked.append((gid, holders[gid][1]) if gid else (ref, "tier1"))
    out = []
    approval = {"require_approval": True, "approvers": cfg["tier0_approvers"]}
    for tier, maximum, recipients in (("tier0", cfg["tier0_max_activation"], cfg["alert_mailbox"]),
                                      ("tier1", cfg["tier1_max_activation"], cfg["activation_alert_mailbox"])):
        groups = list(dict.fromkeys(g for g, t in picked if t == tier))
        if groups:
            settings = _hardened(cfg, maximum, recipients)
            if tier == "tier0":
                settings["activation"].update(approval)
            out.append(dict(settings, name=tier, groups=groups, access=["member"]))
    return out


def baseline_problems(config=None):
    """What a baseline run needs before it may write anything; an empty list when all is given."""
    cfg = baseline_config(config)
    problems = []
    if not cfg["tier0_approvers"]:
        problems.append("baseline_tier0_approvers is empty: Global Administrator and Privileged Role "
                        "Administrator activation needs named approvers (CISA MS.AAD.7.6, CIS 5.3.4/5.3.5)")
    if not cfg["alert_mailbox"]:
        problems.append("baseline_alert_mailbox is empty: assignment and Global Administrator activation "
                        "alerts need a recipient (CISA MS.AAD.7.7, 7.8)")
    if not cfg["activation_alert_mailbox"]:
        problems.append("baseline_activation_alert_mailbox is empty: activation alerts of the other highly "
                        "privileged roles need a recipient (CISA MS.AAD.7.9)")
    return problems


def _duration_ok(expected, actual):
    """A shorter maximum than the baseline asks for is stricter, so it complies."""
    try:
        return actual is not None and parse_duration(actual) <= parse_duration(expected)
    except ScheduleError:
        return False


def compare_settings(expected, actual, path=""):
    """Where ``actual`` falls short of ``expected`` (both in pim_role_setting's shape) ->
    [(setting path, expected, actual)]. Durations may be shorter, recipient and approver lists may hold
    more than asked (compared case-insensitively), everything else must be equal."""
    out = []
    for key, want in expected.items():
        where = f"{path}.{key}" if path else key
        have = actual.get(key) if isinstance(actual, dict) else None
        if isinstance(want, dict):
            out += compare_settings(want, have if isinstance(have, dict) else {}, where)
        elif isinstance(want, list):
            missing = {str(w).lower() for w in want} - {str(h).lower() for h in have or []}
            if missing:
                out.append((where, want, have))
        elif key == "max_duration":
            if not _duration_ok(want, have):
                out.append((where, want, have))
        elif want != have:
            out.append((where, want, have))
    return out


def _merge(base, over):
    """``over`` on top of ``base``, dicts merged key by key and anything else replaced: what Ansible's
    ``combine(recursive=True)`` does. Returns new dicts, so the tiers' settings are never changed."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _given(entry, key):
    """An entry's value for key, None when absent or null (a null id names no role, not the text "None")."""
    return entry.get(key) if isinstance(entry, dict) else None


def _explicit_role_id(entry, index):
    """The tenant role id a ``baseline_role_settings`` entry is for: its ``id`` (else its ``role`` name) found
    as the tiers find their roles (id or template id in any case, then the exact name, then the name in another
    case when only one role has it), so a custom role named like a built-in in another case never takes the
    built-in's settings. Unmatched, the reference as given: pim_role_setting then names it as unknown before
    anything is written."""
    ref = _given(entry, "id")
    if ref is None:
        ref = _given(entry, "role")
    if ref is None:
        raise BaselineError(f"baseline_role_settings entry {entry!r} has neither an id nor a role name")
    found = _pick(index, [ref])
    return found[0]["id"] if found else ref


def baseline_role_settings(groups, role_settings=None, roles=None):
    """pim_baseline_plan's groups + the role's ``baseline_role_settings`` -> pim_role_setting ``role_settings``.

    A role with explicit settings leaves its tier's group and gets a group of its own: its tier's settings,
    then each of its entries merged on top in the order given (what applying the tiers and then the explicit
    settings would leave behind). Tier groups left without roles are dropped. ``roles`` are
    pim_role_setting_info's, to find the role an entry's id or name means.
    """
    entries = list(role_settings or [])
    index = _role_index(roles)
    explicit = [_explicit_role_id(entry, index) for entry in entries]
    out = []
    for group in groups or []:
        ids = [r["id"] for r in group["roles"] if r["id"] not in explicit]
        if ids:
            out.append(dict(group["settings"], name=group["tier"], roles=ids))
    for role_id in dict.fromkeys(explicit):  # each role once, in the order first named
        settings, name = {}, role_id
        for group in groups or []:
            if role_id in [r["id"] for r in group["roles"]]:
                settings = group["settings"]
        for entry, entry_id in zip(entries, explicit, strict=True):
            if entry_id == role_id:
                settings = _merge(settings, _given(entry, "settings") or {})
                if _given(entry, "role") is not None:
                    name = entry["role"]
        out.append(dict(settings, name=f"baseline_role_settings: {name}", roles=[role_id]))
    return out


def tenant_roles(pairs):
    """(role definition, policy) pairs as read by ``pair_roles_with_policies`` -> the ``{role, id, template_id}``
    entries ``baseline_plan`` takes: what pim_role_setting_info returns as ``roles``, without the settings."""
    return [{"role": role.get("displayName"), "id": role.get("id"), "template_id": role.get("templateId")}
            for role, _policy in pairs]


def plan_from_roles(roles, options):
    """pim_role_setting's ``baseline`` option -> (tier groups, pim_role_setting ``role_settings``).

    ``options`` holds the keys of ``DEFAULTS`` and ``role_settings`` (the explicit per-role entries); the
    same two steps as the filters ``pim_baseline_plan`` then ``pim_baseline_role_settings``."""
    options = dict(options or {})
    explicit = options.pop("role_settings", None) or []
    groups = baseline_plan(roles, options)
    return groups, baseline_role_settings(groups, explicit, roles)


def approver_refs(options):
    """The approvers a baseline names (tier 0's and those of explicit per-role settings), to look them up early."""
    options = options or {}
    refs = _as_list(options.get("tier0_approvers"))
    for entry in options.get("role_settings") or []:
        settings = _given(entry, "settings")
        activation = settings.get("activation") if isinstance(settings, dict) else None
        if isinstance(activation, dict):
            refs += _as_list(activation.get("approvers"))
    return list(dict.fromkeys(str(r) for r in refs))


def baseline_argument_spec():
    """pim_role_setting's ``baseline`` option: the filters' options, null meaning the default."""
    text = {"type": "str"}
    names = {"type": "list", "elements": "str"}
    options = {
        "scope": {"type": "str", "choices": ["highly_privileged", "privileged"]},
        "highly_privileged_roles": names,
        "privileged_roles": names,
        "tier0_roles": names,
        "tier0_approvers": names,
        "tier0_max_activation": text,
        "tier1_max_activation": text,
        "other_roles": {"type": "bool"},
        "other_max_activation": text,
        "eligible_max_duration": text,
        "active_max_duration": text,
        "authentication_context": text,
        "alert_mailbox": names,
        "activation_alert_mailbox": names,
        "role_settings": {"type": "list", "elements": "dict"},
    }
    return {"baseline": {"type": "dict", "options": options}}


# -- Azure resource roles (issue 11) ---------------------------------------------------------------------------
# Built-in Azure roles that can grant access to others, with the ids Azure gives them in every tenant
# (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged). Owner and User Access
# Administrator can assign any role; Role Based Access Control Administrator can too, unless a condition limits it.
AZURE_OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
AZURE_USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
AZURE_RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
AZURE_PRIVILEGED_ROLES = {
    AZURE_OWNER: "Owner",
    AZURE_USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
    AZURE_RBAC_ADMINISTRATOR: "Role Based Access Control Administrator",
}
# Activation needs approval for these (the baseline; MCSB PA-2 asks for an approval workflow on JIT access).
AZURE_APPROVAL_ROLES = [AZURE_OWNER, AZURE_USER_ACCESS_ADMINISTRATOR]

AZURE_DEFAULTS = {
    "azure_roles": list(AZURE_PRIVILEGED_ROLES),
    "azure_approval_roles": list(AZURE_APPROVAL_ROLES),
    # Empty: tier 0's approvers (tier0_approvers) approve Azure activations too.
    "azure_approvers": [],
    "azure_max_activation": "PT4H",
}


_GUID_OR_ID = re.compile(r"(?i)^(?:.*/roledefinitions/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def azure_role_id(value):
    """A role definition reference as a lower-case GUID: the last segment of a full role definition id
    (``{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}``), else the value as given."""
    text = str(value or "").strip().rstrip("/")
    return text.rsplit("/", 1)[-1].lower() if "/roledefinitions/" in text.lower() else text.lower()


def azure_config(config=None):
    """baseline_config plus the Azure keys (``azure_*``), lists as lists."""
    merged = dict(AZURE_DEFAULTS)
    merged.update({k: v for k, v in (config or {}).items() if k in AZURE_DEFAULTS and v is not None})
    cfg = baseline_config({k: v for k, v in (config or {}).items() if k not in AZURE_DEFAULTS})
    for key in ("azure_roles", "azure_approval_roles", "azure_approvers"):
        merged[key] = _as_list(merged[key])
    cfg.update(merged)
    return cfg


def azure_baseline_settings(config=None):
    """The Azure part of the baseline -> [{name, roles, settings}] (roles as GUIDs), approval roles first.

    Every privileged Azure role (Owner, User Access Administrator, Role Based Access Control Administrator by
    default): activation with MFA (or the authentication context) and justification, at most
    ``azure_max_activation``; eligible and active assignments that expire (``eligible_max_duration``,
    ``active_max_duration``); the assignment and activation alerts of tier 0. Owner and User Access Administrator
    also need approval by ``azure_approvers`` (else ``tier0_approvers``). Role names (not GUIDs) given in
    ``azure_roles`` are kept as given: pim_azure_role_setting resolves them at each scope."""
    cfg = azure_config(config)
    # GUIDs and full ids as GUIDs; names as given (pim_azure_role_setting resolves them), compared ignoring case.
    roles = list(dict.fromkeys(azure_role_id(r) if _GUID_OR_ID.match(str(r).strip()) else str(r).strip()
                               for r in cfg["azure_roles"]))
    approval = {azure_role_id(r) for r in cfg["azure_approval_roles"]}
    approvers = cfg["azure_approvers"] or cfg["tier0_approvers"]
    groups = []
    with_approval = [r for r in roles if r.lower() in approval]
    without = [r for r in roles if r.lower() not in approval]
    if with_approval:
        settings = _hardened(cfg, cfg["azure_max_activation"], cfg["alert_mailbox"])
        settings["activation"].update(require_approval=True, approvers=approvers)
        groups.append({"name": "azure_approval", "roles": with_approval, "settings": settings})
    if without:
        # No require_approval: false here, so a tenant that asks approval for more roles keeps it.
        settings = _hardened(cfg, cfg["azure_max_activation"], cfg["alert_mailbox"])
        groups.append({"name": "azure", "roles": without, "settings": settings})
    return groups


def azure_baseline_role_settings(scopes, config=None):
    """``azure_baseline_settings`` for every scope -> pim_azure_role_setting ``role_settings`` entries
    (``{name, roles, scope, **settings}``), one per group and scope, so one module call covers every subscription."""
    groups = azure_baseline_settings(config)
    out = []
    for scope in scopes or []:
        scope_id = scope.get("id") if isinstance(scope, dict) else scope
        if not scope_id:
            continue
        for group in groups:
            out.append(dict(group["settings"], name=group["name"], roles=list(group["roles"]), scope=scope_id))
    return out


def azure_baseline_problems(config=None):
    """What the Azure part needs before it may write anything; an empty list when all is given."""
    cfg = azure_config(config)
    if cfg["azure_approval_roles"] and not (cfg["azure_approvers"] or cfg["tier0_approvers"]):
        return ["baseline_azure_approvers and baseline_tier0_approvers are empty: activating Owner and User Access "
                "Administrator needs named approvers"]
    return []
