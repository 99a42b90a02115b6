# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Graph side of the PIM settings modules: read policies, write rules.

Private to the collection (leading underscore): may change in any release.

One copy for both surfaces: pim_role_setting(_info) for directory roles, pim_group_setting(_info) for the
``member`` and ``owner`` policies of PIM for Groups. A settings target is a dict with an ``id`` and a
``displayName``: a role definition, or a group's access (``group_target``); the pairing with policies,
the merge of several groups of settings, the approvers' names and the writes do not care which.

Reads are in bulk: one read of the role definitions, one of every directory-role policy with
its rules, one ``getByIds`` for the approvers' names. Graph reads a group's policies only by its id
(``scopeId``), so many groups are one read each, sent together through ``$batch`` (``read_many``).
Writes are one ``PATCH`` per changed policy carrying only the changed rules, sent through ``$batch``
(20 per request) as soon as more than one policy changes. The mapping itself lives in ``_policy``
and does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._client import GraphCallError, GraphSession
from ._graph_paths import (
    GROUP_ACCESS_IDS, POLICY_ASSIGNMENTS, group_policy_assignments_for, policy_assignments_for, policy_path,
    principals_by_ids,
)
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
from ._resolve import ResolveError, match_roles, split_principal_ref

ALL_ROLES = "all"

SECTIONS = ("activation", "eligible_assignment", "active_assignment", "notifications")
# What pim_group_setting sets when ``access`` is left out: the membership, as the assignment modules default to.
DEFAULT_ACCESS = ("member",)


class RoleSettingsError(Exception):
    """A problem found after the reads and before any write."""


@dataclass(frozen=True)
class SettingsShape:
    """How one surface's settings modules name things; everything else is shared.

    ``list_option`` is the option holding several groups of targets and settings, ``targets_option`` the
    key naming the targets in it (and at the top level). The result has one entry per target under
    ``result_key``, whose ``identity`` fields say which target it is; with ``list_option`` each entry lists
    its groups' labels under ``labels_key`` and the result has one summary per group under ``summary_key``,
    whose targets' names are under ``summary_targets_key``. ``noun`` counts targets in messages.
    """
    list_option: str
    targets_option: str
    targets_hint: str  # completes "name at least one ..." in a message
    result_key: str
    labels_key: str
    summary_key: str
    summary_targets_key: str
    noun: str
    identity: object  # target -> the result fields naming it
    error_identity: object  # target -> the fields naming it in an ``errors`` entry
    entry_problems: object = None  # (targets given, group) -> problems of a group found without a read
    entry_keys: tuple = ()  # top-level options, besides the targets and settings, that make up a group


DIRECTORY_SETTINGS = SettingsShape(
    list_option="role_settings", targets_option="roles",
    targets_hint="role (display name, template id or id), or 'all'",
    result_key="roles", labels_key="groups", summary_key="groups", summary_targets_key="roles", noun="role",
    identity=lambda role: {"role": role["displayName"], "id": role["id"]},
    error_identity=lambda role: {"role": role["displayName"]})

# PIM for Groups: a target is one group's "member" or "owner" policy (group_target below).
GROUP_SETTINGS = SettingsShape(
    list_option="group_settings", targets_option="groups", targets_hint="group (display name or object id)",
    result_key="policies", labels_key="entries", summary_key="entries", summary_targets_key="policies",
    noun="group policy",
    identity=lambda target: {"group": target["group"].get("displayName"), "group_id": target["group"]["id"],
                             "access": target["access"]},
    error_identity=lambda target: {"group": target["group"].get("displayName"), "group_id": target["group"]["id"],
                                   "access": target["access"]},
    entry_problems=lambda refs, group: _group_refs_problems(refs, group.get("access")),
    entry_keys=("access",))


# ---- several groups of targets and settings in one run (pure) ----------------------------------

def role_settings_argument_spec():
    """The ``role_settings`` option: a list of ``{name, roles, <settings>}``.

    The settings suboptions are the very spec of the top-level settings options (built from
    ``_policy``'s field table), so the two cannot drift apart.
    """
    options = {"name": {"type": "str"}, "roles": {"type": "list", "elements": "str", "required": True}}
    options.update(settings_argument_spec())
    return {"role_settings": {"type": "list", "elements": "dict", "options": options}}


