# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Azure resource role controls of the compliance scan (issue 11), per subscription inside each tenant.

Input is what ``roles/compliance`` reads through the Azure info modules and gathers with the
``pim_compliance_azure_scan`` filter below into one dict (``scan["azure"]``)::

    {"scanned": true, "reason": null,
     "subscriptions": [{"id": "/subscriptions/<guid>", "name": "Production"}, ...],
     "management_groups": [{"id": "/providers/Microsoft.Management/managementGroups/<id>", "name": ...}],
     "role_settings": [{"scope": <scope id>, "role": "Owner", "id": <role GUID>, "settings": {...}}, ...],
     "eligible": [rows], "active": [rows], "errors": [{"scope": ..., "msg": ...}]}

Rows are ``pim_azure_activation_info``'s: ``role``, ``role_id`` (GUID or full role definition id),
``principal``, ``principal_id``, ``principal_type``, ``scope``, ``inherited`` / ``inherited_from``,
``assignment_type`` (``assigned`` / ``activated``), ``permanent``, ``end``, ``outside_pim``. Settings are
``pim_azure_role_setting_info``'s, in ``pim_role_setting``'s vocabulary.

The controls land in the same report as the directory-role ones (``pim_compliance.CONTROLS``), so every
renderer shows them unchanged; each finding names its subscription (or management group) in ``detail`` and
carries the scope id in ``scope``, and the report gets an ``azure.subscriptions`` roll-up (JSON).
Pure Python, no I/O: unit-tested in tests/unit/plugins/filter/test_pim_compliance_azure.py.
"""

from __future__ import annotations

from ansible_collections.entra.pim.plugins.module_utils._baseline import (
    AZURE_APPROVAL_ROLES, AZURE_DEFAULTS, AZURE_OWNER, AZURE_USER_ACCESS_ADMINISTRATOR,
    DEFAULTS, azure_baseline_settings, azure_role_id, compare_settings,
)
from ansible_collections.entra.pim.plugins.module_utils._schedule import ScheduleError, parse_duration

PASS = "pass"
FAIL = "fail"
NA = "not_applicable"
EXEMPT = "exempt"

MCSB = "Microsoft cloud security benchmark v1"
CIS_AZ = "CIS Microsoft Azure Foundations Benchmark v5.0.0"
CONTROLS = [
    ("MCSB.PA-2", "No standing Owner, User Access Administrator or Role Based Access Control Administrator at "
     "subscription or management-group scope (break-glass exempt)", "SHALL",
     [f"{MCSB} PA-2 (avoid standing access for user accounts and permissions)"]),
    ("AZURE.activation", "Activating a privileged Azure role requires MFA and a justification", "SHALL",
     [f"{MCSB} PA-2 (just-in-time access with multifactor authentication)", "entra.pim Azure baseline"]),
    ("AZURE.approval", "Activating Owner or User Access Administrator requires approval by at least one approver",
     "SHALL", [f"{MCSB} PA-2 (approval workflow for privileged access)", "entra.pim Azure baseline"]),
    ("AZURE.activation_duration", "Activations of privileged Azure roles are short", "SHOULD",
     [f"{MCSB} PA-2 (time-bound access)", "entra.pim Azure baseline"]),
    ("AZURE.eligibility_expiry", "Eligibility for privileged Azure roles expires", "SHOULD",
     [f"{MCSB} PA-2", "entra.pim Azure baseline"]),
    ("CIS.AZ.5.3.3", "User Access Administrator is not assigned at the root scope (elevated access)", "SHALL",
     [f"{CIS_AZ} 5.3.3 (Ensure use of the 'User Access Administrator' role is restricted)"]),
    ("CIS.AZ.5.27", "Every subscription has between 2 and 3 owners", "SHOULD",
     [f"{CIS_AZ} 5.27 (Ensure there are between 2 and 3 subscription owners)",
      f"{MCSB} PA-1 (limit highly privileged users)"]),
    ("BASELINE.azure", "Privileged Azure roles carry the baseline's settings at every subscription", "SHALL",
     ["entra.pim baseline"]),
]
IDS = [c[0] for c in CONTROLS]

_MG_PREFIX = "/providers/microsoft.management/managementgroups/"


def scope_kind(scope):
    """An ARM scope id -> ``root``, ``management_group``, ``subscription``, ``resource_group`` or ``resource``."""
    text = str(scope or "").strip().rstrip("/").lower()
    if text == "":
        return "root"
    if text.startswith(_MG_PREFIX):
        return "management_group"
    parts = text.split("/")
    if len(parts) == 3 and parts[1] == "subscriptions":
        return "subscription"
    if len(parts) == 5 and parts[3] == "resourcegroups":
        return "resource_group"
    return "resource"


def subscription_of(scope):
    """The subscription scope a scope lies in (``/subscriptions/<id>``, lower case), None above subscriptions."""
    parts = str(scope or "").strip().lower().split("/")
    return f"/subscriptions/{parts[2]}" if len(parts) > 2 and parts[1] == "subscriptions" else None


def _principal_type(value):
    """ARM's ``User`` / ``Group`` / ``ServicePrincipal`` as the directory rows spell them (user, group,
    servicePrincipal), so the break-glass rules (a UPN matches users only) work on both."""
    text = str(value or "")
    return text[:1].lower() + text[1:] if text else None


def _duration_at_most(actual, limit):
    try:
        return actual is not None and parse_duration(actual) <= parse_duration(limit)
    except ScheduleError:
        return False


def _applies_to(scope, subscription_id):
    """A finding at ``scope`` concerns the subscription ``subscription_id`` (lower case): made there or below it,
    or at a management group or the root above it, which fails every subscription."""
    return (str(scope or "").lower() == subscription_id or scope_kind(scope) in ("root", "management_group")
            or subscription_of(scope) == subscription_id)


class AzureScan:
    """One tenant's Azure data and the options, evaluated control by control."""

    def __init__(self, azure, opts, exempt):
        self.azure = azure if isinstance(azure, dict) else {}
        self.opts = opts or {}
        self.exempt = exempt
        baseline = self.opts.get("baseline") or {}
        self.roles = {azure_role_id(r) for r in (baseline.get("azure_roles") or AZURE_DEFAULTS["azure_roles"])}
        self.approval_roles = {azure_role_id(r) for r in (baseline.get("azure_approval_roles")
                                                          or AZURE_APPROVAL_ROLES)}
        self.max_activation = baseline.get("azure_max_activation") or AZURE_DEFAULTS["azure_max_activation"]
        self.eligible_max = baseline.get("eligible_max_duration") or DEFAULTS["eligible_max_duration"]
        self.names = {}
        for key in ("subscriptions", "management_groups"):
            for scope in self.azure.get(key) or []:
                if scope.get("id"):
                    self.names[str(scope["id"]).lower()] = scope.get("display_name") or scope.get("name")
        self.subscriptions = [s for s in self.azure.get("subscriptions") or [] if s.get("id")]
        self.rows = [self._row(r, kind) for kind in ("eligible", "active") for r in self.azure.get(kind) or []]

    # -- data ------------------------------------------------------------------------------
    @staticmethod
    def holds(row, refs):
        """Whether a row or policy is of one of ``refs`` (role GUIDs, or names as the baseline's variables may give
        them; built-in names are the same in every tenant, GUIDs too)."""
        return row["role_guid"] in refs or str(row.get("role") or "").lower() in refs

    def _row(self, row, kind):
        out = dict(row)
        out.setdefault("kind", kind)
        out["role_guid"] = azure_role_id(row.get("role_id") or row.get("role_definition_id") or "")
        out["principal_type"] = _principal_type(row.get("principal_type"))
        # Where the assignment was made: a row read at a subscription but made at a management group (or the
        # root) is that group's, reported once however many subscriptions inherit it.
        out["origin"] = str(row.get("inherited_from") or row.get("scope") or "").rstrip("/") or "/"
        return out

    def where(self, scope):
        """A scope for a reader: ``subscription Production``, ``management group Landing Zones``, ``root scope /``."""
        kind = scope_kind(scope)
        if kind == "root":
            return "root scope /"
        name = self.names.get(str(scope).lower())
        label = {"management_group": "management group", "subscription": "subscription",
                 "resource_group": "resource group", "resource": "resource"}[kind]
        if kind in ("resource_group", "resource"):
            sub = subscription_of(scope)
            return f"{label} {str(scope).rsplit('/', 1)[-1]} in subscription {self.names.get(sub) or sub}"
        return f"{label} {name or str(scope).rsplit('/', 1)[-1]}"

    def finding(self, status, scope, **fields):
        out = {"status": status, **{k: v for k, v in fields.items() if v is not None}}
        out["scope"] = scope
        where = self.where(scope)
        out["detail"] = f"{where}; {out['detail']}" if out.get("detail") else where
        return out

    def not_scanned(self):
        if not self.azure.get("scanned", True):
            return f"Azure resource roles not scanned: {self.azure.get('reason') or 'no subscription visible'}"
        if not self.subscriptions:
            return "the app sees no subscription"
        return None

    def settings_entries(self, roles):
        """role_settings entries of ``roles`` at subscription or management-group scope."""
        return [e for e in self.azure.get("role_settings") or []
                if self.holds(dict(e, role_guid=azure_role_id(e.get("role_id") or e.get("id") or "")), roles)
                and scope_kind(e.get("scope")) in ("subscription", "management_group", "root")]

    # -- controls --------------------------------------------------------------------------
    def standing(self):
        """MCSB PA-2: permanent, assigned (not activated) active assignments of the privileged roles made at a
        subscription, a management group or the root; made outside PIM counts (it never ends either)."""
        seen, findings = set(), []
        for row in self.rows:
            if (row["kind"] != "active" or not self.holds(row, self.roles)
                    or row.get("assignment_type") == "activated"
                    or scope_kind(row["origin"]) not in ("root", "management_group", "subscription")):
                continue
            if not (row.get("permanent") is True or (row.get("outside_pim") and not row.get("end"))):
                continue
            key = (str(row.get("principal_id") or row.get("principal")).lower(), row["role_guid"],
                   row["origin"].lower())
            if key in seen:
                continue
            seen.add(key)
            exempt = self.exempt(row)
            how = "made outside PIM" if row.get("outside_pim") else "permanent through PIM"
            findings.append(self.finding(
                EXEMPT if exempt else FAIL, row["origin"], role=row.get("role"), principal=row.get("principal"),
                setting="active assignment end", expected="eligible, or an end date", actual="noExpiration",
                detail=f"exempt: break-glass; {how}" if exempt else f"{how}; {row.get('principal_type') or ''}"
                .rstrip("; ")))
        failed = sum(f["status"] == FAIL for f in findings)
        per = self._per_scope(findings)
        return (FAIL if failed else PASS), (f"{failed} standing assignments of Owner / User Access Administrator / "
                                            f"RBAC Administrator ({len(findings) - failed} exempt){per}"), findings

    def _per_scope(self, findings):
        counts = {}
        for f in findings:
            if f["status"] == FAIL:
                counts[f["scope"]] = counts.get(f["scope"], 0) + 1
        if not counts:
            return ""
        return "; " + ", ".join(f"{self.where(s)}: {n}" for s, n in sorted(counts.items(), key=lambda i: i[0]))

    def check_settings(self, roles, checks):
        """checks: [(path, predicate, expected)] on each entry's settings -> status, summary, findings."""
        entries = self.settings_entries(roles)
        if not entries:
            return NA, "no policy of these roles read at a subscription", []
        findings = []
        for entry in entries:
            for path, predicate, expected in checks:
                node = entry.get("settings") or {}
                for part in path.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                findings.append(self.finding(PASS if predicate(node, entry) else FAIL, entry.get("scope"),
                                             role=entry.get("role"), setting=path, expected=expected, actual=node))
        failed = [f for f in findings if f["status"] == FAIL]
        scopes = {f["scope"] for f in failed}
        return (FAIL if failed else PASS), (f"{len(failed)} of {len(findings)} settings not as required, in "
                                            f"{len(scopes)} of {len({e.get('scope') for e in entries})} scopes"
                                            f"{self._per_scope(findings)}"), findings

    def activation(self):
        def mfa(value, entry):
            context = ((entry.get("settings") or {}).get("activation") or {}).get("authentication_context") or {}
            return value is True or bool(context.get("enabled"))
        return self.check_settings(self.roles, [
            ("activation.require_mfa", mfa, "true (or an authentication context)"),
            ("activation.require_justification", lambda v, _e: v is True, True)])

    def approval(self):
        return self.check_settings(self.approval_roles, [
            ("activation.require_approval", lambda v, _e: v is True, True),
            ("activation.approvers", lambda v, _e: bool(v), "at least one approver")])

    def duration(self):
        limit = self.max_activation
        return self.check_settings(self.roles, [
            ("activation.max_duration", lambda v, _e: _duration_at_most(v, limit), f"{limit} or shorter")])

    def eligibility(self):
        limit = self.eligible_max
        status, summary, findings = self.check_settings(self.roles, [
            ("eligible_assignment.allow_permanent", lambda v, _e: v is False, False),
            ("eligible_assignment.max_duration", lambda v, _e: _duration_at_most(v, limit), f"{limit} or shorter")])
        seen = set()
        for row in self.rows:
            if (row["kind"] == "eligible" and self.holds(row, self.roles) and row.get("permanent") is True
                    and scope_kind(row["origin"]) in ("root", "management_group", "subscription")):
                key = (str(row.get("principal_id") or row.get("principal")).lower(), row["role_guid"],
                       row["origin"].lower())
                if key not in seen:
                    seen.add(key)
                    findings.append(self.finding(FAIL, row["origin"], role=row.get("role"),
                                                 principal=row.get("principal"), setting="eligible assignment end",
                                                 expected="an end date", actual="noExpiration"))
        if seen:
            summary = f"{len(seen)} permanent eligible assignments" + ("" if status == NA else f"; {summary}")
            status = FAIL
        return status, summary, findings

    def root_uaa(self):
        """CIS Azure 5.3.3: no User Access Administrator at ``/`` (what a Global Administrator's "elevate access"
        leaves). Every ARM read at a subscription lists it as inherited, so the scan sees it from any subscription.
        Break-glass accounts count: CIS names no exception."""
        findings, seen = [], set()
        for row in self.rows:
            if (row["kind"] == "active" and row["role_guid"] == AZURE_USER_ACCESS_ADMINISTRATOR
                    and scope_kind(row["origin"]) == "root"):
                key = str(row.get("principal_id") or row.get("principal")).lower()
                if key not in seen:
                    seen.add(key)
                    detail = "break-glass, counted: CIS 5.3.3 names no exception" if self.exempt(row) else None
                    findings.append(self.finding(FAIL, "/", role=row.get("role"), principal=row.get("principal"),
                                                 setting="role assignment at /", expected="none",
                                                 actual=row.get("assignment_type") or "assigned", detail=detail))
        return (FAIL if findings else PASS), f"{len(findings)} User Access Administrator assignments at the root " \
                                             "scope", findings

    def owners(self):
        """CIS Azure 5.27: 2 or 3 principals hold Owner at each subscription (made at the subscription itself;
        eligible or active: with PIM an eligible owner is an owner whenever they choose). Groups, service
        principals and managed identities count, as CIS says; break-glass accounts count too."""
        findings = []
        for sub in self.subscriptions:
            sid = str(sub["id"]).rstrip("/")
            holders = {}
            for row in self.rows:
                if row["role_guid"] == AZURE_OWNER and row["origin"].lower() == sid.lower():
                    holders.setdefault(str(row.get("principal_id") or row.get("principal")).lower(), row)
            ok = 2 <= len(holders) <= 3
            names = ", ".join(sorted(f"{r.get('principal')} ({r['kind']})" for r in holders.values()))
            findings.append(self.finding(PASS if ok else FAIL, sid, role="Owner", setting="owners of the subscription",
                                         expected="2 to 3", actual=len(holders), detail=names or "none"))
        if not findings:
            return NA, "no subscription read", []
        failed = sum(f["status"] == FAIL for f in findings)
        return (FAIL if failed else PASS), f"{failed} of {len(findings)} subscriptions outside 2 to 3 owners", findings

    def baseline(self):
        baseline = self.opts.get("baseline")
        if not baseline:
            return NA, "no baseline given to compare with", []
        groups = azure_baseline_settings(baseline)
        findings, compared = [], 0
        for group in groups:
            for entry in self.settings_entries({str(r).lower() for r in group["roles"]}):
                compared += 1
                for path, expected, actual in compare_settings(group["settings"], entry.get("settings") or {}):
                    findings.append(self.finding(FAIL, entry.get("scope"), role=entry.get("role"), setting=path,
                                                 expected=expected, actual=actual))
        if not compared:
            return NA, "no policy of the baseline's Azure roles read", []
        return (FAIL if findings else PASS), f"{len(findings)} settings differ over {compared} policies" \
            f"{self._per_scope(findings)}", findings

    def evaluate(self):
        reason = self.not_scanned()
        if reason:
            return {cid: (NA, reason, []) for cid in IDS}
        out = {
            "MCSB.PA-2": self.standing(),
            "AZURE.activation": self.activation(),
            "AZURE.approval": self.approval(),
            "AZURE.activation_duration": self.duration(),
            "AZURE.eligibility_expiry": self.eligibility(),
            "CIS.AZ.5.3.3": self.root_uaa(),
            "CIS.AZ.5.27": self.owners(),
            "BASELINE.azure": self.baseline(),
        }
        errors = self.azure.get("errors") or []
        if errors:
            # A subscription that could not be read is no evidence of compliance: each control that would have
            # passed fails, naming the scopes and why.
            extra = [self.finding(FAIL, e["scope"], setting="read", expected="readable", actual="not read",
                                  detail=str(e.get("msg") or "")) if e.get("scope") else
                     {"status": FAIL, "setting": "read", "expected": "readable", "actual": "not read",
                      "detail": f"the subscriptions' read failed: {e.get('msg') or ''}"} for e in errors]
            for cid, (status, summary, findings) in out.items():
                out[cid] = (FAIL if status != FAIL else status,
                            f"{summary}; {len(errors)} scopes could not be read", findings + extra)
        return out

    def rollup(self, results):
        """Per subscription: which controls fail there (findings at the subscription, or inherited from a
        management group or the root above it, which fail every subscription)."""
        subs = []
        for sub in self.subscriptions:
            sid = str(sub["id"]).rstrip("/").lower()
            failed = []
            for cid in IDS:
                status, _summary, findings = results.get(cid, (NA, "", []))
                if status != FAIL:
                    continue
                if any(f["status"] == FAIL and _applies_to(f.get("scope"), sid) for f in findings):
                    failed.append(cid)
            subs.append({"id": sub["id"], "name": sub.get("name") or sub.get("display_name"),
                         "compliant": not failed, "failed": failed})
        return subs


