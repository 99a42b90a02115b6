# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run of the assignment modules: validate, read in bulk, plan, guard, write.

Private to the collection (leading underscore): may change in any release.

One run for every PIM surface: pim_eligible_assignment and pim_active_assignment (directory roles), and
pim_group_eligible_assignment and pim_group_active_assignment (PIM for Groups). What differs between the
surfaces (names, reads, the shape of results) is asked of a backend (``_assignment_backends``).
"""

from __future__ import annotations

import time

from ._assignment_backends import DirectoryBackend, backend_for
from ._assignment_rules import guard_break_glass, guard_last_admins, policy_problems, policy_requirements
from ._assignments import GUARDED_ROLES, KINDS, AssignmentError, diff_view, holds, plan, target_options, validate_items
from ._client import GraphCallError
from ._graph_paths import principals_by_ids
from ._inert import printable
from ._module import PimModule
from ._resolve import ResolveError
from ._schedule import utcnow
from ._surfaces import AZURE, DIRECTORY, GROUPS

# A retried write that already landed comes back as one of these; a re-read decides.
ALREADY_DONE = ("RoleAssignmentExists", "RoleAssignmentDoesNotExist")
# A server error still there after every retry (500, 502, 503, 504...) or no HTTP answer at all (status 0):
# the write may have landed all the same, so a re-read decides.
SERVER_ERROR = 500
# Graph's lists may lag a write by a few seconds (replication): a re-read that does not show a write yet is
# repeated after these pauses before the write counts as not applied. Bounded: three reads at most.
REREAD_PAUSES = (1.0, 3.0)
PAST_TENSE = {"adminAssign": "assigned", "adminUpdate": "updated", "adminExtend": "extended",
              "adminRenew": "renewed", "adminRemove": "removed"}
ITEM_SPEC = dict(
    principal=dict(type="str", required=True), role=dict(type="str", required=True), scope=dict(type="str"),
    start=dict(type="str"), end=dict(type="str"), duration=dict(type="str"), permanent=dict(type="bool"),
    justification=dict(type="str"), ticket_number=dict(type="str"), ticket_system=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"]),
)


GROUP_ITEM_SPEC = dict(
    {k: v for k, v in ITEM_SPEC.items() if k not in ("role", "scope")},
    group=dict(type="str", required=True), access=dict(type="str", choices=list(GROUPS.fixed_roles)),
)


def argument_spec(kind, surface=DIRECTORY):
    """The module options of ``kind`` (eligible or active) on ``surface``."""
    return ARGUMENT_SPECS[surface.name](kind)


def directory_argument_spec(kind):
    spec = dict(
        principal=dict(type="str"), role=dict(type="str"), scope=dict(type="str", default="/"),
        start=dict(type="str"), end=dict(type="str"), duration=dict(type="str"), permanent=dict(type="bool"),
        justification=dict(type="str"), ticket_number=dict(type="str"), ticket_system=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        assignments=dict(type="list", elements="dict", options=ITEM_SPEC),
        exclusive=dict(type="bool", default=False),
        exclusive_roles=dict(type="list", elements="str"),
        protected_principals=dict(type="list", elements="str", default=[]),
        allow_no_active_admin=dict(type="bool", default=False),
    )
    if kind == "active":
        spec["replace_permanent_with_eligible"] = dict(type="bool", default=False)
    return spec


def group_argument_spec(kind):
    """The options of pim_group_eligible_assignment / pim_group_active_assignment: the directory modules' with
    ``group`` and ``access`` for ``role`` and ``scope``, ``exclusive_groups`` for ``exclusive_roles``, and no
    ``allow_no_active_admin`` (the last-administrator guard is about directory roles)."""
    spec = dict(
        principal=dict(type="str"), group=dict(type="str"),
        access=dict(type="str", default=GROUPS.role_default, choices=list(GROUPS.fixed_roles)),
        start=dict(type="str"), end=dict(type="str"), duration=dict(type="str"), permanent=dict(type="bool"),
        justification=dict(type="str"), ticket_number=dict(type="str"), ticket_system=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        assignments=dict(type="list", elements="dict", options=GROUP_ITEM_SPEC),
        exclusive=dict(type="bool", default=False),
        exclusive_groups=dict(type="list", elements="str"),
        protected_principals=dict(type="list", elements="str", default=[]),
    )
    if kind == "active":
        spec["replace_permanent_with_eligible"] = dict(type="bool", default=False)
    return spec


def azure_argument_spec(kind):
    """The options of pim_azure_eligible_assignment / pim_azure_active_assignment: the directory modules' with a
    ``scope`` that must be given (an ARM scope, no tenant-wide default) and no ``allow_no_active_admin`` (the
    last-administrator guard is about directory roles). ``arm_url`` and ``subscription_id`` are connection
    options of every module (``_module.auth_argument_spec``)."""
    spec = directory_argument_spec(kind)
    del spec["allow_no_active_admin"]
    spec["scope"] = dict(type="str")
    return spec


ARGUMENT_SPECS = {DIRECTORY.name: directory_argument_spec, GROUPS.name: group_argument_spec,
                  AZURE.name: azure_argument_spec}


def run(kind, surface=DIRECTORY):
    """The module's whole run: ``kind`` is eligible or active, ``surface`` directory roles or PIM for Groups."""
    target, _defaulted = target_options(surface)  # the option an assignment must name: role, or group
    backend = backend_for(surface)
    module = PimModule(argument_spec(kind, surface), arm=backend.arm, supports_check_mode=True,
                       mutually_exclusive=[("principal", "assignments"), (target, "assignments")],
                       required_together=[("principal", target)])
    AssignmentRun(module, kind, backend).run()