def access_argument_spec():
    """The ``access`` option of the group settings modules: ``member``, ``owner`` or both.

    No default in the spec, so ``access`` can be mutually exclusive with ``group_settings``: left out, it
    means ``DEFAULT_ACCESS`` (``entry_access``)."""
    return {"type": "list", "elements": "str", "choices": list(GROUP_ACCESS_IDS)}


def entry_access(group, default=DEFAULT_ACCESS):
    """The access values a group of ``group_settings`` names, once each, in the order given."""
    return list(dict.fromkeys(group.get("access") or default))


def group_settings_argument_spec():
    """The ``group_settings`` option: a list of ``{name, groups, access, <settings>}`` (``role_settings``'
    shape, groups and their access in place of roles)."""
    options = {"name": {"type": "str"}, "groups": {"type": "list", "elements": "str", "required": True},
               "access": access_argument_spec()}
    options.update(settings_argument_spec())
    return {"group_settings": {"type": "list", "elements": "dict", "options": options}}


def requested_groups(params, shape=DIRECTORY_SETTINGS):
    """The groups to apply: ``role_settings`` (``group_settings``) as given, or the top-level options as one
    group; and whether they were given as a list."""
    if params.get(shape.list_option) is not None:
        return params[shape.list_option], True
    group = {key: params[key] for key in SECTIONS + shape.entry_keys}
    group[shape.targets_option] = params[shape.targets_option]
    return [group], False


def group_label(index, group, shape=DIRECTORY_SETTINGS):
    """How messages name a group: ``role_settings[1]``, with its name when it has one."""
    name = (group or {}).get("name")
    option = shape.list_option
    return f"{option}[{index}] ({name})" if name else f"{option}[{index}]"


def group_settings(group):
    """The settings a group sets (its sections that are not left out)."""
    return {key: group[key] for key in SECTIONS if (group or {}).get(key) is not None}


def validate_groups(groups, shape=DIRECTORY_SETTINGS):
    """Every problem of every group that needs no Graph read to find; [] when fine."""
    errors = []
    if not groups:
        return [f"{shape.list_option}: give at least one group of {shape.targets_option} and settings"]
    for index, group in enumerate(groups):
        label = group_label(index, group, shape)
        refs = [r for r in group.get(shape.targets_option) or [] if str(r).strip()]
        if not refs:
            errors.append(f"{label}: {shape.targets_option}: name at least one {shape.targets_hint}")
        if shape.entry_problems is not None:
            errors.extend(f"{label}: {problem}" for problem in shape.entry_problems(refs, group))
        errors.extend(f"{label}: {problem}" for problem in validate(group_settings(group)))
    return errors


def _group_refs_problems(refs, access):
    """What is wrong with a group entry's ``groups`` and ``access`` that needs no read to find."""
    problems = []
    if wants_all(refs):
        problems.append("groups: 'all' is not available for groups: Graph reads a group's PIM policies by the "
                        "group's id only, so name the groups (a group called 'all' is written 'group:all')")
    if access is not None and not access:
        problems.append("access: give member, owner or both")
    return problems


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


def combine_groups(groups, group_pairs, approver_map=None, shape=DIRECTORY_SETTINGS):
    """Groups and their ``[(role, policy)]`` -> one target per role, and the conflicts.

    Returns ``(targets, conflicts)``: ``targets`` are ``{"role", "policy", "desired", "groups"}`` in
    the order roles first appear, ``desired`` being every group's settings for that role merged
    (``_policy.merge_settings``); ``conflicts`` name the role, the setting and both groups.
    """
    targets, conflicts = {}, []
    for index, (group, pairs) in enumerate(zip(groups, group_pairs, strict=True)):
        for role, policy in pairs:
            target = targets.setdefault(role["id"], {"role": role, "policy": policy, "named": [], "groups": []})
            label = group_label(index, group, shape)
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


# ---- PIM for Groups: each group has a "member" and an "owner" policy --------------------------------

def group_ref(ref):
    """A group as the resolver reads it: a name or id without a kind prefix gets ``group:``, so a service
    principal of the same display name is never a candidate (``Resolver.principals`` then refuses any other
    kind by name)."""
    kind, text = split_principal_ref(ref)
    return str(ref).strip() if kind is not None else "group:" + text


