# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Evaluate a tenant's PIM data against CISA SCuBA MS.AAD.7.x, CIS M365 5.3.x and our baseline.

Input is what two read-only module calls return: ``pim_role_setting_info`` (every role's settings)
and ``pim_activation_info`` (assignments), flattened by ``pim_compliance_assignments``. Output is one
report per tenant: every control as pass / fail / not_applicable with its evidence (role, principal,
setting). Pure Python: the roles call it, tests/unit/plugins/filter/ tests it.

Privilege through groups counts. When ``pim_activation_info`` ran with ``group_memberships`` its result
carries ``role_groups``: for each group holding a role, the group's PIM for Groups membership. Each member
then holds the group's role as ``expand_group_paths`` works out (an active member of a group holding a role
actively holds it; an eligible member, or any member of a group only eligible for it, is eligible), and
each such row carries its ``path`` ("Global Administrator via group PIM-Tier0 (active member)"), which the
findings show. A group holding a role permanently is no standing privilege by itself when its members are
known: its permanent active members are, each one a finding of MS.AAD.7.4.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ansible_collections.entra.pim.plugins.filter.pim_assignments import normalise_assignments
from ansible_collections.entra.pim.plugins.filter.pim_compliance_azure import CONTROLS as AZURE_CONTROLS
from ansible_collections.entra.pim.plugins.filter.pim_compliance_azure import evaluate_azure
from ansible_collections.entra.pim.plugins.filter.pim_baseline import (
    GLOBAL_ADMINISTRATOR, HIGHLY_PRIVILEGED, PRIVILEGED_ROLE_ADMINISTRATOR, baseline_plan, compare_settings,
)
from ansible_collections.entra.pim.plugins.filter.pim_report import wrap_var
from ansible_collections.entra.pim.plugins.module_utils._access_reviews_scan import (
    CIS_5_3_3_ROLES, review_coverage,
)

try:
    from ansible.errors import AnsibleFilterError
    from ansible.utils.display import Display
except ImportError:  # pragma: no cover - the filter always runs inside ansible-core
    AnsibleFilterError = ValueError
    Display = None

PASS = "pass"
FAIL = "fail"
NA = "not_applicable"

CONTROLS = [
    # id, title, requirement, sources (reference A.3)
    ("MS.AAD.7.1", "A minimum of two users and a maximum of eight users are Global Administrators", "SHALL",
     ["CISA SCuBA Entra ID baseline MS.AAD.7.1v1 (2 to 8)"]),
    ("CIS.1.1.3", "Between two and four global admins are designated", "SHALL", ["CIS M365 v7 1.1.3 (2 to 4)"]),
    ("MSFT.BP.5", "Fewer than five Global Administrators (Microsoft's recommendation)", "SHOULD",
     ["Microsoft Entra roles best practices #5 (fewer than 5)"]),
    ("MS.AAD.7.2", "Privileged users are provisioned with finer-grained roles instead of Global Administrator",
     "SHALL", ["CISA SCuBA Entra ID baseline MS.AAD.7.2v1"]),
    ("MS.AAD.7.3", "Privileged users are cloud-only accounts", "SHALL", ["CISA MS.AAD.7.3", "CIS 1.1.1"]),
    ("MS.AAD.7.4", "No permanent active assignments to highly privileged roles", "SHALL",
     ["CISA MS.AAD.7.4", "ZTA 21815"]),
    ("MS.AAD.7.5", "No assignments to highly privileged roles made outside PIM", "SHALL",
     ["CISA MS.AAD.7.5", "ZTA 21816"]),
    ("MS.AAD.7.6", "Activating Global Administrator requires approval", "SHALL", ["CISA MS.AAD.7.6", "ZTA 21817"]),
    ("MS.AAD.7.7", "Eligible and active assignments to highly privileged roles raise an alert", "SHALL",
     ["CISA MS.AAD.7.7"]),
    ("MS.AAD.7.8", "Activating Global Administrator raises an alert", "SHALL", ["CISA MS.AAD.7.8"]),
    ("MS.AAD.7.9", "Activating other highly privileged roles raises an alert", "SHOULD", ["CISA MS.AAD.7.9"]),
    ("CIS.5.3.1", "Privileged roles are held just in time (no standing access beyond break-glass)", "SHALL",
     ["CIS M365 v7 5.3.1"]),
    ("CIS.5.3.3", "Access reviews of the 6 CIS privileged roles recur monthly or more often", "SHALL",
     ["CIS M365 v7.0.0 5.3.3"]),
    ("CIS.5.3.4", "Activating Global Administrator requires approval by at least one approver", "SHALL",
     ["CIS M365 v7 5.3.4"]),
    ("CIS.5.3.5", "Activating Privileged Role Administrator requires approval by at least one approver", "SHALL",
     ["CIS M365 v7 5.3.5"]),
    ("BASELINE.tier0", "Tier 0 roles carry the baseline's settings", "SHALL", ["entra.pim baseline"]),
    ("BASELINE.tier1", "Highly privileged roles carry the baseline's settings", "SHALL", ["entra.pim baseline"]),
    ("BASELINE.other", "Every other role carries the baseline's lighter settings", "SHOULD", ["entra.pim baseline"]),
    ("BASELINE.access_review", "The baseline's recurring access review covers its roles", "SHOULD",
     ["entra.pim baseline"]),
    # Azure resource roles (issue 11), per subscription: plugins/filter/pim_compliance_azure.py.
    *AZURE_CONTROLS,
]
OPTIONS = {"ga_min": None, "ga_max": None, "excluded_principals": [], "break_glass_limit": 2,
           "highly_privileged_roles": list(HIGHLY_PRIVILEGED), "baseline": None, "controls": None}

