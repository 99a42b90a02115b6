# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Graph side of pim_role_setting and pim_role_setting_info: read policies, write rules.

Private to the collection (leading underscore): may change in any release.

Reads are in bulk: one read of the role definitions, one of every directory-role policy with
its rules, one ``getByIds`` for the approvers' names. Writes are one ``PATCH`` per changed
policy carrying only the changed rules, sent through ``$batch`` (20 per request) as soon as
more than one policy changes. The mapping itself lives in ``_policy`` and does no I/O.
"""

from __future__ import annotations

from ._client import GraphCallError, GraphSession
from ._graph_paths import POLICY_ASSIGNMENTS, policy_assignments_for, policy_path, principals_by_ids
from ._policy import (
    PolicyError,
    approver_ids,
    desired_approver_refs,
    merge_settings,
    plan,
    principal_name,
    settings_argument_spec,
    validate,
)
from ._resolve import match_roles

ALL_ROLES = "all"

SECTIONS = ("activation", "eligible_assignment", "active_assignment", "notifications")


class RoleSettingsError(Exception):
    """A problem found after the reads and before any write."""


# ---- several groups of roles and settings in one run (pure) -----------------------------------

def role_settings_argument_spec():
    """The ``role_settings`` option: a list of ``{name, roles, <settings>}``.

    The settings suboptions are the very spec of the top-level settings options (built from
    ``_policy``'s field table), so the two cannot drift apart.
    """
    options = {"name": {"type": "str"}, "roles": {"type": "list", "elements": "str", "required": True}}
    options.update(settings_argument_spec())
    return {"role_settings": {"type": "list", "elements": "dict", "options": options}}


def group_label(index, group):
    """How messages name a group: ``role_settings[1]``, with its name when it has one."""
    name = (group or {}).get("name")
    return f"role_settings[{index}] ({name})" if name else f"role_settings[{index}]"


def group_settings(group):
    """The settings a group sets (its sections that are not left out)."""
    return {key: group[key] for key in SECTIONS if (group or {}).get(key) is not None}


def validate_groups(groups):
    """Every problem of every group that needs no Graph read to find; [] when fine."""
    errors = []
    if not groups:
        return ["role_settings: give at least one group of roles and settings"]
    for index, group in enumerate(groups):
        label = group_label(index, group)
        if not [r for r in group.get("roles") or [] if str(r).strip()]:
            errors.append(f"{label}: roles: name at least one role (display name, template id or id), or 'all'")
        errors.extend(f"{label}: {problem}" for problem in validate(group_settings(group)))
    return errors


def groups_approver_refs(groups):
    """The approver names of every group, once each, for a single bulk resolution."""
    return list(dict.fromkeys(ref for group in groups for ref in desired_approver_refs(group_settings(group))))


def group_by_settings(entries):
    """pim_role_setting_info's ``[{id, settings}]`` -> ``role_settings`` groups, one per distinct settings.

    Roles with identical settings share a group (a fresh tenant's 130 roles make a handful), in the
    order first seen, so an export is applied back with one call.
    """
    groups = []
    for entry in entries:
        for group in groups:
            if all(group.get(key) == entry["settings"].get(key) for key in SECTIONS):
                group["roles"].append(entry["id"])
                break
        else:
            group = {"roles": [entry["id"]]}
            group.update({key: entry["settings"][key] for key in SECTIONS if key in entry["settings"]})
            groups.append(group)
    return groups


def combine_groups(groups, group_pairs, approver_map=None):
    """Groups and their ``[(role, policy)]`` -> one target per role, and the conflicts.

    Returns ``(targets, conflicts)``: ``targets`` are ``{"role", "policy", "desired", "groups"}`` in
    the order roles first appear, ``desired`` being every group's settings for that role merged
    (``_policy.merge_settings``); ``conflicts`` name the role, the setting and both groups.
    """
    targets, conflicts = {}, []
    for index, (group, pairs) in enumerate(zip(groups, group_pairs, strict=True)):
        for role, policy in pairs:
            target = targets.setdefault(role["id"], {"role": role, "policy": policy, "named": [], "groups": []})
            label = group_label(index, group)
            if label not in target["groups"]:
                target["groups"].append(label)
                target["named"].append((label, group_settings(group)))
    out = []
    for target in targets.values():
        desired, problems = merge_settings(target.pop("named"), approver_map)
        conflicts.extend(f"{target['role'].get('displayName') or target['role']['id']}: {p}" for p in problems)
        out.append(dict(target, desired=desired))
    return out, conflicts


def wants_all(refs):
    return any(str(r).strip().lower() == ALL_ROLES for r in refs or [])


def select_roles(resolver, refs):
    """Role definitions for ``refs`` (``all`` = every role), in the order given, without duplicates."""
    if not refs or wants_all(refs):
        return sorted(resolver.all_roles(), key=lambda r: (r.get("displayName") or "").lower())
    found = match_roles(refs, resolver.all_roles())  # raises ResolveError with the closest names
    unique = {}
    for ref in refs:
        unique.setdefault(found[ref]["id"], found[ref])
    return list(unique.values())


def read_policies(graph):
    """roleDefinitionId (lower case) -> {"policy_id", "rules"}, for every directory role at once."""
    path, params = policy_assignments_for()
    return policies_by_role(graph.get_all(path, params=params))


def read_roles_and_policies(graph, resolver, approver_refs=()):
    """``read_policies``' answer, with the role definitions read into ``resolver`` in the same round trips.

    Both are independent collections of two pages each in a tenant of ~130 roles: sent together
    (``GraphSession.read_many``) they cost two ``$batch`` requests instead of four. The approvers named
    by user principal name or display name are looked up in the same round trips (``Resolver.principal_reads``):
    one request fewer; ``resolver.principals`` then has them, and reads on its own whatever is left.
    """
    path, params = policy_assignments_for()
    reads = [{"url": path, "params": params}]
    roles_read = resolver.roles_read()
    if roles_read is not None:
        reads.append(roles_read)
    lookups = resolver.principal_reads(approver_refs) if approver_refs else []
    answers = graph.read_many(reads + [read for _what, _chunk, read in lookups])
    answers, looked_up = answers[:len(reads)], answers[len(reads):]
    for answer in reversed(answers):  # a refused role read first: it is what a user fixes first
        if answer["error"] is not None:
            raise answer["error"]
    if roles_read is not None:
        resolver.take_roles(answers[1]["items"])
    if lookups:
        resolver.take_principals(lookups, looked_up)
    return policies_by_role(answers[0]["items"])


def policies_by_role(assignments):
    """Pure: the policy assignments read with ``policy_assignments_for()`` -> ``read_policies``' answer."""
    out = {}
    for assignment in assignments:
        policy = assignment.get("policy") or {}
        role_id = str(assignment.get("roleDefinitionId") or "").lower()
        out[role_id] = {"policy_id": policy.get("id") or assignment.get("policyId"),
                        "rules": policy.get("rules") or []}
    return out


def pair_roles_with_policies(roles, policies, skip_missing):
    """[(role, policy)]; a role named explicitly without a PIM policy is an error."""
    pairs, missing = [], []
    for role in roles:
        policy = None
        for key in (role.get("id"), role.get("templateId")):
            policy = policies.get(str(key or "").lower()) or policy
        if policy is None:
            missing.append(role.get("displayName") or role.get("id"))
        else:
            pairs.append((role, policy))
    if missing and not skip_missing:
        raise RoleSettingsError("no PIM policy found for role(s): " + ", ".join(missing) +
                                " (PIM manages directory roles at tenant scope '/')")
    return pairs


def approver_names(graph, pairs):
    """Approver object id (lower case) -> exportable name, with one ``getByIds`` (tolerant of deleted ones)."""
    ids = pairs_approver_ids(pairs)
    return approver_names_of(list(principals_by_ids(graph, ids, ["user", "group"])))


def pairs_approver_ids(pairs):
    """Pure: the approver object ids (lower case, sorted, once each) of the policies of ``[(role, policy)]``."""
    return sorted({oid for pair in pairs for oid in approver_ids(pair[1]["rules"])})


def approver_names_of(objects):
    """Pure: directory objects (``getByIds``' answer) -> {id (lower case): exportable name} of the users and
    groups among them; approvers are never anything else, so other kinds are left out."""
    names = {}
    for obj in objects:
        odata_type = str(obj.get("@odata.type", ""))
        if odata_type.endswith("servicePrincipal"):
            continue
        kind = "group" if odata_type.endswith("group") else "user"
        names[str(obj["id"]).lower()] = principal_name(dict(obj, type=kind))
    return names


def _failure(exc, method, url):
    """Any exception from sending a write as a GraphCallError (transport errors, WriteOutcomeUnknown...)."""
    if isinstance(exc, GraphCallError):
        return exc
    return GraphCallError(0, type(exc).__name__, str(exc) or repr(exc), method=method, path=url)


def outcome_unknown(error):
    """Whether a write that answered ``error`` may have landed all the same.

    A 4xx (other than 408 and 429) is Graph refusing the request: nothing was applied. No answer at
    all (a dropped connection, status 0), a timeout, throttling or a 5xx after every retry says
    nothing about the write, which may have been applied before the answer was lost (Graph's 503
    and 504 can follow an applied write, see "Microsoft Graph throttling guidance" / best practices).
    """
    status = getattr(error, "status", 0) or 0
    return status == 0 or status >= 500 or status in (408, 429)


def write_rules(graph, changes):
    """PATCH the changed rules of each policy; returns ``[(change, GraphCallError | None)]`` in order.

    ``changes`` are dicts with ``policy_id`` and ``bodies`` ({rule_id: body}). One policy goes
    as a plain PATCH; several go through ``$batch`` so 130 roles cost 7 write requests, not 130.
    Nothing raises: an exception while sending (any kind, ``WriteOutcomeUnknown`` included) becomes
    the error of every change whose answer it lost, for ``settle_unknown`` to decide by re-reading.
    """
    requests = [{"method": "PATCH", "url": policy_path(c["policy_id"]),
                 "body": {"rules": list(c["bodies"].values())}} for c in changes]
    if len(requests) == 1:
        try:
            graph.patch(requests[0]["url"], requests[0]["body"])
            return [(changes[0], None)]
        except Exception as exc:  # noqa: BLE001 - reported per role by the module, or settled by a re-read
            return [(changes[0], _failure(exc, "PATCH", requests[0]["url"]))]
    try:
        answers = graph.batch(requests)
    except Exception as exc:  # noqa: BLE001 - the $batch answer is lost: which PATCHes landed is unknown
        lost = _failure(exc, "POST", "/$batch")
        return [(change, lost) for change in changes]
    out = []
    for change, request, answer in zip(changes, requests, answers, strict=True):
        if answer is None:
            error = GraphSession.batch_error({"status": 0, "body": {"error": {
                "code": "NoAnswer", "message": "$batch returned no answer for this request"}}}, "PATCH", request["url"])
        else:
            error = GraphSession.batch_error(answer, "PATCH", request["url"])
        out.append((change, error))
    return out


def settle_unknown(graph, outcome, approver_map=None):
    """Decide the writes whose answer was lost by one re-read of every policy.

    ``outcome`` is ``write_rules``' answer; each change must carry ``desired`` and ``policy``. A change
    whose re-read rules already hold the desired settings landed: its error is dropped and
    ``confirmed_by_reread`` set. One that does not keeps its error, with ``landed`` telling whether
    any of its rules moved (a partial write still changed the tenant). Returns ``(outcome, reread_error)``;
    when the re-read itself fails, the outcome is returned as it was with that error.
    """
    unknown = [(c, e) for c, e in outcome if e is not None and outcome_unknown(e)]
    if not unknown:
        return outcome, None
    try:
        policies = read_policies(graph)
    except Exception as exc:  # noqa: BLE001 - the caller reports the writes as unconfirmed
        return outcome, _failure(exc, "GET", POLICY_ASSIGNMENTS)
    by_policy = {p["policy_id"]: p["rules"] for p in policies.values()}
    settled = []
    for change, error in outcome:
        if error is None or not outcome_unknown(error):
            settled.append((change, error))
            continue
        rules = by_policy.get(change["policy_id"])
        if rules is None:
            change["landed"] = False
            settled.append((change, error))
            continue
        try:
            remaining = plan(rules, change["desired"], approver_map)
        except PolicyError:
            remaining = True  # cannot compare: not confirmed, so the error stands
        before = {r.get("id"): r for r in change["policy"]["rules"]}
        now = {r.get("id"): r for r in rules}
        change["landed"] = any(now.get(rid) != before.get(rid) for rid in change["bodies"])
        if not remaining:
            change["confirmed_by_reread"] = True
            settled.append((change, None))
        else:
            settled.append((change, error))
    return settled, None