def group_target(group, access):
    """One group's ``member`` or ``owner`` policy as a settings target: ``id`` and ``displayName`` are what
    the shared pairing, merge and messages key by; ``group`` (resolved) and ``access`` are what results show."""
    name = group.get("displayName") or group["id"]
    return {"id": f"{str(group['id']).lower()}/{access}", "displayName": f"{name} ({access})",
            "group": group, "access": access}


def group_policy_reads(group_ids):
    """The policy reads of ``group_ids`` for ``read_many``: Graph filters the policy assignments of groups by
    ``scopeId`` (the group) and ``scopeType eq 'Group'``, one group per read (List
    roleManagementPolicyAssignments: both are required)."""
    out = []
    for group_id in group_ids:
        path, params = group_policy_assignments_for(group_id)
        out.append({"url": path, "params": params})
    return out


def group_policies_of(group_ids, answers):
    """Pure: each group's policy assignments (``read_many``'s items, in the order of ``group_ids``) ->
    {(group id lower case, access): {"policy_id", "rules"}}. A group never used with PIM has none."""
    out = {}
    for group_id, items in zip(group_ids, answers, strict=True):
        for assignment in items:
            access = str(assignment.get("roleDefinitionId") or "").lower()
            policy = assignment.get("policy") or {}
            out[(str(group_id).lower(), access)] = {"policy_id": policy.get("id") or assignment.get("policyId"),
                                                    "rules": policy.get("rules") or []}
    return out


def read_group_policies(graph, group_ids):
    """``group_policies_of`` the groups, read together (20 groups per ``$batch``); raises the first error."""
    group_ids = list(dict.fromkeys(str(g).lower() for g in group_ids))
    if not group_ids:
        return {}
    answers = graph.read_many(group_policy_reads(group_ids))
    for answer in answers:
        if answer["error"] is not None:
            raise answer["error"]
    return group_policies_of(group_ids, [a["items"] for a in answers])


def pair_groups_with_policies(groups, access, policies):
    """Resolved ``groups`` x ``access`` -> ``([(target, policy)], [targets without a policy])``, group by group.

    A group has no policy until PIM first manages it; the caller decides whether that is an error (a write)
    or a fact to report (a read)."""
    pairs, missing, seen = [], [], set()
    for group in groups:
        for access_id in access:
            target = group_target(group, access_id)
            if target["id"] in seen:
                continue
            seen.add(target["id"])
            policy = policies.get((str(group["id"]).lower(), access_id))
            if policy is None:
                missing.append(target)
            else:
                pairs.append((target, policy))
    return pairs, missing


def resolve_groups(graph, resolver, refs, approver_refs=()):
    """ref -> resolved group, for every group ref of a run; raises ``ResolveError`` naming every unknown one.

    The lookups by display name go out together with those of the approvers (``Resolver.principal_reads``):
    one round trip for both; object ids are read with one ``getByIds``. ``resolver.principals`` then holds
    the approvers too."""
    wanted = {ref: group_ref(ref) for ref in refs}
    lookups = resolver.principal_reads(list(dict.fromkeys(wanted.values())) + list(approver_refs))
    if lookups:
        resolver.take_principals(lookups, graph.read_many([read for _what, _chunk, read in lookups]))
    try:
        found = resolver.principals(list(dict.fromkeys(wanted.values())), kinds=("group",))
    except ResolveError as exc:
        raise ResolveError(_group_resolve_message(str(exc), wanted)) from None
    return {ref: found[wanted[ref]] for ref in refs}


# The resolver's closing advice covers every kind of principal; groups are named one way.
_PRINCIPAL_ADVICE = ". Give an object id, a user principal name,"


def _group_resolve_message(message, wanted):
    """The resolver's error about groups, in the user's words: each ref as given (not with the ``group:``
    prefix ``group_ref`` added) and the advice for groups only."""
    for ref, sent in wanted.items():
        if sent != str(ref).strip():
            message = message.replace(repr(sent), repr(str(ref).strip()))
    if _PRINCIPAL_ADVICE in message:
        message = message.split(_PRINCIPAL_ADVICE, 1)[0] + (
            ". Give each group's display name or object id (prefix a name with group: when it looks like "
            "something else).")
    return "groups: " + message