# The Global Administrator count, one control per source, each with the source's own bounds (inclusive):
# CISA MS.AAD.7.1v1 "A minimum of two users and a maximum of eight users SHALL be provisioned with the Global
# Administrator role"; CIS M365 v7 1.1.3 "Ensure that between two and four global admins are designated";
# Microsoft's "Limit the number of Global Administrators to less than 5" (Entra roles best practices, #5).
GA_BOUNDS = {"MS.AAD.7.1": (2, 8), "CIS.1.1.3": (2, 4), "MSFT.BP.5": (0, 4)}

# CISA publishes MS.AAD.7.x as "MS.AAD.7.Nv1" (ScubaGear baselines/aad.md); ScubaGear's newer baseline file
# (baselines/entraid.md) names the same policies "MS.ME-ID.7.Nv1". The report keeps the aad.md id without the
# version suffix (MS.AAD.7.N) and the ``controls`` option accepts all of these spellings.
_CISA_ID = re.compile(r"^MS\.(?:AAD|ME-ID)\.(7\.[1-9])(?:V\d+)?$")
# CIS Microsoft Azure Foundations ids overlap CIS M365's (both have a 5.3.3): "CIS Azure 5.3.3" or CIS.AZ.5.3.3.
_CIS_AZURE_ID = re.compile(r"^CIS[ .]AZ(?:URE)?[ .](?:V[\d.]+[ .])?(\d+(?:\.\d+)+)$")
_CIS_ID = re.compile(r"^CIS[ .](?:M365[ .])?(?:V\d+[ .])?(\d+\.\d+\.\d+)$")


def control_aliases(cid):
    """The other names a control is published under (shown in the report, accepted by ``controls``)."""
    match = _CISA_ID.match(cid)
    if match:
        return [f"MS.AAD.{match.group(1)}v1", f"MS.ME-ID.{match.group(1)}v1"]
    if cid.startswith("CIS.AZ."):
        return [f"CIS Azure {cid[7:]}"]
    if cid.startswith("CIS."):
        return [f"CIS {cid[4:]}"]
    return []


def canonical_control(name):
    """A control id in any published spelling -> the report's id, or None when no control has that name."""
    text = re.sub(r"\s+", " ", str(name or "").strip()).upper()
    match = _CIS_AZURE_ID.match(text)
    if match:
        text = f"CIS.AZ.{match.group(1)}"
    match = _CISA_ID.match(text)
    if match:
        text = f"MS.AAD.{match.group(1)}"
    else:
        match = _CIS_ID.match(text)
        if match:
            text = f"CIS.{match.group(1)}"
    return next((c[0] for c in CONTROLS if c[0].upper() == text), None)


def _selected(controls):
    """``controls`` (ids or aliases; empty: all) -> the set of report ids, or a clear error naming the bad ones."""
    if not controls:
        return None
    if isinstance(controls, str):
        controls = [controls]
    chosen, unknown = set(), []
    for name in controls:
        cid = canonical_control(name)
        if cid is None:
            unknown.append(str(name))
        else:
            chosen.add(cid)
    if unknown:
        raise AnsibleFilterError(
            f"controls: unknown control id(s) {', '.join(sorted(unknown))}; valid ids are "
            f"{', '.join(c[0] for c in CONTROLS)} (CISA ids also as MS.AAD.7.Nv1 or MS.ME-ID.7.Nv1, CIS ids "
            "also as 'CIS 5.3.1')")
    return chosen