def azure_off(azure):
    """Whether the tenant's Azure part is off by choice (``pim_azure: false``, or a scan without it): its controls
    are then left out of the report, as before issue 11, rather than shown as not applicable."""
    return not isinstance(azure, dict) or not azure or azure.get("off") is True


def evaluate_azure(azure, opts, exempt):
    """``scan["azure"]`` + compliance options + a break-glass test -> ({control id: (status, summary, findings)},
    per-subscription roll-up or None when Azure was not scanned). ({}, None) when the Azure part is off."""
    if azure_off(azure):
        return {}, None
    scan = AzureScan(azure, opts, exempt)
    results = scan.evaluate()
    return results, (scan.rollup(results) if not scan.not_scanned() else None)


def azure_scan(subscriptions, settings=None, activation=None, enabled=True, reason=None,
               management_groups=None, errors=None):
    """Gather the Azure info modules' results into ``scan["azure"]``.

    ``subscriptions``: ``pim_azure_scope_info``'s subscriptions; ``settings``: ``pim_azure_role_setting_info``
    results (one, or a list of them, e.g. a loop's ``results``), whose ``roles`` entries carry their ``scope``;
    ``activation``: ``pim_azure_activation_info`` results (one or a list) with ``eligible`` and ``active`` rows.
    Rows seen at several scopes (an assignment inherited by every subscription below a management group) are
    kept once. ``enabled`` false, or ``reason`` given: Azure was not scanned, and why."""
    if not enabled:
        # Off by choice: the report leaves the Azure controls out (pim_compliance_azure.azure_off).
        return {"off": True, "scanned": False, "reason": reason or "pim_azure is false"}

    def results(value):
        if value is None:
            return []
        if isinstance(value, dict) and isinstance(value.get("results"), list):
            return [r for r in value["results"] if isinstance(r, dict)]
        return [value] if isinstance(value, dict) else [v for v in value if isinstance(v, dict)]

    out = {"scanned": True, "reason": reason, "subscriptions": list(subscriptions or []),
           "management_groups": list(management_groups or []), "role_settings": [], "eligible": [], "active": [],
           "errors": list(errors or [])}
    seen = set()
    for res in results(settings):
        if res.get("failed"):
            out["errors"].append({"scope": res.get("scope") or (res.get("item") or {}).get("id"),
                                  "msg": res.get("msg")})
            continue
        # pim_azure_role_setting_info answers "policies" (one per role and scope, each with its scope).
        for entry in res.get("policies") or res.get("roles") or []:
            key = (str(entry.get("scope") or res.get("scope")).lower(),
                   azure_role_id(entry.get("role_id") or entry.get("id") or ""))
            if key not in seen:
                seen.add(key)
                out["role_settings"].append(dict(entry, scope=entry.get("scope") or res.get("scope")))
    for res in results(activation):
        if res.get("failed"):
            out["errors"].append({"scope": res.get("scope") or (res.get("item") or {}).get("id"),
                                  "msg": res.get("msg")})
            continue
        for kind in ("eligible", "active"):
            keys = {(r.get("id"), r.get("scope"), r.get("principal_id"), r.get("role_id")) for r in out[kind]}
            for row in res.get(kind) or []:
                key = (row.get("id"), row.get("scope"), row.get("principal_id"), row.get("role_id"))
                if key not in keys:
                    keys.add(key)
                    out[kind].append(row)
    return out


class FilterModule:
    def filters(self):
        return {"pim_compliance_azure_scan": azure_scan}