def read_group_targets(graph, resolver, entries, approver_refs=()):
    """The groups of ``entries`` (``group_settings``' shape) resolved and paired with their policies.

    Returns ``(group_pairs, missing, group_ids)``: each entry's ``[(target, policy)]``, the targets
    without a policy (groups PIM does not manage yet), and the ids of every group read (for a re-read).
    Two round trips for named groups: the lookup, then every group's policies together.
    """
    refs = [r for entry in entries for r in entry.get("groups") or [] if str(r).strip()]
    found = resolve_groups(graph, resolver, list(dict.fromkeys(refs)), approver_refs)
    group_ids = list(dict.fromkeys(str(g["id"]).lower() for g in found.values()))
    policies = read_group_policies(graph, group_ids)
    group_pairs, missing = [], {}
    for entry in entries:
        groups = {}
        for ref in entry.get("groups") or []:
            if str(ref).strip():
                groups.setdefault(str(found[ref]["id"]).lower(), found[ref])
        pairs, lost = pair_groups_with_policies(list(groups.values()), entry_access(entry), policies)
        group_pairs.append(pairs)
        missing.update((t["id"], t) for t in lost)
    return group_pairs, list(missing.values()), group_ids


def unmanaged_message(missing):
    """Why nothing was written when a group named has no PIM policy yet, and how it gets one."""
    names = ", ".join(dict.fromkeys(repr(t["group"].get("displayName") or t["group"]["id"]) for t in missing))
    access = " and ".join(a for a in GROUP_ACCESS_IDS if any(t["access"] == a for t in missing))
    return (f"group(s) not managed by PIM yet, without a {access} policy to set: {names}. PIM creates a "
            "group's member and owner policies when it first manages the group: with its first eligible or "
            "active assignment through PIM (for example entra.pim.pim_group_eligible_assignment), or when the "
            "group is brought under PIM in the Microsoft Entra admin center (Privileged Identity Management, "
            "Groups, Discover groups). Then set its settings")


def group_settings_of(entries):
    """pim_group_setting_info's ``[{group_id, access, settings}]`` -> ``group_settings`` entries.

    Policies with identical settings and the same access share an entry, in the order first seen; then two
    entries that differ only by access (the same groups, the same settings: a group whose member and owner
    policies are alike) become one with both. Groups are given by id, the settings as read, so the export
    is applied back with one call.
    """
    by_access = []
    for entry in entries:
        settings = {key: entry["settings"][key] for key in SECTIONS if key in entry["settings"]}
        for group in by_access:
            if group["access"] == [entry["access"]] and group["settings"] == settings:
                group["groups"].append(entry["group_id"])
                break
        else:
            by_access.append({"groups": [entry["group_id"]], "access": [entry["access"]], "settings": settings})
    merged = []
    for group in by_access:
        for other in merged:
            if other["groups"] == group["groups"] and other["settings"] == group["settings"]:
                other["access"] = [a for a in GROUP_ACCESS_IDS if a in other["access"] + group["access"]]
                break
        else:
            merged.append(group)
    return [dict({"groups": g["groups"], "access": g["access"]}, **g["settings"]) for g in merged]


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


def settle_unknown(graph, outcome, approver_map=None, reread=None):
    """Decide the writes whose answer was lost by one re-read of every policy.

    ``outcome`` is ``write_rules``' answer; each change must carry ``desired`` and ``policy``. A change
    whose re-read rules already hold the desired settings landed: its error is dropped and
    ``confirmed_by_reread`` set. One that does not keeps its error, with ``landed`` telling whether
    any of its rules moved (a partial write still changed the tenant). Returns ``(outcome, reread_error)``;
    when the re-read itself fails, the outcome is returned as it was with that error.
    ``reread(graph)`` reads the policies again (``read_policies``: every directory role's; a group
    settings run passes the read of its groups' policies), answering ``{key: {"policy_id", "rules"}}``.
    """
    unknown = [(c, e) for c, e in outcome if e is not None and outcome_unknown(e)]
    if not unknown:
        return outcome, None
    try:
        policies = (reread or read_policies)(graph)
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
