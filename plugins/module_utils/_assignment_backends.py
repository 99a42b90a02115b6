# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the assignment run needs to know about one PIM surface: its names, reads and result shape.

Private to the collection (leading underscore): may change in any release.

``_assignment_module.AssignmentRun`` is one run (validate, resolve, read, plan, guard, write, re-read) for
every surface; a backend answers the few questions whose answer differs:

- which names the input gives and how they resolve (directory roles and scopes; groups and access),
- which reads give the state of the privileges concerned (Graph's group lists require a ``groupId``
  filter, so one read per group, all sent together through ``$batch``),
- how results name a privilege (``role``/``role_id``/``scope``, or ``group``/``group_id``/``access``),
- what policy each privilege has (a group never used with PIM has none until its first request).

Backends hold no state of their own: whatever they learn (names) goes into the run.
"""

from __future__ import annotations

from ._assignment_rules import GROUP_DEFAULT_REQUIREMENTS
from ._assignments import KINDS, actual_state
from ._client import BATCH_LIMIT, GraphCallError, GraphSession
from ._graph_paths import group_policy_assignments_for, group_schedule_reads, policy_assignments_for
from ._inert import printable
from ._resolve import Resolver
from ._surfaces import AZURE, DIRECTORY, GROUPS


def _raise_first_error(answers):
    for answer in answers:
        if answer["error"] is not None:
            raise answer["error"]


class GraphBackend:
    """What the Graph surfaces share: the module's Graph session reads, resolves and writes, and schedule
    requests go out through ``$batch``."""

    surface = DIRECTORY
    arm = False  # whether the module talks to Resource Manager (``PimModule(arm=...)``)

    @staticmethod
    def session(module):
        """The session reads and writes go through (the Graph one here; ARM for Azure resource roles)."""
        return module.graph()

    @staticmethod
    def params(module):
        """The module's options as the run reads them (a surface may fill in a default from the connection)."""
        return module.params

    @staticmethod
    def resolver(module, session):
        return Resolver(session)

    def submit(self, graph, phase):
        """``(action, error or None, lost)`` per action; ``lost`` for the actions of a ``$batch`` request whose
        answer never came: a dropped connection, a timeout, a 5xx on the envelope after every retry. Those
        requests may have been applied, so they are re-read, never reported as unchanged. One ``$batch`` per 20
        actions, so a lost answer leaves the other batches' answers intact."""
        out = []
        for start in range(0, len(phase), BATCH_LIMIT):
            chunk = phase[start:start + BATCH_LIMIT]
            try:
                answers = graph.batch([{"method": "POST", "url": self.surface.schedules[a.kind]["requests"],
                                        "body": a.request_body(self.surface)} for a in chunk])
            except Exception as exc:  # any failure of the call: what reached Graph is unknown, a re-read decides
                lost = exc if isinstance(exc, GraphCallError) else GraphCallError(
                    getattr(exc, "status", 0) or 0, getattr(exc, "code", None) or type(exc).__name__,
                    str(exc) or repr(exc), method="POST", path="/$batch")
                out += [(act, lost, True) for act in chunk]
                continue
            out += [(act, GraphSession.batch_error(answer or {"status": 0}, "POST",
                                                   self.surface.schedules[act.kind]["requests"]), False)
                    for act, answer in zip(chunk, answers, strict=True)]
        return out


