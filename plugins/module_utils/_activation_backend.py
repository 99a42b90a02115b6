# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph reads and writes behind pim_activation_info and pim_role_activation.

Private to the collection (leading underscore): may change in any release.

A whole tenant costs a handful of requests whatever its size: the role definitions, the two
instance lists, the pending requests, one ``getByIds`` per 1000 principals, and the audit log when
asked. Nothing here is per role or per principal. The shaping lives in ``_activation``.
"""

from __future__ import annotations

import time
from datetime import timedelta

from ._access_reviews_scan import (
    ACCESS_REVIEW_DEFINITIONS, READ_PERMISSION as ACCESS_REVIEW_READ, review_summary, reviewer_ids, reviews_roles,
)
from ._activation import (
    ACTIVE, ELIGIBLE, SYNC_SELECT, activation_body, activation_durations, attribute_groups, audit_filter,
    describe_active, expired_eligibility, group_activity_reads, has_enough_time, instance_filter, is_activation,
    mark_synced, outcome, pick_active, precheck, principal_kind, principal_label, select, shape_audit,
    shape_instance, shape_request, signed_in, sort_key, sync_filters,
)
from ._auth import choose_method
from ._client import GraphCallError, GraphSession, encode_query
from ._graph_paths import (
    BY_IDS, DIRECTORY_AUDITS, ME, MINE, PRINCIPAL_TYPES, SCHEDULES, USERS, by_ids_bodies, group_policy_assignments_for,
    odata_quote, policy_assignments_for, principals_by_ids, read_policy_assignments,
)
from ._policy import approver_ids, rules_to_settings
from ._resolve import ResolveError, Resolver
from ._role_settings import (
    approver_names, approver_names_of, pair_roles_with_policies, policies_by_role, read_policies, select_roles,
)
from ._schedule import ScheduleError, format_datetime, parse_datetime, parse_duration, to_iso_duration, utcnow
from ._surfaces import DIRECTORY, GROUPS

INSTANCES = {kind: SCHEDULES[kind]["instances"] for kind in (ELIGIBLE, ACTIVE)}
REQUESTS = SCHEDULES[ACTIVE]["requests"]
ELIGIBILITY_REQUESTS = SCHEDULES[ELIGIBLE]["requests"]


class ActivityReader:
    """Who is eligible, who is active, what waits for approval, what the audit log says."""

    def __init__(self, graph):
        self.graph = graph
        self.resolver = Resolver(graph)

    def roles_by_id(self):
        return {str(r["id"]).lower(): r for r in self.resolver.all_roles()}

    def instances(self, kind, role_ids=None, principal_ids=None, scope=None):
        flt = instance_filter(role_ids, principal_ids, scope)
        return self.graph.get_all(INSTANCES[kind], params={"$filter": flt} if flt else None)

    def pending_requests(self):
        return self.graph.get_all(REQUESTS, params={"$filter": "status eq 'PendingApproval'"})

    def principals_by_id(self, ids):
        """Every principal in one ``getByIds`` per 1000 ids; unknown ids are simply absent."""
        ids = sorted({str(i).lower() for i in ids if i})
        return {str(obj.get("id")).lower(): obj for obj in principals_by_ids(self.graph, ids)}

    def users_sync(self, user_ids):
        """``id``, ``onPremisesSyncEnabled`` and ``onPremisesImmutableId`` of the given users: 15 ids per
        ``in`` (Graph's limit), those reads 20 per ``$batch``, so 300 users cost one HTTP request. Both
        properties are outside Graph's default set for users: only ``$select`` returns them."""
        reads = [{"method": "GET", "url": USERS + encode_query({"$filter": flt, "$select": SYNC_SELECT})}
                 for flt in sync_filters(user_ids)]
        users = []
        for read, answer in zip(reads, self.graph.batch(reads) if reads else [], strict=True):
            answer = answer or {"status": 0}
            error = GraphSession.batch_error(answer, "GET", read["url"])
            if error is not None:
                raise error
            body = answer.get("body") or {}
            users.extend(body.get("value") or [])
            if body.get("@odata.nextLink"):  # not with 15 ids, unless pages are tiny; followed all the same
                users.extend(self.graph.get_all(body["@odata.nextLink"]))
        return users

    def audit(self, since):
        return self.graph.get_all(DIRECTORY_AUDITS, params={"$filter": audit_filter(since)})

    def role_settings(self, role_refs=None):
        """Each role's PIM settings, as ``pim_role_setting_info`` returns them in ``roles``.

        With the same reads (``_role_settings``) on this reader's resolver, so the role definitions
        already read for the assignments are not read again: a scan of a tenant's settings and
        assignments costs one module process and one role-definition read.
        """
        refs = [r for r in role_refs or [] if str(r).strip()]
        pairs = pair_roles_with_policies(select_roles(self.resolver, refs), read_policies(self.graph),
                                         skip_missing=not refs)
        names = approver_names(self.graph, pairs)
        return [{"role": role.get("displayName"), "id": role.get("id"), "template_id": role.get("templateId"),
                 "policy_id": policy["policy_id"], "settings": rules_to_settings(policy["rules"], names)}
                for role, policy in pairs]

    def read(self, role_ids=None, principal_ids=None, scope=None, pending=True, since=None, sync_status=False,
             settings_refs=None, access_reviews=False):
        """Everything ``pim_activation_info`` returns, plus warnings for the parts Graph refused.

        ``settings_refs``: None for no role settings, else the roles whose settings to return in
        ``role_settings`` ([] for every role, as ``role_settings()`` does).

        ``access_reviews``: also return ``access_reviews``, the access review definitions that review a
        directory role (``_access_reviews_scan.review_summary``): the definitions are read in the first round,
        the instances of those covering a role in the next one, next to the principals' names (which name the
        reviewers too). Refused (401/403, no AccessReview.Read.All): ``access_reviews`` is None and
        ``access_reviews_error`` says why, so that the compliance control reports it could not be checked.

        Rounds of independent reads (``GraphSession.read_many``): first the role definitions (unless
        already read), both instance lists, the pending requests, the policies and the audit log; then
        their further pages, each round also carrying ``getByIds`` (and the users' sync status) for the
        principals and approvers the previous round's pages named. A tenant costs one round trip per page
        of its longest list plus one; each thing is read once.
        """
        warnings = []
        first = {}
        roles_read = self.resolver.roles_read()
        if roles_read is not None:
            first["roles"] = roles_read
        flt = instance_filter(role_ids, principal_ids, scope)
        for kind in (ELIGIBLE, ACTIVE):
            first[kind] = {"url": INSTANCES[kind], "params": {"$filter": flt} if flt else None}
        if pending:
            first["pending"] = {"url": REQUESTS, "params": {"$filter": "status eq 'PendingApproval'"}}
        if settings_refs is not None:
            path, params = policy_assignments_for()
            first["policies"] = {"url": path, "params": params}
        if since is not None:
            first["audit"] = {"url": DIRECTORY_AUDITS, "params": {"$filter": audit_filter(since)}}
        if access_reviews:
            # Graph documents no $expand=instances on this list, so instances are a read per review, next round.
            first["reviews"] = {"url": ACCESS_REVIEW_DEFINITIONS}
        keys = list(first)
        extra = []  # what each read ``more`` added is: "objects" (getByIds), "sync" (/users) or "instances"
        instances_of = []  # the definition id of each "instances" read, in order
        asked, asked_sync = set(), set()

        def more(pages):
            """Names (and sync status) of the principals and approvers on the pages just read, asked in the
            next round next to the remaining pages rather than after the last one."""
            ids, held = set(), set()
            for index, items in pages:
                key = keys[index] if index < len(keys) else None
                if key in (ELIGIBLE, ACTIVE, "pending"):
                    found = {str(i.get("principalId")).lower() for i in items if i.get("principalId")}
                    ids |= found
                    if key != "pending":
                        held |= found
                elif key == "policies":
                    ids |= {oid for a in items for oid in approver_ids((a.get("policy") or {}).get("rules") or [])}
                elif key == "reviews":
                    role_reviews = [d for d in items if d.get("id") and reviews_roles(d)]
                    ids |= reviewer_ids(role_reviews)
                    review_reads.extend({"url": f"{ACCESS_REVIEW_DEFINITIONS}/{d['id']}/instances"}
                                        for d in role_reviews)
                    instances_of.extend(d["id"] for d in role_reviews)
            ids, held = sorted(ids - asked), sorted(held - asked_sync) if sync_status else []
            asked.update(ids)
            asked_sync.update(held)
            reads = [{"method": "POST", "url": BY_IDS, "body": body} for body in by_ids_bodies(ids, PRINCIPAL_TYPES)]
            # Whether a principal is a user is only known from getByIds; asking /users for every principal
            # held in the same round saves a round trip (groups and apps simply match no user).
            sync = [{"url": USERS, "params": {"$filter": f, "$select": SYNC_SELECT}} for f in sync_filters(held)]
            instance_reads = list(review_reads)
            review_reads.clear()
            extra.extend(["objects"] * len(reads) + ["sync"] * len(sync) + ["instances"] * len(instance_reads))
            return reads + sync + instance_reads

        review_reads = []
        outcomes = self.graph.read_many(list(first.values()), more=more)
        got = dict(zip(keys, outcomes[:len(keys)], strict=True))
        requests = None
        reviews_error = None
        for key, answer in got.items():
            err = answer["error"]
            if err is None:
                continue
            if key == "reviews" and err.status in (401, 403):
                # A scanner without AccessReview.Read.All: the rest of the scan stands, CIS 5.3.3 says it could
                # not be checked (never pass, never silent).
                reviews_error = err.describe() + f" (grant {ACCESS_REVIEW_READ}; see docs/permissions.md)"
                warnings.append("access reviews were not read: " + reviews_error)
                continue
            if key == "pending" and err.status in (401, 403):
                # Listing requests has been seen to demand ReadWrite (docs issue #22292): a read-only
                # scan still returns its instances and says what it could not see.
                warnings.append("pending requests were not read: " + err.describe() +
                                " (grant RoleAssignmentSchedule.Read.Directory, or ReadWrite where Graph insists)")
                continue
            raise err
        if "roles" in got:
            self.resolver.take_roles(got["roles"]["items"])
        if pending and got["pending"]["error"] is None:
            requests = got["pending"]["items"]
        raw = {kind: got[kind]["items"] for kind in (ELIGIBLE, ACTIVE)}
        pairs = []
        if settings_refs is not None:
            refs = [r for r in settings_refs if str(r).strip()]
            pairs = pair_roles_with_policies(select_roles(self.resolver, refs),
                                             policies_by_role(got["policies"]["items"]), skip_missing=not refs)

        objects, users = [], []
        instances, instances_refused = {}, None
        review_index = 0
        for kind, answer in zip(extra, outcomes[len(keys):], strict=True):
            err = answer["error"]
            if kind == "objects":
                if err is not None:
                    raise err
                objects.extend(answer["items"])
            elif kind == "instances":
                def_id = instances_of[review_index]
                review_index += 1
                if err is not None:
                    if err.status not in (401, 403, 404):
                        raise err
                    instances_refused = instances_refused or err  # 404: the review was deleted meanwhile
                    continue
                instances[def_id] = answer["items"]
            elif users is not None:
                if err is not None:
                    if err.status not in (401, 403):
                        raise err
                    users = None
                    warnings.append("whether users are synced from on-premises was not read: " + err.describe() +
                                    " (grant User.Read.All or Directory.Read.All)")
                    continue
                users.extend(answer["items"])
        principals = {str(o.get("id")).lower(): o for o in objects}

        roles = {str(r["id"]).lower(): r for r in self.resolver.all_roles()}
        items = {kind: [shape_instance(i, kind, roles, principals) for i in rows] for kind, rows in raw.items()}
        attribute_groups(items[ELIGIBLE] + items[ACTIVE])
        result = {kind: sorted(select(rows, role_ids, principal_ids, scope), key=sort_key)
                  for kind, rows in items.items()}
        shaped = None
        if requests is not None:
            shaped = select([shape_request(r, roles, principals) for r in requests], role_ids, principal_ids, scope)
        result["pending_requests"] = shaped
        if sync_status and users is not None:
            mark_synced(result[ELIGIBLE] + result[ACTIVE], users)
        if since is not None:
            records = [shape_audit(r) for r in got["audit"]["items"]]
            result["audit"] = select(records, role_ids, principal_ids, None) if role_ids or principal_ids \
                else records
        if access_reviews:
            result["access_reviews"] = None if reviews_error else self._access_reviews(
                got["reviews"]["items"], instances, roles, principals)
            if reviews_error:
                result["access_reviews_error"] = reviews_error
            elif instances_refused is not None:
                warnings.append("the instances of some access reviews were not read: " + instances_refused.describe())
        if settings_refs is not None:
            names = approver_names_of(objects)
            result["role_settings"] = [
                {"role": role.get("displayName"), "id": role.get("id"), "template_id": role.get("templateId"),
                 "policy_id": policy["policy_id"], "settings": rules_to_settings(policy["rules"], names)}
                for role, policy in pairs]
        return result, warnings

    @staticmethod
    def _access_reviews(definitions, instances, roles, principals):
        """The definitions that review a directory role, summarised, by name: the role names by id and template
        id (a review names the template id), reviewers by name (from the getByIds of this read)."""
        role_names = {}
        for role in roles.values():
            for key in (role.get("id"), role.get("templateId")):
                if key:
                    role_names[str(key).lower()] = role.get("displayName")
        names = {pid: principal_label(obj) for pid, obj in principals.items()}
        out = [review_summary(d, instances.get(d["id"]), role_names, names, instances_read=d["id"] in instances)
               for d in definitions if d.get("id") and reviews_roles(d)]
        return sorted(out, key=lambda r: (str(r["name"] or ""), str(r["id"])))


class GroupActivityReader:
    """Who is eligible for, and who holds, membership and ownership of groups through PIM for Groups, and
    what waits for approval.

    Graph lists these per group or per principal only (see ``group_activity_reads``), so a read of many
    groups is one read per group and list, all sent together in ``$batch`` rounds with the ``getByIds`` of the
    principals and groups the pages name: twenty groups cost a few round trips, not sixty.
    """

    surface = GROUPS

    def __init__(self, graph):
        self.graph = graph
        self.resolver = Resolver(graph)

    def groups(self, refs):
        """Groups by display name or object id, in order (``{"id", "displayName"}``); unknown names are refused
        with the closest names."""
        found = self.resolver.groups(refs)
        return [found[r] for r in refs]

    def read(self, group_ids=None, principal_ids=None, access=None, mine=False, pending=True):
        """Everything ``pim_group_activation_info`` returns (``eligible``, ``active``, ``pending_requests``),
        plus warnings for the parts Graph refused."""
        warnings = []
        plan = group_activity_reads(group_ids, principal_ids, mine, pending, self.surface)
        keys = [key for key, _read in plan]
        asked = set()

        def more(pages):
            """Names of the principals and groups on the pages just read, asked in the next round."""
            ids = set()
            for index, items in pages:
                if index < len(keys):
                    ids |= {str(i.get(f)).lower() for i in items for f in ("principalId", "groupId") if i.get(f)}
            ids = sorted(ids - asked)
            asked.update(ids)
            return [{"method": "POST", "url": BY_IDS, "body": body} for body in by_ids_bodies(ids, PRINCIPAL_TYPES)]

        outcomes = self.graph.read_many([read for _key, read in plan], more=more)
        raw = {ELIGIBLE: [], ACTIVE: [], "pending": []}
        pending_read = pending
        for key, answer in zip(keys, outcomes[:len(keys)], strict=True):
            err = answer["error"]
            if err is not None:
                if key == "pending" and err.status in (401, 403):
                    if pending_read:
                        # As for directory roles: a read-only identity may be refused the requests; the
                        # instances still answer who holds what.
                        warnings.append("pending requests were not read: " + err.describe() +
                                        " (grant PrivilegedAssignmentSchedule.Read.AzureADGroup, or ReadWrite "
                                        "where Graph insists)")
                    pending_read = False
                    continue
                raise err
            raw[key].extend(answer["items"])
        objects = []
        for answer in outcomes[len(keys):]:  # every later read is a getByIds of names
            if answer["error"] is not None:
                raise answer["error"]
            objects.extend(answer["items"])
        names = {str(o.get("id")).lower(): o for o in objects}
        groups = {i: o for i, o in names.items() if principal_kind(o) == "group"}
        wanted_groups = {str(g).lower() for g in group_ids or []}

        def keep(rows):
            rows = select(rows, access, principal_ids, None, self.surface)
            return [r for r in rows if not wanted_groups or str(r.get("group_id")).lower() in wanted_groups]

        items = {kind: [shape_instance(i, kind, groups, names, self.surface) for i in raw[kind]]
                 for kind in (ELIGIBLE, ACTIVE)}
        attribute_groups(items[ELIGIBLE] + items[ACTIVE], self.surface)
        result = {kind: sorted(keep(rows), key=sort_key) for kind, rows in items.items()}
        result["pending_requests"] = keep([shape_request(r, groups, names, self.surface) for r in raw["pending"]]) \
            if pending_read else None
        return result, warnings


class SelfActivation:
    """The signed-in user's own eligibilities, activations and activation requests (directory roles)."""

    surface = DIRECTORY

    def __init__(self, graph):
        self.graph = graph
        self.resolver = Resolver(graph)
        self.requests = self.surface.schedules[ACTIVE]["requests"]

    @classmethod
    def connect(cls, module):
        """The backend of a module run: on Graph here; the Azure backend (``_arm_activation_backend``) on ARM."""
        return cls(module.graph())

    def retried(self):
        """Whether a request of this run was sent again (after throttling or a lost answer)."""
        return self.graph.retries > 0

    def who(self):
        """The signed-in identity from the token; ``/me`` only when the token cannot be read."""
        who = signed_in(self.graph.token_claims())
        if who["user_id"] is None:
            me = self.graph.get(ME, params={"$select": "id,userPrincipalName"}) or {}
            who.update(user_id=me.get("id"), delegated=True)
        return who

    def role(self, ref):
        return self.resolver.roles([ref])[ref]

    def scope(self, ref):
        return self.resolver.scopes([ref])[ref]

    def mine(self, kind):
        return self.graph.get_all(self.surface.schedules[kind]["instances"] + MINE)

    def my_requests(self, role_id, scope):
        found = self.graph.get_all(REQUESTS + MINE, params={"$filter": f"roleDefinitionId eq {odata_quote(role_id)}"})
        return [r for r in found if (r.get("directoryScopeId") or "/") == scope]

    def my_eligibility_requests(self, role_id):
        """The caller's eligibility requests for the role (granted and removed alike), to tell an
        eligibility that expired from one that never was."""
        return self.graph.get_all(ELIGIBILITY_REQUESTS + MINE,
                                  params={"$filter": f"roleDefinitionId eq {odata_quote(role_id)}"})

    def activation_rules(self, role_id):
        """``settings.activation`` of the role's policy (as pim_role_setting_info shows it)."""
        found = read_policy_assignments(self.graph, role_id)
        if not found:
            return None
        return rules_to_settings((found[0].get("policy") or {}).get("rules") or [])["activation"]

    def submit(self, body):
        return self.graph.post(self.requests, body) or {}

    def request(self, request_id):
        return self.graph.get(f"{self.requests}/{request_id}") or {}

    def cancel(self, request_id):
        return self.graph.post(f"{self.requests}/{request_id}/cancel", None)


class GroupSelfActivation(SelfActivation):
    """The signed-in user's own eligible and active membership and ownership of groups (PIM for Groups).

    The same calls as for directory roles on the ``privilegedAccess/group`` paths: the caller's lists through
    ``filterByCurrentUser(on='principal')``, which needs no ``groupId`` filter (Graph's docs:
    privilegedAccessGroupEligibilityScheduleInstance: filterByCurrentUser), and a group's policy found by
    ``scopeId``/``scopeType eq 'Group'`` and the access id.
    """

    surface = GROUPS

    def group(self, ref):
        """A group by display name or object id (``{"id", "displayName"}``); unknown names are refused with
        the closest names."""
        return self.resolver.groups([ref])[ref]

    def my_requests(self, role_id, scope):
        found = self.graph.get_all(self.requests + MINE, params={"$filter": "groupId eq " + odata_quote(scope)})
        return [r for r in found if str(r.get("accessId")).lower() == str(role_id).lower()]

    def my_eligibility_requests(self, role_id):
        """The caller's eligibility requests for the access in any group; the run keeps the group's."""
        found = self.graph.get_all(self.surface.schedules[ELIGIBLE]["requests"] + MINE)
        return [r for r in found if str(r.get("accessId")).lower() == str(role_id).lower()]

    def group_activation_rules(self, access, group_id):
        """``settings.activation`` of the group's ``member`` or ``owner`` policy; None when the group has no
        policy (a group never used with PIM has none until its first PIM request)."""
        path, params = group_policy_assignments_for(group_id, access)
        found = self.graph.get_all(path, params=params)
        if not found:
            return None
        return rules_to_settings((found[0].get("policy") or {}).get("rules") or [])["activation"]


class RunFailed(Exception):
    """The run cannot do what was asked; ``result`` goes into the failure (request, activation...)."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.result = result


class ActivationRun:
    """One run of pim_role_activation: read, check, then at most one request (and the wait for approval).

    One copy for every surface: what differs (which option names the privilege, the words of the messages,
    where the policy is read) are the class attributes and the three ``_target``/``_rules``/``_role_name``
    methods that ``GroupActivationRun`` overrides; every decision is the same code.
    """

    surface = DIRECTORY
    module = "pim_role_activation"
    privileges = "roles"  # "PIM activates ... only for users"
    renew_with = "entra.pim.pim_eligible_assignment"
    remove_with = "entra.pim.pim_active_assignment"
    policy_reader = "Graph serves the policy to a signed-in user who holds the delegated permission"
    policy_permission = ("RoleManagementPolicy.Read.Directory and is active in a reader role (e.g. Global Reader "
                         "or Security Reader)")
    can_extend = True  # selfExtend is documented for directory roles only

    def __init__(self, pim, params, duration, min_remaining, check_mode, sleep=time.sleep, clock=utcnow,
                 sign_in=None):
        self.pim, self.params, self.duration, self.min_remaining = pim, params, duration, min_remaining
        self.check_mode, self.sleep, self.clock, self.sign_in = check_mode, sleep, clock, sign_in
        self.warnings, self.base, self.who, self.name = [], {}, None, None

    # -- what differs by surface ------------------------------------------------------------
    def _target(self):
        """``(role_id, scope, name, base)``: what to activate, how messages name it, and the result keys."""
        role = self.pim.role(self.params["role"])
        scope = self.pim.scope(self.params["scope"])
        return role["id"], scope, role.get("displayName"), {"role": role.get("displayName"), "role_id": role["id"],
                                                            "scope": scope}

    def _rules(self, role_id, scope):
        return self.pim.activation_rules(role_id)

    def _role_name(self, role_id):
        names = {str(r["id"]).lower(): r.get("displayName") for r in self.pim.resolver.all_roles()}
        return names.get(str(role_id).lower(), role_id)

    def _where(self, scope):
        """Where the eligibility applies, in the messages."""
        return f" at scope {scope}"

    def _held_where(self):
        return "at that scope"

    # -- reads ------------------------------------------------------------------------------
    def _context(self):
        self.who = self.pim.who()
        if self.who["delegated"] is False:
            raise RunFailed(f"{self.module} acts for the signed-in user, but the token belongs to an application "
                            f"(app-only) and PIM activates {self.privileges} only for users; sign in as the user with "
                            "auth_method username_password or azure_cli, or pass a user's token in access_token")
        role_id, scope, self.name, base = self._target()
        self.base = dict(base, principal_id=self.who["user_id"])
        return role_id, scope

    def _eligible_here(self, scope):
        """The caller's eligibilities that an activation at ``scope`` can draw on: those at the scope."""
        return [i for i in self.pim.mine(ELIGIBLE) if (i.get(self.surface.scope_field) or "/") == scope]

    def _active(self, role_id, scope):
        return pick_active(self.pim.mine(ACTIVE), role_id, scope, self.surface)

    def _pending(self, role_id, scope):
        return [r for r in self.pim.my_requests(role_id, scope)
                if r.get("status") == "PendingApproval" and r.get("action") == "selfActivate"]

    def _policy(self, role_id, scope):
        try:
            return self._rules(role_id, scope)
        except GraphCallError as err:
            if err.status not in (401, 403):
                raise
            self.warnings.append(f"the activation settings of {self.name} could not be read, so PIM "
                                 f"checks the request itself ({err.code}); {self.policy_reader} "
                                 f"{self.policy_permission}; see docs/permissions.md")
            return None

    def _result(self, changed, status, active, request=None, policy=None):
        out = dict(self.base, changed=changed, status=status,
                   activation=describe_active(active, self.clock(), self.surface), request=request)
        if policy is not None:
            out["policy"] = policy
        return out

    def _body(self, action, role_id, scope, duration=None, now=None):
        return activation_body(action, self.who["user_id"], role_id, scope, self.params["justification"], duration,
                               self.params.get("ticket_number"), self.params.get("ticket_system"), now,
                               surface=self.surface)

    @staticmethod
    def _request(answer, action):
        return {"id": answer.get("id"), "action": action, "status": answer.get("status"),
                "approval_id": answer.get("approvalId")}

    # -- state: active ----------------------------------------------------------------------
    def ensure_active(self):
        role_id, scope = self._context()
        name = self.name
        active = self._active(role_id, scope)
        if active is not None:
            if has_enough_time(active, self.clock(), self.min_remaining):
                return self._result(False, "Active", active)
            if self.can_extend and self.params.get("extend"):
                return self._extend(role_id, scope, active)
            how = "set extend to ask PIM for more time, or deactivate and activate again" if self.can_extend else \
                "deactivate and activate again (Graph documents no selfExtend here)"
            self.warnings.append(f"{name} is active until {active.get('endDateTime')}, less than min_remaining "
                                 f"{to_iso_duration(self.min_remaining)} from now; {how}")
            return self._result(False, "Active", active)
        pending = self._pending(role_id, scope)
        if pending:
            # Asking again would only be refused (a pending request exists); wait for the one there is.
            if self.params["wait_for_approval"] and not self.check_mode:
                return self._wait(pending[0], changed=False, role_id=role_id, scope=scope)
            return self._result(False, "PendingApproval", None, self._request(pending[0], "selfActivate"))
        mine = self._eligible_here(scope)
        if not any(str(i.get(self.surface.role_field)).lower() == str(role_id).lower() for i in mine):
            held = sorted({str(self._role_name(i.get(self.surface.role_field))) for i in mine})
            raise RunFailed(self._not_eligible(role_id, scope, held))
        policy = self._policy(role_id, scope)
        duration = self.duration
        if duration is None and policy and policy.get("max_duration"):
            duration = parse_duration(policy["max_duration"])
        if duration is None and policy is None:
            # The maximum is unknown (the settings are unreadable without a reader role) and Graph needs a
            # scheduleInfo: one hour, within PIM's default of eight; a role set shorter than that is refused
            # by PIM with ExpirationRule, which the failure then names.
            duration = parse_duration("PT1H")
            self.warnings.append(f"no duration was given and the maximum of {name} is unknown: asking for PT1H")
        problems = precheck(policy or {}, self.who, self.params["justification"], self.params.get("ticket_number"),
                            duration, self.sign_in, self.surface)
        if problems:
            raise RunFailed(f"PIM would refuse to activate {name}, so nothing was requested: " + "; ".join(problems),
                            policy=policy)
        body = self._body("selfActivate", role_id, scope, duration, self.clock())
        if self.check_mode:
            status = "PendingApproval" if policy and policy.get("require_approval") else "Active"
            return self._result(True, status, None, {"action": "selfActivate", "body": body}, policy)
        try:
            answer = self.pim.submit(body)
        except GraphCallError as err:
            if err.code != "RoleAssignmentExists":
                raise
            # A retried POST that landed twice, or an activation made meanwhile: the re-read decides.
            active = self._active(role_id, scope)
            if active is None:
                raise
            return self._result(self.pim.retried(), "Active", active, policy=policy)
        request = self._request(answer, "selfActivate")
        state = outcome(answer.get("status"))
        if state == "refused":
            raise RunFailed(f"PIM answered the activation of {name} with status {answer.get('status')}",
                            request=request, policy=policy)
        if state == "pending":
            if self.params["wait_for_approval"]:
                return self._wait(answer, changed=True, policy=policy, role_id=role_id, scope=scope)
            return self._result(True, answer.get("status"), None, request, policy)
        return self._result(True, "Active", self._active(role_id, scope), request, policy)

    def _not_eligible(self, role_id, scope, held):
        """Why there is no eligibility: expired (and when), or none; with what the user is eligible for."""
        name, where = self.name, self._where(scope)
        others = f"; eligible {self._held_where()} for: " + (", ".join(held) or "none")
        try:
            ended = expired_eligibility(self.pim.my_eligibility_requests(role_id), role_id, scope, self.clock(),
                                        self.surface)
        except GraphCallError as err:
            if err.status not in (401, 403):
                raise
            ended = None  # cannot tell; the message below says both are possible
        if ended is not None:
            return (f"the signed-in user's eligibility for {name}{where} expired at "
                    f"{format_datetime(ended)}, so PIM would refuse the activation (EligibilityRule); ask an "
                    f"administrator to renew it ({self.renew_with}, or adminRenew)" + others)
        return (f"the signed-in user is not eligible for {name}{where} (no current eligibility, and "
                "none that expired in the requests PIM keeps), so PIM would refuse the activation "
                "(EligibilityRule)" + others)

    def _wait(self, answer, changed, policy=None, role_id=None, scope=None):
        """Poll the request until it is approved, refused or the timeout passes."""
        deadline = time.monotonic() + self.params["wait_timeout"]
        while True:
            state = outcome(answer.get("status"))
            request = self._request(answer, "selfActivate")
            if state == "granted":
                return self._result(True, "Active", self._active(role_id, scope), request, policy)
            if state == "refused":
                raise RunFailed(f"the activation request {answer.get('id')} for {self.name} was "
                                f"{answer.get('status')}", changed=changed, request=request)
            left = deadline - time.monotonic()
            if left <= 0:
                raise RunFailed(f"the activation request {answer.get('id')} for {self.name} is still "
                                f"{answer.get('status')} after {self.params['wait_timeout']} s (approval id "
                                f"{answer.get('approvalId')}); it stays pending: run again to wait more, or use "
                                "state inactive to cancel it", changed=changed, request=request)
            self.sleep(min(self.params["poll_interval"], left))
            answer = self.pim.request(answer["id"])

    def _extend(self, role_id, scope, active):
        duration = self.duration
        if duration is None:
            policy = self._policy(role_id, scope) or {}
            duration = parse_duration(policy.get("max_duration") or "PT8H")
        body = self._body("selfExtend", role_id, scope, duration, self.clock())
        if self.check_mode:
            return self._result(True, "PendingAdminDecision", active, {"action": "selfExtend", "body": body})
        try:
            answer = self.pim.submit(body)
        except GraphCallError as err:
            if err.code == "RoleAssignmentDoesNotExist":
                raise RunFailed(f"PIM found nothing to extend for {self.name}: {err.describe()}. PIM "
                                "extends assignments, not activations; deactivate and activate again instead",
                                error=err.as_dict()) from None
            raise
        self.warnings.append(f"extension requested (status {answer.get('status')}); an administrator decides it")
        return self._result(True, answer.get("status"), active, self._request(answer, "selfExtend"))

    # -- state: inactive --------------------------------------------------------------------
    def ensure_inactive(self):
        role_id, scope = self._context()
        name = self.name
        active = self._active(role_id, scope)
        if active is None or not is_activation(active):
            if active is not None:
                self.warnings.append(f"{name} is held as a standing assignment, not an activation; only an "
                                     f"administrator can remove it ({self.remove_with})")
            pending = self._pending(role_id, scope)
            if not pending:
                return self._result(False, "Active" if active else "Inactive", active)
            request = {"id": pending[0].get("id"), "action": "cancel", "status": "Canceled"}
            if not self.check_mode:
                self.pim.cancel(pending[0]["id"])
            return self._result(True, "Active" if active else "Inactive", active, request)
        body = self._body("selfDeactivate", role_id, scope)
        if self.check_mode:
            return self._result(True, "Inactive", None, {"action": "selfDeactivate", "body": body})
        try:
            answer = self.pim.submit(body)
        except GraphCallError as err:
            if err.code == "ActiveDurationTooShort":
                start = parse_datetime(active["startDateTime"]) if active.get("startDateTime") else None
                since = (f" The activation began at {active.get('startDateTime')}; PIM allows deactivating it from "
                         f"{format_datetime(start + timedelta(minutes=5))} on.") if start else ""
                raise RunFailed(f"PIM refused to deactivate {name}: {err.describe()}.{since}", error=err.as_dict(),
                                activation=describe_active(active, self.clock(), self.surface)) from None
            if err.code != "RoleAssignmentDoesNotExist" or self._active(role_id, scope) is not None:
                raise
            return self._result(self.pim.retried(), "Inactive", None)
        return self._result(True, "Inactive", None, self._request(answer, "selfDeactivate"))


ACCESS_NOUNS = {"member": "membership", "owner": "ownership"}


class GroupActivationRun(ActivationRun):
    """One run of pim_group_activation: the caller's ``member`` or ``owner`` access to one group.

    Graph v1.0 lists ``selfActivate`` and ``selfDeactivate`` for PIM for Groups but no ``selfExtend``
    (privilegedAccessGroupAssignmentScheduleRequest, action), so there is nothing to extend here.
    """

    surface = GROUPS
    module = "pim_group_activation"
    privileges = "group membership and ownership"
    renew_with = "entra.pim.pim_group_eligible_assignment"
    remove_with = "entra.pim.pim_group_active_assignment"
    # Reading a group's policy: RoleManagementPolicy.Read.AzureADGroup (List roleManagementPolicyAssignments,
    # permissions for scopeType Group); a reader role as for directory roles may be needed as well.
    policy_permission = ("RoleManagementPolicy.Read.AzureADGroup (Graph may also want a reader role such as "
                         "Global Reader or Privileged Role Administrator for role-assignable groups)")
    can_extend = False

    def _target(self):
        group = self.pim.group(self.params["group"])
        access = self.params["access"]
        name = f"{ACCESS_NOUNS.get(access, access)} of group {group.get('displayName')!r}"
        return access, group["id"], name, {"group": group.get("displayName"), "group_id": group["id"],
                                           "access": access}

    def _rules(self, role_id, scope):
        return self.pim.group_activation_rules(role_id, scope)

    def _role_name(self, role_id):
        return role_id  # "member" or "owner": the access is its own name

    def _where(self, scope):
        return ""  # the name already says which group

    def _held_where(self):
        return "in that group"


# The options of the activation modules after the first two (pim_role_activation: role, scope;
# pim_group_activation: group, access), in their order.
ACTIVATION_OPTIONS = dict(
    state=dict(type="str", default="active", choices=["active", "inactive"]),
    justification=dict(type="str"),
    duration=dict(type="str"),
    ticket_number=dict(type="str"),
    ticket_system=dict(type="str"),
    min_remaining=dict(type="str", default="PT15M"),
    wait_for_approval=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=600),
    poll_interval=dict(type="int", default=15),
)


def run_activation(module, run_class, backend_class, what):
    """The run of an activation module: validate, sign in, activate or deactivate, report. ``what`` names
    the privilege in a failure message ("role 'X'", "member access to group 'X'")."""
    params = module.params
    try:
        duration, min_remaining = activation_durations(params["duration"], params["min_remaining"])
    except ScheduleError as exc:
        module.fail(str(exc))
    if params["wait_timeout"] < 0 or params["poll_interval"] < 1:
        module.fail("wait_timeout must be 0 or more and poll_interval at least 1 second")
    module.check_auth()
    run = run_class(backend_class.connect(module), params, duration, min_remaining, module.check_mode,
                    sign_in=choose_method(module.auth))
    try:
        result = run.ensure_active() if params["state"] == "active" else run.ensure_inactive()
    except (ResolveError, ScheduleError) as exc:
        module.fail(str(exc))
    except RunFailed as exc:
        module.fail(str(exc), **exc.result)
    except Exception as exc:  # a Graph failure of any call: described with what was being done
        module.fail_graph(exc, f"Setting {what} {params['state']}")
    for warning in run.warnings:
        module.warn(warning)
    module.exit(**result)