_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _break_glass(excluded, assignments):
    """compliance_excluded_principals (object ids or UPNs) -> (object ids, UPNs), names resolved once.

    A UPN names a user: it is matched only against the UPN of a principal whose type is ``user`` (what
    pim_activation_info reports as ``principal`` for users). Groups, apps and service principals have display
    names, which whoever administers the tenant may set to anything, including a break-glass account's UPN;
    such a principal is only exempt when its object id is listed.
    """
    ids, upns = set(), set()
    for entry in excluded or []:
        entry = str(entry).strip().lower()
        if entry:
            (ids if _GUID.match(entry) else upns).add(entry)
    for a in assignments:
        principal_id = (a.get("principal_id") or "").lower()
        if principal_id and a.get("principal_type") == "user" and (a.get("principal") or "").lower() in upns:
            ids.add(principal_id)
    return ids, upns


def _membership_words(member):
    """How a member holds the group: "active member", "active member until ...", "activated member",
    "eligible member" (and "membership end unknown" when PIM for Groups could not be read)."""
    if member.get("kind") == "eligible":
        return "eligible member"
    if member.get("assignment_type") == "activated":
        return "activated member"
    words = "active member"
    if member.get("outside_pim"):
        words += ", added outside PIM"
    if member.get("permanent") is None:
        return words + ", membership end unknown"
    return words if member.get("permanent") else f"{words} until {member.get('end')}"


def _earlier(a, b):
    """The earlier of two ISO 8601 ends (None: never); strings of one format compare in time order."""
    if a is None:
        return b
    if b is None:
        return a
    return min(str(a), str(b))


def expand_group_paths(rows, role_groups):
    """Rows of directory roles + ``role_groups`` (pim_activation_info) -> rows of the people who hold them.

    For each row of a group holding a role and each ``member`` membership of that group (owners manage the
    group but hold none of its roles until they are members):

    - the group holds the role actively: an active member holds it actively (permanently only when both the
      group's role and the membership are permanent; just in time when the membership is an activation); an
      eligible member is eligible for it (activating the membership activates the role);
    - the group is eligible for the role: every member, active or eligible, is eligible for it.

    Rows the directory-role read reported for a group's members itself (``member_type: group``, inherited) are
    replaced by these for the groups whose membership was read, since these know how each membership is held;
    activations of a role through a group's eligibility (``assignment_type: activated``) stay. Groups whose
    membership was not read keep today's rows. Pure: the rows given are not changed.
    """
    groups = {str(g.get("group_id") or "").lower(): g for g in role_groups or [] if g.get("group_id")}
    if not groups:
        return list(rows)
    read_ids = {gid for gid, g in groups.items() if g.get("pim_read") or g.get("members_read")}
    derived = []
    for row in rows:
        gid = str(row.get("principal_id") or "").lower()
        if row.get("principal_type") != "group" or row.get("member_type") != "direct" or gid not in read_ids:
            continue
        group = groups[gid]
        name = group.get("group") or row.get("principal")
        group_active = row.get("kind") == "active"
        for member in group.get("memberships") or []:
            if member.get("access") != "member" or member.get("principal_type") == "group":
                continue  # role-assignable groups cannot nest groups (Microsoft Learn, "Use Microsoft Entra
                # groups to manage role assignments"); a group principal here holds nothing more
            member_active = member.get("kind") == "active"
            active = group_active and member_active
            if active:
                permanent = None if member.get("permanent") is None else bool(row.get("permanent")) and bool(
                    member.get("permanent"))
                assignment_type = "activated" if member.get("assignment_type") == "activated" else "assigned"
            else:
                permanent, assignment_type = False, None
            words = _membership_words(member)
            if not group_active:
                words += "; the group is eligible"
            derived.append({
                "kind": "active" if active else "eligible", "assignment_type": assignment_type,
                "role": row.get("role"), "role_id": row.get("role_id"), "scope": row.get("scope"),
                "principal": member.get("principal"), "principal_id": member.get("principal_id"),
                "principal_type": member.get("principal_type") or "user", "member_type": "group",
                "via_group": name, "via_group_id": gid, "group_pim": True,
                "permanent": permanent, "end": _earlier(row.get("end"), member.get("end")),
                "outside_pim": False, "synced": member.get("synced"),
                "path": f"{row.get('role')} via group {name} ({words})",
            })
    kept = [r for r in rows if not (r.get("member_type") == "group" and r.get("assignment_type") != "activated"
                                    and _via_read_group(r, read_ids, groups))]
    return kept + derived