class DirectoryBackend(GraphBackend):
    """Directory roles (``roleManagement/directory``): one read of every role's schedules and policies."""

    surface = DIRECTORY
    exclusive_option, targets, policy_noun = "exclusive_roles", "roles", "role"

    @staticmethod
    def principal_kinds(kind):
        # Service principals cannot be eligible for directory roles (Graph refuses); they may hold active ones.
        return ("user", "group") if kind == "eligible" else ("user", "group", "servicePrincipal")

    @staticmethod
    def exclusive_refs(params, desired):
        return params.get("exclusive_roles") or [d.role_ref for d in desired]

    @staticmethod
    def lookups(resolver, desired, exclusive_refs, principals, protected):
        """The name lookups, in the order their unknown names are reported."""
        return [lambda: resolver.roles(list(dict.fromkeys([d.role_ref for d in desired] + exclusive_refs))),
                principals, protected, lambda: resolver.scopes([d.scope_ref for d in desired])]

    @staticmethod
    def split(answers):
        """``lookups``' answers -> (targets, principals, protected)."""
        roles, principals, protected, scopes = answers
        return (roles, scopes), principals, protected

    @staticmethod
    def bind(desired, targets):
        roles, scopes = targets
        role = roles[desired.role_ref]
        desired.role_id, desired.role_name, desired.scope = role["id"], role.get("displayName"), scopes[
            desired.scope_ref]

    @staticmethod
    def item_problems(run, desired, principal, targets):
        if principal["type"] == "group" and principal.get("isAssignableToRole") is False and \
                desired.state == "present":
            return [f"group {desired.principal_ref!r} is not role-assignable; only groups created with "
                    "isAssignableToRole can hold directory roles"]
        return []

    @staticmethod
    def name_targets(run, resolver, targets):
        # Names only label messages, results and the diff: made printable once, here (a custom role's name is
        # chosen by the tenant's administrators and may carry terminal escapes).
        run.role_names = {r["id"]: printable(r.get("displayName") or r["id"]) for r in resolver.all_roles()}

    @staticmethod
    def concerned(targets, exclusive_refs):
        roles, _scopes = targets
        return {roles[ref]["id"] for ref in exclusive_refs}

    def read_state(self, graph, kinds, role_ids, now):
        """The state of ``kinds`` for the roles, and every role's policy: one read of each list, and one for
        all the policies (the pre-check needs only a few rules of it), sent together ($batch), pages too."""
        reads = [r for kind in kinds for r in assignment_reads(kind, role_ids)]
        path, params = policy_assignments_for()
        reads.append({"url": path, "params": params})
        answers = graph.read_many(reads)
        _raise_first_error(answers)
        state = {kind: assignments_of(role_ids, answers[2 * n]["items"], answers[2 * n + 1]["items"], now)
                 for n, kind in enumerate(kinds)}
        state["policies"] = answers[-1]["items"]
        return state

    @staticmethod
    def read_assignments(graph, kind, role_ids, now):
        return read_assignments(graph, kind, role_ids, now)

    # -- how results, messages and the diff name a privilege ----------------------------------------------
    @staticmethod
    def fields(run, role_id, scope):
        return {"role": run.role_names.get(role_id, role_id), "role_id": role_id, "scope": scope}

    @staticmethod
    def names(run, role_id, scope):
        return {"role": run.role_names.get(role_id)}

    @staticmethod
    def shape(view):
        return view

    @staticmethod
    def label(run, act):
        return f"{run.role_names.get(act.role_id, act.role_id)} / {act.scope}"

    @staticmethod
    def subject(run):
        return None  # diff_view's own: role / principal / kind / scope

    # -- policies --------------------------------------------------------------------------------------------
    @staticmethod
    def planning_requirements(requirements, role_ids):
        return requirements

    @staticmethod
    def policy_warnings(run, actions, requirements):
        return []


def read_assignments(graph, kind, role_ids, now):
    """Instances and schedules of ``kind`` for some roles. A documented ``eq`` filter for one role; for
    several, everything (paged) filtered here: Graph documents no ``in`` on these lists, and one read of
    all beats one read per role."""
    instances, schedules = (graph.get_all(r["url"], params=r["params"]) for r in assignment_reads(kind, role_ids))
    return assignments_of(role_ids, instances, schedules, now)


def assignment_reads(kind, role_ids):
    """The two reads of ``read_assignments`` (instances, schedules), for ``GraphSession.read_many``."""
    params = None
    if len(role_ids) == 1:
        params = {"$filter": f"roleDefinitionId eq '{next(iter(role_ids))}'"}
    return [{"url": KINDS[kind]["instances"], "params": params}, {"url": KINDS[kind]["schedules"], "params": params}]


def assignments_of(role_ids, instances, schedules, now, surface=DIRECTORY):
    """Pure: the instances and schedules read -> the state of the given roles (``actual_state``); ``role_ids``
    are planner keys (``Surface.role_key``), so a group's owners stay out of a run about its members."""
    wanted = set(role_ids)
    return actual_state([i for i in instances if surface.key_of(i) in wanted],
                        [s for s in schedules if surface.key_of(s) in wanted], now, surface)