class AssignmentRun:
    # Class default: unit tests build a directory run without __init__.
    backend = DirectoryBackend()

    def __init__(self, module, kind, backend=None):
        self.module, self.kind = module, kind
        if backend is not None:
            self.backend = backend
        self.params = self.backend.params(module)
        self.replace = bool(self.params.get("replace_permanent_with_eligible"))
        self.role_names, self.principal_names, self.principal_types, self.scope_names = {}, {}, {}, {}

    @property
    def surface(self):
        return self.backend.surface

    # -- 1. validate, 2. resolve ----------------------------------------------------------
    def run(self):
        now = utcnow()
        scoped_by, targets = self.backend.exclusive_option, self.backend.targets
        try:
            desired = validate_items(self.params, now, self.surface)
            if self.params["exclusive"] and not desired and not self.params.get(scoped_by):
                raise AssignmentError(f"exclusive with an empty list needs {scoped_by} (the {targets} to empty)")
            if self.replace and not desired and not self.params.get(scoped_by):
                raise AssignmentError(f"replace_permanent_with_eligible with an empty list needs {scoped_by} "
                                      f"(the {targets} whose permanent active assignments to replace)")
        except AssignmentError as exc:
            self.fail(str(exc))
        # The session reads and writes go through: Graph, or ARM for Azure resource roles (principals are
        # always named through Graph, ``self.module.graph()``).
        graph = self.backend.session(self.module)
        try:
            role_scope, protected = self.resolve(graph, desired)
            state = self.read(graph, desired, role_scope)
        except (ResolveError, AssignmentError) as exc:
            self.fail(str(exc))
        except GraphCallError as exc:
            self.fail_graph(exc, "reading roles, principals and assignments")
        requirements = policy_requirements(state["policies"], self.surface)
        self.name_principals(self.module.graph(),
                             {a.principal_id for a in state[self.kind] if a.role_id in self.role_ids})
        # exclusive_roles scopes both exclusive mode and the replacement, but only exclusive mode removes
        # unlisted time-bound assignments: a replacement alone touches permanent ones only.
        try:
            the_plan = plan(self.kind, desired, state[self.kind], now,
                            self.backend.planning_requirements(requirements, self.role_ids),
                            role_scope if self.params["exclusive"] else (), protected,
                            self.replace, state.get("eligible", []), self.params.get("justification"),
                            {i for i, t in self.principal_types.items() if t == "servicePrincipal"},
                            replace_roles=role_scope if self.replace else ())
        except AssignmentError as exc:
            self.fail(str(exc))
        self.check(graph, the_plan, state, protected, requirements, now)
        results = self.describe(the_plan)
        extra = self.report(state)
        if self.module.diff_mode:
            extra["diff"] = self.diff(the_plan)
        if self.module.check_mode or not the_plan.actions:
            self.module.exit(changed=bool(the_plan.actions), assignments=results, **extra)
        failures = self.write(graph, the_plan, results)
        if failures:
            # An outcome nobody could confirm either way counts as a change: the write may have landed.
            self.fail("; ".join(failures), assignments=results,
                      changed=any(a.done or a.unknown for a in the_plan.actions), **extra)
        self.module.exit(changed=True, assignments=results, **extra)

    def resolve(self, graph, desired):
        backend = self.backend
        resolver = backend.resolver(self.module, graph)
        exclusive_refs = backend.exclusive_refs(self.params, desired) if self.params["exclusive"] or self.replace \
            else []
        allowed = backend.principal_kinds(self.kind)
        lookups = backend.lookups(
            resolver, desired, exclusive_refs,
            lambda: resolver.principals([d.principal_ref for d in desired], kinds=allowed),
            lambda: resolver.principals(self.params["protected_principals"]) if self.params[
                "protected_principals"] else {})
        answers, unknown = [], []
        for lookup in lookups:  # every unknown name of every kind reported at once
            try:
                answers.append(lookup())
            except ResolveError as exc:
                unknown.append(str(exc))
        if unknown:
            raise ResolveError("; ".join(unknown) + " Nothing was changed.")
        targets, principals, protected = backend.split(answers)
        problems, seen = [], {}
        for d in desired:
            p = principals[d.principal_ref]
            d.principal_id = p["id"]
            backend.bind(d, targets)
            self.principal_names[p["id"]] = _label(p)
            self.principal_types[p["id"]] = p["type"]
            problems += backend.item_problems(self, d, p, targets)
            if d.key in seen:
                problems.append(f"{d.principal_ref!r} / {d.role_ref!r} / {d.scope_ref!r} is the same assignment "
                                f"as {seen[d.key]}")
            seen.setdefault(d.key, f"{d.principal_ref!r} / {d.role_ref!r} / {d.scope_ref!r}")
        for p in protected.values():
            self.principal_names[p["id"]] = _label(p)
            self.principal_types[p["id"]] = p["type"]
        # Names only label messages, results and the diff: made printable once (a principal's name is chosen by
        # the tenant's administrators and may carry terminal escapes); the backend names roles or groups.
        backend.name_targets(self, resolver, targets)
        if problems:
            raise AssignmentError("invalid input, nothing was changed: " + "; ".join(problems))
        return backend.concerned(targets, exclusive_refs), {p["id"] for p in protected.values()}

    # -- 3. bulk reads --------------------------------------------------------------------
    def read(self, graph, desired, role_scope):
        self.role_ids = {d.role_id for d in desired} | set(role_scope)
        now = utcnow()
        kinds = [self.kind] + (["eligible"] if self.replace and self.kind != "eligible" else [])
        # Policies, instance and schedule lists are independent: they go out together ($batch), pages too.
        return self.backend.read_state(graph, kinds, self.role_ids, now)

    def name_principals(self, graph, ids):
        """Names and kinds of the principals the input did not mention (exclusive removals, reports, guards),
        from one getByIds: names make messages readable; service principals can never be made eligible."""
        ids = sorted(i for i in set(ids) - set(self.principal_types) if i)
        if not ids:
            return
        try:
            for obj in principals_by_ids(graph, ids, types=None):  # any kind: whatever holds the role
                self.principal_types[obj["id"]] = (obj.get("@odata.type") or "").rsplit(".", 1)[-1]
                self.principal_names[obj["id"]] = _label(obj)
        except GraphCallError:
            pass  # names only decorate the report; ids are enough to act on

    # -- 4. guards and policy pre-check, before any write ---------------------------------
    def check(self, graph, the_plan, state, protected, requirements, now):
        try:
            guarded = {a.role_id for a in the_plan.actions if a.role_id in GUARDED_ROLES and a.action == "adminRemove"}
            if guarded:
                # Whether an active holder is left spans both kinds: read the other kind for the guarded roles.
                held = {k: [a for a in state.get(k, []) if a.role_id in guarded] for k in KINDS}
                for other in KINDS:
                    if other not in state:
                        held[other] = self.backend.read_assignments(graph, other, guarded, now)
                self.name_principals(self.module.graph(), {a.principal_id for k in KINDS for a in held[k]})
                for warning in guard_last_admins(the_plan.actions, held["eligible"], held["active"],
                                                 self.principal_names, now,
                                                 self.params.get("allow_no_active_admin", False)):
                    self.warn(warning)
            if self.kind == "active":
                guard_break_glass(the_plan.actions, state["active"], protected, self.principal_names)
        except AssignmentError as exc:
            self.fail(str(exc))
        except GraphCallError as exc:
            self.fail_graph(exc, "reading Global and Privileged Role Administrator assignments")
        problems, warnings = policy_problems(the_plan.actions, requirements, self.role_names,
                                             self.principal_names, now, self.surface)
        for warning in self.backend.policy_warnings(self, the_plan.actions, requirements) + warnings:
            self.warn(warning)
        if problems:
            self.fail(f"the {self.backend.policy_noun} policy would refuse this, nothing was changed: " +
                      "; ".join(problems),
                      policy_violations=problems)

    # -- 5. writes ------------------------------------------------------------------------
    def write(self, graph, the_plan, results):
        """One schedule request per action, batched 20 at a time. Eligibility replacements go first, in their
        own batch, and an active assignment is removed only once its replacing eligibility exists.

        A request whose outcome is unknown (Graph answered that it was already done, a server error after
        every retry, or the ``$batch`` answer itself was lost) is decided by one bulk re-read."""
        failures, failed_replacements, replaced = [], set(), set()
        for phase in ([a for a in the_plan.actions if a.kind != self.kind],
                      [a for a in the_plan.actions if a.kind == self.kind]):
            phase = [a for a in phase if not (a.action == "adminRemove" and a.key in failed_replacements)]
            to_verify = []
            for act, error, lost in self.backend.submit(graph, phase):
                if error is None:
                    act.done = True
                elif lost or error.code in ALREADY_DONE or not error.status or \
                        error.status >= SERVER_ERROR:
                    to_verify.append((act, error))
                else:
                    act.error = error
            if to_verify:
                self.verify(graph, to_verify)
            checked = {id(a) for a, _e in to_verify}
            for act in phase:
                if act.error is None:
                    continue
                message = act.error.describe(f"{act.action} {self._label(act)}")
                if act.unknown:
                    message += "; its outcome is unknown (the re-read failed too): run again to converge"
                elif id(act) in checked:
                    message += "; a re-read does not show it applied"
                if act.action == "adminRemove" and act.key in replaced:
                    message += " (its eligible replacement exists, so access is kept; run again to finish)"
                failures.append(message)
            failed_replacements |= {a.key for a in phase if a.kind != self.kind and not a.done}
            replaced = {a.key for a in phase if a.kind != self.kind and a.done}
        for act in the_plan.actions:
            if act.kind == self.kind and act.action == "adminRemove" and act.key in failed_replacements:
                failures.append(f"kept the permanent active assignment of {self._label(act)}: the eligible "
                                "assignment replacing it could not be created")
        for entry, act in zip(results, the_plan.actions, strict=False):
            entry["done"] = act.done
            if act.confirmed:
                entry["confirmed_by_reread"] = True
            if act.unknown:
                entry["outcome_unknown"] = True
            if act.error is not None:
                entry["error"] = act.error.as_dict()
        return failures

    def verify(self, graph, answers):
        """Decide writes whose outcome is unknown by re-reading: one bulk read per kind concerned, then success
        when Graph now holds what the action wanted. A write the re-read does not show is read again after a
        pause (lists may lag a write), at most twice; what no re-read could decide is reported as unknown."""
        pending = list(answers)
        for pause in (0.0,) + REREAD_PAUSES:
            if pause:
                time.sleep(pause)
            now, by_kind = utcnow(), {}
            for act, _err in pending:
                by_kind.setdefault(act.kind, set()).add(act.role_id)
            try:
                current = {k: self.backend.read_assignments(graph, k, roles, now) for k, roles in by_kind.items()}
            except GraphCallError as exc:
                for act, err in pending:
                    act.error, act.unknown = err, True
                self.warn(exc.describe("re-reading assignments after a write whose outcome was unknown"))
                return
            still = []
            for act, err in pending:
                act.done = act.confirmed = holds(act, current[act.kind], now)
                act.error = None if act.done else err
                if not act.done:
                    still.append((act, err))
            pending = still
            if not pending:
                return

    # -- 6. results ---------------------------------------------------------------------------
    def _label(self, act):
        return f"{self.principal_names.get(act.principal_id, act.principal_id)} / {self.backend.label(self, act)}"

    def _entry(self, action, principal_id, role_id, scope, before, after, reason, kind=None, ref=None):
        return {"action": action, "kind": kind or self.kind, "principal": ref or self.principal_names.get(
            principal_id, principal_id), "principal_id": principal_id, **self.backend.fields(self, role_id, scope),
            "reason": reason, "before": before, "after": after}

    def _view(self, assignment_view):
        return None if assignment_view is None else self.backend.shape(assignment_view)

    def describe(self, the_plan):
        out = [self._entry(a.action, a.principal_id, a.role_id, a.scope,
                           self._view(a.before.view() if a.before else None), self._view(a.after()), a.reason, a.kind,
                           a.desired.principal_ref if a.desired else None)
               for a in the_plan.actions]
        out += [self._entry("none", d.principal_id, d.role_id, d.scope, self._view(have.view() if have else None),
                            self._view(have.view() if have else None), why, ref=d.principal_ref)
                for d, have, why in the_plan.unchanged]
        out += [self._entry("none", a.principal_id, a.role_id, a.scope, self._view(a.view()), self._view(a.view()), why)
                for a, why in the_plan.kept]
        return out

    def report(self, state):
        concerned = [a for a in state[self.kind] if a.role_id in self.role_ids]
        backend = self.backend
        extra = {"not_managed": [dict(backend.shape(a.view()), **backend.names(self, a.role_id, a.scope),
                                      assignment_type=a.assignment_type,
                                      principal=self.principal_names.get(a.principal_id))
                                 for a in concerned if not a.managed]}
        if self.kind == "active":
            extra["permanent_assignments"] = [dict(backend.shape(a.view()), **backend.names(self, a.role_id, a.scope),
                                                   principal=self.principal_names.get(a.principal_id))
                                              for a in concerned if a.managed and a.permanent]
        return extra

    def diff(self, the_plan):
        return diff_view(the_plan.actions, self.role_names, self.principal_names, self.backend.subject(self))

    # -- what reaches the operator's terminal ------------------------------------------------
    def warn(self, text):
        self.module.warn(printable(text))

    def fail(self, msg, **kwargs):
        self.module.fail(printable(msg), **kwargs)

    def fail_graph(self, error, action):
        self.fail(error.describe(action), error=error.as_dict())


def _label(obj):
    """A directory object's name for messages and results, printable (the tenant chose it)."""
    return printable(obj.get("userPrincipalName") or obj.get("displayName") or obj["id"])