def _via_read_group(row, read_ids, groups):
    """Whether an inherited row came through a group whose membership was read (by id, else by its name)."""
    if str(row.get("via_group_id") or "").lower() in read_ids:
        return True
    names = {n.strip() for n in str(row.get("via_group") or "").split(",") if n.strip()}
    return bool(names) and names <= {groups[g].get("group") for g in read_ids}


def _finding(status, role=None, principal=None, setting=None, expected=None, actual=None, detail=None):
    return {k: v for k, v in dict(status=status, role=role, principal=principal, setting=setting,
                                  expected=expected, actual=actual, detail=detail).items() if v is not None}


def _get(settings, path):
    node = settings
    for part in path.split("."):
        node = (node or {}).get(part) if isinstance(node, dict) else None
    return node


# Recurrence words of the baseline's review (pim_access_review's recurrence) -> months between instances.
REVIEW_MONTHS = {"weekly": 1, "monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12}


def access_review_control(scan, role_settings, opts, months=1, full=True, roles=None):
    """CIS 5.3.3 (``full``, monthly, the 6 CIS roles) or the baseline's own review control, from the
    ``access_reviews`` pim_activation_info returned with ``access_reviews: true``. ``role_settings``: the
    tenant's roles by template id (their names); ``opts``: the evaluation's options (``today`` for tests).

    Not read (the scan did not ask, or Graph refused without AccessReview.Read.All): the control fails saying
    it could not be checked and why, never passes and never reads as not applicable (issue 16). Else each role
    passes with its reviews as evidence, or fails naming what covers it and what that lacks.
    """
    roles = roles or CIS_5_3_3_ROLES
    by_id = {str(k).lower(): r.get("role") for k, r in (role_settings or {}).items()}
    names = {rid: by_id.get(str(rid).lower()) or name for rid, name in roles.items()}
    today = (opts or {}).get("today") or datetime.now(timezone.utc).date().isoformat()
    scan = scan if isinstance(scan, dict) else {}
    if scan.get("access_reviews") is None:
        why = scan.get("access_reviews_error") or ("pim_activation_info did not read them (access_reviews: false; "
                                                   "the compliance role reads them with compliance_access_reviews)")
        return FAIL, f"could not be checked: access reviews were not read: {why}", [
            _finding(FAIL, ", ".join(names.values()), setting="identityGovernance/accessReviews/definitions",
                     expected="read with AccessReview.Read.All", actual="not read", detail=why)]
    covered, findings = review_coverage(scan["access_reviews"], names, today, months, full)
    uncovered = [n for n in names.values() if n not in covered]
    if not uncovered:
        return PASS, f"all {len(names)} roles covered by recurring access reviews", findings
    return FAIL, f"{len(uncovered)} of {len(names)} roles not covered by a qualifying recurring access review: " \
        + ", ".join(uncovered), findings


def baseline_review_control(scan, role_settings, opts):
    """The baseline's opt-in review (``baseline_access_review``): its roles covered by a running review that
    recurs at least as often as the baseline creates it. Only the cadence and coverage: CIS 5.3.3 judges the
    rest. ``opts["baseline_access_review"]``: ``{"roles": names or template ids, "recurrence": "quarterly"}``."""
    wanted = (opts or {}).get("baseline_access_review")
    if not wanted:
        return NA, "the baseline's access review is not enabled (baseline_access_review)", []
    recurrence = str(wanted.get("recurrence") or "quarterly")
    index = {}
    for key, role in (role_settings or {}).items():
        for ref in (key, role.get("id"), role.get("role")):
            if ref:
                index[str(ref).lower()] = (str(role.get("template_id") or key).lower(), role.get("role"))
    roles = {}
    for ref in wanted.get("roles") or []:
        rid, name = index.get(str(ref).lower(), (str(ref).lower(), str(ref)))
        roles[rid] = name
    if not roles:
        return NA, "the baseline's access review names no role", []
    return access_review_control(scan, role_settings, opts, months=REVIEW_MONTHS.get(recurrence, 3), full=False,
                                 roles=roles)


class _Tenant:
    def __init__(self, settings, assignments, options):
        self.opts = dict(OPTIONS, **{k: v for k, v in (options or {}).items() if v is not None})
        self.roles = {r.get("template_id") or r["id"]: r for r in settings or []}
        self.assignments = normalise_assignments(assignments)
        if isinstance(assignments, dict) and assignments.get("role_groups"):
            self.assignments = expand_group_paths(self.assignments, assignments["role_groups"])
        # Groups whose PIM for Groups membership was read: their members are evaluated one by one, so the
        # group's own row is no standing access by itself (a permanent GA group with only eligible members).
        self.expanded_groups = {str(g.get("group_id")).lower() for g in (assignments.get("role_groups") or [])
                                if g.get("pim_read")} if isinstance(assignments, dict) else set()
        self.hp = {str(r).lower() for r in self.opts["highly_privileged_roles"]}
        self.scan = assignments if isinstance(assignments, dict) else {}  # access_reviews (CIS 5.3.3)
        self.exempt_ids, self.exempt_upns = _break_glass(self.opts["excluded_principals"], self.assignments)

    def is_hp(self, a):
        return (a.get("role_id") or "").lower() in self.hp or (a.get("role") or "").lower() in self.hp

    def exempt(self, a):
        """A break-glass account: by object id, never by a name anyone can give a group or an app."""
        principal_id = (a.get("principal_id") or "").lower()
        if principal_id:
            return principal_id in self.exempt_ids
        # Flat data without ids (hand-written input): a user's UPN, never another type's display name.
        return a.get("principal_type") == "user" and (a.get("principal") or "").lower() in self.exempt_upns

    def holders(self, role_id):
        """Unique non-group principals holding a role, eligible or active (group members expanded when
        pim_activation_info reports them, as ScubaGear counts; with ``role_groups``, every member of a group
        holding the role, eligible or active). A person holding it several ways is shown by the strongest:
        active before eligible, direct before through a group."""
        out = {}
        for a in sorted(self.assignments, key=lambda x: (x.get("kind") != "active", x.get("member_type") != "direct")):
            if a.get("role_id") == role_id and a.get("principal_type") != "group":
                out.setdefault(a.get("principal_id") or a.get("principal"), a)
        return out

    # -- assignments ---------------------------------------------------------------------
    def users(self, holders):
        """Holders that are users (CISA counts users: ScubaGear's ``privileged_users``); a row without a type is
        hand-written data and taken for a user."""
        return {k: a for k, a in holders.items() if a.get("principal_type") in (None, "user")}

    def ga_count(self, cid):
        """One Global Administrator count control (MS.AAD.7.1, CIS.1.1.3, MSFT.BP.5), each with its own bounds.

        Every holder counts, break-glass accounts included: none of the three sources exempts them (CISA's
        rationale allows up to eight "to support emergency access"); their findings say so."""
        holders = self.holders(GLOBAL_ADMINISTRATOR)
        if cid == "MS.AAD.7.1":
            holders = self.users(holders)
        low, high = GA_BOUNDS[cid]
        ok = low <= len(holders) <= high
        findings = []
        for a in holders.values():
            detail = a.get("path") or f"{a.get('kind')}{' via ' + a['via_group'] if a.get('via_group') else ''}"
            if self.exempt(a):
                detail = f"break-glass, counted: {cid} exempts no Global Administrator; {detail}"
            findings.append(_finding(PASS if ok else FAIL, "Global Administrator", a.get("principal"), detail=detail))
        findings += [_finding(PASS, "Global Administrator", g.get("principal"), detail="group; members counted")
                     for g in self.assignments if g.get("role_id") == GLOBAL_ADMINISTRATOR
                     and g.get("principal_type") == "group"]
        allowed = f"fewer than {high + 1}" if low == 0 else f"allowed {low}-{high}"
        kind = "users" if cid == "MS.AAD.7.1" else "principals"
        return (PASS if ok else FAIL), f"{len(holders)} Global Administrators ({allowed}; {kind} counted)", findings

    def c_7_2(self, ga_status):
        """CISA's ratio, as ScubaGear decides it: MS.AAD.7.1 passes and the users holding Global Administrator are
        no more than the users holding another highly privileged role but not Global Administrator (a user
        holding both counts as a Global Administrator only)."""
        ga = set(self.users(self.holders(GLOBAL_ADMINISTRATOR)))
        others = set()
        for role in self.hp - {GLOBAL_ADMINISTRATOR}:
            others |= set(self.users(self.holders(role)))
        others -= ga
        if ga_status != PASS:
            score = "MS.AAD.7.1 failed so the score is not computed"
        elif not others:
            score = "all privileged users are Global Administrators"
        else:
            score = f"least privilege score {len(ga) / len(others):.2f} (should be 1 or less)"
        ok = ga_status == PASS and len(ga) <= len(others)
        return (PASS if ok else FAIL), (f"{len(ga)} Global Administrators, {len(others)} users in other highly "
                                        f"privileged roles only; {score}"), []

    def c_7_3(self):
        users = [a for a in self.assignments if self.is_hp(a) and a.get("principal_type") in (None, "user")]
        known = [a for a in users if a.get("synced") is not None]
        if users and not known:
            return NA, "pim_activation_info did not report whether users are synced from on-premises", []
        synced = {}
        for a in known:
            if a["synced"]:
                synced.setdefault(a.get("principal_id"), []).append(a)
        findings = [_finding(FAIL, ", ".join(sorted({x.get("role") or "" for x in items})), items[0].get("principal"),
                             "onPremisesImmutableId", "null", "set",
                             "; ".join(["synced from on-premises"]
                                       + (["break-glass, counted: MS.AAD.7.3 exempts no privileged user"]
                                          if self.exempt(items[0]) else [])
                                       + sorted({x["path"] for x in items if x.get("path")})))
                    for items in synced.values()]
        return (FAIL if synced else PASS), f"{len(synced)} synced of {len({a.get('principal_id') for a in users})} " \
                                           "privileged users", findings

    def group_evaluated(self, a):
        """A group's own row whose members are evaluated one by one (its PIM for Groups state was read)."""
        return a.get("principal_type") == "group" and str(a.get("principal_id") or "").lower() in self.expanded_groups

    def permanent_actives(self):
        """Standing access: permanent, assigned (not activated) rows of highly privileged roles, held directly,
        or through a group whose membership is read (a permanent active member of a group holding the role
        permanently). A group's own row counts only while its members are unknown."""
        return [a for a in self.assignments if self.is_hp(a) and a.get("kind") == "active"
                and a.get("assignment_type") != "activated" and a.get("permanent") is True
                and (a.get("member_type") != "group" or a.get("group_pim")) and not self.group_evaluated(a)]

    def c_7_4(self):
        findings = []
        for a in self.permanent_actives():
            exempt = self.exempt(a)
            if a.get("group_pim"):
                findings.append(_finding("exempt" if exempt else FAIL, a.get("role"), a.get("principal"),
                                         "group membership end", "an end date, or eligible membership",
                                         "noExpiration", ("exempt: break-glass; " if exempt else "") + a["path"]))
            else:
                findings.append(_finding("exempt" if exempt else FAIL, a.get("role"), a.get("principal"),
                                         "active assignment end", "an end date", "noExpiration",
                                         "exempt: break-glass" if exempt else a.get("principal_type")))
        failed = sum(f["status"] == FAIL for f in findings)
        exempt = len(findings) - failed
        # The groups holding a role permanently whose members were evaluated above: shown, not failed.
        findings += [_finding(PASS, a.get("role"), a.get("principal"), "active assignment end", actual="noExpiration",
                              detail="group; its members are evaluated one by one (eligible or time-bound "
                                     "membership is no standing access)")
                     for a in self.assignments if self.is_hp(a) and a.get("kind") == "active"
                     and a.get("assignment_type") != "activated" and a.get("permanent") is True
                     and self.group_evaluated(a)]
        return (FAIL if failed else PASS), f"{failed} permanent active assignments ({exempt} exempt)", findings

    def c_7_5(self):
        """Assignments made outside PIM. Break-glass principals count: CISA's MS.AAD.7.5v1 names no exception (7.4
        does) and ScubaGear's 7.5 takes no RoleExclusions (cisagov/ScubaGear#2393 asks for them; #2397 was closed
        unmerged). A break-glass account can be assigned through PIM, permanently active, which 7.4 exempts."""
        outside = [a for a in self.assignments if self.is_hp(a) and a.get("outside_pim")]
        return (FAIL if outside else PASS), f"{len(outside)} assignments made outside PIM", [
            _finding(FAIL, a.get("role"), a.get("principal"), "createdUsing / startDateTime", "PIM", "outside PIM",
                     "break-glass, counted: MS.AAD.7.5 names no exception; assign it through PIM (7.4 exempts it)"
                     if self.exempt(a) else a.get("path"))
            for a in outside]

    def c_cis_5_3_1(self):
        """CIS v7 allows at most two break-glass permanent Global Administrators; service principals always
        need an end date."""
        cis = {k.lower() for k in ("62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814",
                                   "29232cdf-9323-42fd-ade2-1d097af3e4de", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
                                   "69091246-20e8-4a56-aa4d-066075b2a7a8", "194ae4cb-b126-40b2-bd5b-6091b380977d")}
        findings, exempt = [], 0
        for a in self.permanent_actives():
            if (a.get("role_id") or "").lower() not in cis:
                continue
            person = a.get("principal_type") != "servicePrincipal"
            if (self.exempt(a) and person and a.get("role_id") == GLOBAL_ADMINISTRATOR
                    and exempt < int(self.opts["break_glass_limit"])):
                exempt += 1
                findings.append(_finding("exempt", a.get("role"), a.get("principal"), "active assignment end",
                                         "an end date", "noExpiration", "exempt: break-glass"))
            else:
                findings.append(_finding(FAIL, a.get("role"), a.get("principal"), "active assignment end",
                                         "an end date", "noExpiration", a.get("path")))
        failed = sum(f["status"] == FAIL for f in findings)
        return (FAIL if failed else PASS), f"{failed} standing assignments to CIS roles, {exempt} break-glass", findings

    # -- settings ------------------------------------------------------------------------
    def check_setting(self, role_ids, checks):
        """checks: [(path, predicate, expected text)] on each role's settings -> status, findings."""
        findings = []
        for rid in role_ids:
            role = self.roles.get(rid)
            if role is None:
                continue
            for path, predicate, expected in checks:
                value = _get(role.get("settings"), path)
                findings.append(_finding(PASS if predicate(value) else FAIL, role.get("role"), setting=path,
                                         expected=expected, actual=value))
        if not findings:
            return NA, "role not present in this tenant", []
        failed = sum(f["status"] == FAIL for f in findings)
        return (FAIL if failed else PASS), f"{failed} of {len(findings)} settings not as required", findings

    def approval(self, role_id):
        return self.check_setting([role_id], [
            ("activation.require_approval", lambda v: v is True, True),
            ("activation.approvers", bool, "at least one approver")])

    def hp_ids(self):
        return [rid for rid in self.roles if rid.lower() in self.hp]

    def baseline(self, tier):
        if not self.opts["baseline"]:
            return NA, "no baseline given to compare with", []
        groups = [g for g in baseline_plan(list(self.roles.values()), self.opts["baseline"]) if g["tier"] == tier]
        findings, roles = [], 0
        for group in groups:
            for member in group["roles"]:
                role = next((r for r in self.roles.values() if r["id"] == member["id"]), {})
                roles += 1
                for path, expected, actual in compare_settings(group["settings"], role.get("settings") or {}):
                    findings.append(_finding(FAIL, member.get("role"), setting=path, expected=expected, actual=actual))
        if not roles:
            return NA, "no role in this tier", []
        return (FAIL if findings else PASS), f"{len(findings)} settings differ over {roles} roles", findings

    def evaluate(self):
        out = {}
        for cid in GA_BOUNDS:
            out[cid] = self.ga_count(cid)
        out["MS.AAD.7.2"] = self.c_7_2(out["MS.AAD.7.1"][0])
        out["MS.AAD.7.3"] = self.c_7_3()
        out["MS.AAD.7.4"] = self.c_7_4()
        out["MS.AAD.7.5"] = self.c_7_5()
        # CISA asks that activation require approval (ScubaGear reads isApprovalRequired only); CIS 5.3.4 and
        # 5.3.5 also ask for an approver.
        out["MS.AAD.7.6"] = self.check_setting([GLOBAL_ADMINISTRATOR], [
            ("activation.require_approval", lambda v: v is True, True)])
        out["MS.AAD.7.7"] = self.check_setting(self.hp_ids(), [
            ("notifications.eligible_assignment.admin.recipients", bool, "at least one recipient"),
            ("notifications.active_assignment.admin.recipients", bool, "at least one recipient")])
        out["MS.AAD.7.8"] = self.check_setting([GLOBAL_ADMINISTRATOR], [
            ("notifications.activation.admin.recipients", bool, "at least one recipient")])
        out["MS.AAD.7.9"] = self.check_setting([r for r in self.hp_ids() if r != GLOBAL_ADMINISTRATOR], [
            ("notifications.activation.admin.recipients", bool, "at least one recipient")])
        out["CIS.5.3.1"] = self.c_cis_5_3_1()
        out["CIS.5.3.3"] = access_review_control(self.scan, self.roles, self.opts)
        out["CIS.5.3.4"] = self.approval(GLOBAL_ADMINISTRATOR)
        out["CIS.5.3.5"] = self.approval(PRIVILEGED_ROLE_ADMINISTRATOR)
        for tier in ("tier0", "tier1", "other"):
            out[f"BASELINE.{tier}"] = self.baseline(tier)
        out["BASELINE.access_review"] = baseline_review_control(self.scan, self.roles, self.opts)
        # Azure resource roles: the same break-glass rules (object id, or a user's UPN) as the directory roles.
        azure, self.azure_rollup = evaluate_azure(self.scan.get("azure"), self.opts, self.exempt_azure)
        out.update(azure)
        return out

    def exempt_azure(self, row):
        """A break-glass principal of an Azure row: by object id, or a user's UPN (ARM rows name no UPN
        themselves; pim_azure_activation_info resolves it through Graph)."""
        principal_id = (row.get("principal_id") or "").lower()
        if principal_id in self.exempt_ids:
            return True
        return row.get("principal_type") == "user" and (row.get("principal") or "").lower() in self.exempt_upns


def _deprecated_options(options):
    """compliance_ga_min / compliance_ga_max set one merged limit before each source became its own control."""
    # Unset role variables reach the filter as None (or, templated by an older ansible-core, as "None").
    given = [k for k in ("ga_min", "ga_max") if str((options or {}).get(k)).strip() not in ("None", "")]
    if not given:
        return
    msg = (f"{' and '.join(given)} (compliance_ga_min / compliance_ga_max) no longer change any verdict and are "
           "ignored: each source is its own control with its own bounds, MS.AAD.7.1 (CISA, 2 to 8), CIS.1.1.3 "
           "(2 to 4) and MSFT.BP.5 (Microsoft, fewer than 5). Choose the controls to report with "
           "compliance_controls (options.controls) instead.")
    if Display is not None:
        Display().deprecated(msg, version="1.0.0", collection_name="entra.pim")


def evaluate(settings, assignments, tenant=None, options=None):
    """Settings (pim_role_setting_info ``roles``) + assignments -> the tenant's compliance report.

    ``options.controls`` (ids or their published aliases; empty: all) limits the report to those controls."""
    tenant = tenant or {}
    _deprecated_options(options)
    chosen = _selected((options or {}).get("controls"))
    scan = _Tenant(settings, assignments, options)
    results = scan.evaluate()
    controls = []
    for cid, title, requirement, sources in CONTROLS:
        if (chosen is not None and cid not in chosen) or cid not in results:
            continue  # not chosen, or an Azure control of a tenant whose Azure part is off
        status, summary, findings = results[cid]
        controls.append({"id": cid, "aliases": control_aliases(cid), "title": title, "requirement": requirement,
                         "sources": sources, "status": status, "summary": summary, "findings": findings})
    counts = {s: sum(c["status"] == s for c in controls) for s in (PASS, FAIL, NA)}
    # Names in the report are the tenant's: marked unsafe, so no later task templates them (ansible-core < 2.19).
    report = {"tenant_id": tenant.get("id"), "tenant": tenant.get("name") or tenant.get("id"),
              "generated": tenant.get("generated") or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "compliant": counts[FAIL] == 0, "summary": counts,
              "failed": [c["id"] for c in controls if c["status"] == FAIL], "controls": controls}
    if scan.azure_rollup is not None:
        # Per subscription inside the tenant: which Azure controls fail there (JSON; the renderers show the
        # subscription in each finding's detail).
        report["azure"] = {"subscriptions": scan.azure_rollup}
    return wrap_var(report)


def highly_privileged_roles(custom=None):
    """The roles whose assignments the controls evaluate: ``custom`` (names or template ids) when given, else
    the default 10. The compliance role asks pim_activation_info for these roles' rows only (``row_roles``):
    every control reads rows of highly privileged roles only (``_Tenant.is_hp``; Global Administrator is one)."""
    return list(custom) if custom else list(OPTIONS["highly_privileged_roles"])


class FilterModule:
    def filters(self):
        return {"pim_compliance_evaluate": evaluate, "pim_highly_privileged_roles": highly_privileged_roles}