class GroupBackend(GraphBackend):
    """PIM for Groups (``identityGovernance/privilegedAccess/group``): membership (``member``) and ownership
    (``owner``) of groups, keyed per (group, access) in the planner (``GROUPS.role_key``)."""

    surface = GROUPS
    exclusive_option, targets, policy_noun = "exclusive_groups", "groups", "group"

    @staticmethod
    def principal_kinds(kind):
        # Users and groups: "One group can be an eligible member of another group" (Microsoft Entra, "Privileged
        # Identity Management (PIM) for Groups", group nesting). PIM for Groups grants membership and ownership to
        # users and groups; service principals are refused here (they cannot activate, and Microsoft documents
        # only users and groups as PIM for Groups principals): add one as a plain member outside PIM instead.
        return ("user", "group")

    @staticmethod
    def exclusive_refs(params, desired):
        """(group ref, access) pairs: ``exclusive_groups`` with the module's ``access``, else the input's pairs. A
        group's members and owners are separate lists: emptying one never touches the other."""
        if params.get("exclusive_groups"):
            return [(ref, params.get("access") or GROUPS.role_default) for ref in params["exclusive_groups"]]
        return [(d.scope_ref, d.role_ref) for d in desired]

    @staticmethod
    def lookups(resolver, desired, exclusive_refs, principals, protected):
        refs = list(dict.fromkeys([d.scope_ref for d in desired] + [ref for ref, _access in exclusive_refs]))
        return [lambda: resolver.groups(refs), principals, protected]

    @staticmethod
    def split(answers):
        groups, principals, protected = answers
        return groups, principals, protected

    @staticmethod
    def bind(desired, groups):
        group = groups[desired.scope_ref]
        desired.scope = group["id"]
        desired.role_id, desired.role_name = GROUPS.role_key(desired.role_ref, group["id"]), desired.role_ref

    @staticmethod
    def item_problems(run, desired, principal, groups):
        if desired.state != "present":
            return []
        group = groups[desired.scope_ref]
        where = f"{desired.principal_ref!r} / group {desired.scope_ref!r} / {desired.role_ref}"
        if principal["id"] == group["id"]:
            return [f"{where}: a group cannot be a member or owner of itself"]
        if principal["type"] == "group" and desired.role_ref == "owner":
            # https://learn.microsoft.com/graph/api/group-post-owners: owners are users or service principals.
            return [f"{where}: a group cannot own a group (group owners are users); give owner access to users"]
        if principal["type"] == "group" and run.kind == "active" and group.get("isAssignableToRole"):
            # "one group can't be an active member of another group that is role-assignable" (Microsoft Entra,
            # "Privileged Identity Management (PIM) for Groups", group nesting); an eligible member may be.
            return [f"{where}: a group cannot be an active member of a role-assignable group; make it an eligible "
                    "member (entra.pim.pim_group_eligible_assignment) instead"]
        return []

    @staticmethod
    def name_targets(run, resolver, groups):
        run.scope_names = getattr(run, "scope_names", {})
        for group in groups.values():
            name = printable(group.get("displayName") or group["id"])
            run.scope_names[group["id"]] = name
            for access in GROUPS.fixed_roles:
                run.role_names[GROUPS.role_key(access, group["id"])] = f"{name} ({access})"

    @staticmethod
    def concerned(groups, exclusive_refs):
        return {GROUPS.role_key(access, groups[ref]["id"]) for ref, access in exclusive_refs}

    @staticmethod
    def group_ids(role_ids):
        return sorted({key.rsplit("/", 1)[0] for key in role_ids})

    def read_state(self, graph, kinds, role_ids, now):
        """Graph requires ``$filter=groupId eq`` on the group lists (privilegedaccessgroup-list-* pages): one read
        of each list per group and kind, and one policy read per group (``scopeType eq 'Group'``), all sent
        together through ``$batch`` (``read_many``), pages too. A group never used with PIM answers no policy."""
        gids = self.group_ids(role_ids)
        reads = [r for kind in kinds for r in group_schedule_reads(kind, gids)]
        for gid in gids:
            path, params = group_policy_assignments_for(gid)
            reads.append({"url": path, "params": params})
        answers = graph.read_many(reads) if reads else []
        _raise_first_error(answers)
        per_kind = 2 * len(gids)
        state = {}
        for n, kind in enumerate(kinds):
            lists = answers[n * per_kind:(n + 1) * per_kind]
            state[kind] = assignments_of(role_ids, [i for a in lists[0::2] for i in a["items"]],
                                         [s for a in lists[1::2] for s in a["items"]], now, GROUPS)
        state["policies"] = [p for a in answers[len(kinds) * per_kind:] for p in a["items"]]
        return state

    def read_assignments(self, graph, kind, role_ids, now):
        """The state of ``kind`` for some (group, access) keys: a re-read after a write whose outcome is unknown."""
        gids = self.group_ids(role_ids)
        answers = graph.read_many(group_schedule_reads(kind, gids)) if gids else []
        _raise_first_error(answers)
        return assignments_of(role_ids, [i for a in answers[0::2] for i in a["items"]],
                              [s for a in answers[1::2] for s in a["items"]], now, GROUPS)

    # -- how results, messages and the diff name a privilege ----------------------------------------------
    @staticmethod
    def fields(run, role_id, scope):
        return {"group": run.scope_names.get(scope, scope), "group_id": scope, "access": GROUPS.role_of(role_id)}

    @staticmethod
    def names(run, role_id, scope):
        return {"group": run.scope_names.get(scope)}

    @staticmethod
    def shape(view):
        """A planner view in the group vocabulary: ``group_id`` and ``access`` instead of ``scope`` and ``role_id``,
        ``member_type`` as Graph spells it for groups (``direct``, ``group``)."""
        out = {"principal_id": view["principal_id"], "group_id": view["scope"],
               "access": GROUPS.role_of(view["role_id"])}
        out.update((k, v) for k, v in view.items() if k not in ("principal_id", "scope", "role_id"))
        if out.get("member_type"):
            out["member_type"] = str(out["member_type"]).lower()
        return out

    @staticmethod
    def label(run, act):
        return f"group {run.scope_names.get(act.scope, act.scope)} / {GROUPS.role_of(act.role_id)}"

    @staticmethod
    def subject(run):
        def subject(act, who):
            group, access = run.scope_names.get(act.scope, act.scope), GROUPS.role_of(act.role_id)
            return (f"{group} / {access} / {who} / {act.kind}",
                    {"group": group, "access": access, "principal": who, "kind": act.kind})
        return subject

    # -- policies --------------------------------------------------------------------------------------------
    @staticmethod
    def planning_requirements(requirements, role_ids):
        """A group without a policy gets one with Microsoft's defaults on its first request: an item without a
        schedule is planned against those, so that first request is one the new policy accepts."""
        out = {key: dict(GROUP_DEFAULT_REQUIREMENTS) for key in role_ids if key not in requirements}
        out.update(requirements)
        return out

    @staticmethod
    def policy_warnings(run, actions, requirements):
        """One warning per group concerned that has no policy yet (never used with PIM for Groups): the plan's
        first request to it creates its policies; a group the plan leaves alone is not PIM-managed, so its
        plain members and owners, if any, are not in PIM's lists yet (Graph lists them as assignments made
        outside PIM once the group is managed)."""
        out = []
        written = {act.scope for act in actions}
        for gid in GroupBackend.group_ids(run.role_ids):
            if any(GROUPS.role_key(access, gid) in requirements for access in GROUPS.fixed_roles):
                continue
            name = run.scope_names.get(gid, gid)
            if gid in written:
                out.append(f"group {name} has no PIM policy yet (it was never used with PIM for Groups): its first "
                           "request makes Graph create its member and owner policies with Microsoft's defaults, so "
                           "the policy pre-check is skipped for it and Graph evaluates the request (use "
                           "entra.pim.pim_group_setting afterwards to change the policy)")
            else:
                out.append(f"group {name} is not managed by PIM for Groups yet (no policy): its plain members and "
                           "owners, if any, are not listed as PIM assignments until its first PIM request (an "
                           "eligible or active assignment through PIM) brings the group under PIM")
        return out


def backend_for(surface):
    # Imported here: the Azure backend imports this module (``assignments_of``).
    from ._arm_assignment_backend import AzureBackend

    return {DIRECTORY.name: DirectoryBackend, GROUPS.name: GroupBackend, AZURE.name: AzureBackend}[surface.name]()
