# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Graph reads and writes behind pim_approval: the pending requests, the approvals the signed-in user may
review, and one review (PATCH) per decision.

Private to the collection (leading underscore): may change in any release.

Directory roles: Microsoft Graph has approvals of directory-role activations on its BETA endpoint only
(``/beta/roleManagement/directory/roleAssignmentApprovals/{id}/steps/{id}``: "Update approvalStep", beta);
v1.0 has none, so this is the one place the collection calls beta. PIM for Groups: v1.0
``identityGovernance/privilegedAccess/group/assignmentApprovals/{id}/stages/{id}`` ("Update approvalStage").

A run reads, in one round of requests sent together (``GraphSession.read_many``): the role definitions (for
names), the pending requests (directory: one list; groups: one list per group, as Graph requires a ``groupId``
filter) and the caller's approvals (``filterByCurrentUser(on='approver')``); then one ``getByIds`` per 1000
requesters (and groups) for their names. The decisions are planned in ``_approvals`` (pure).
"""

from __future__ import annotations

from ._activation import shape_request, signed_in
from ._approvals import already_reviewed, plan, review_body
from ._client import GraphCallError
from ._graph_paths import (
    BY_IDS, DIRECTORY_APPROVALS_BETA, FOR_APPROVER, GROUP_APPROVALS, GROUP_SCHEDULES, ME, PRINCIPAL_TYPES, SCHEDULES,
    beta_root, by_ids_bodies, odata_quote,
)
from ._resolve import Resolver
from ._surfaces import DIRECTORY, GROUPS

PENDING = "status eq 'PendingApproval'"


class ApprovalFailed(Exception):
    """The run cannot decide what was asked; ``result`` goes into the failure (decisions made so far...)."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.result = result


class ApprovalRun:
    """One run of pim_approval: read, plan, then one review per decision (none in check mode)."""

    def __init__(self, graph, params, options, check_mode):
        self.graph, self.params, self.options, self.check_mode = graph, params, options, check_mode
        self.resolver = Resolver(graph)
        self.surface = GROUPS if options["surface"] == "groups" else DIRECTORY
        self.who = None

    # -- who decides --------------------------------------------------------------------------
    def _caller(self):
        who = signed_in(self.graph.token_claims())
        if who["user_id"] is None:  # an opaque token: ask Graph who it speaks for
            me = self.graph.get(ME, params={"$select": "id,userPrincipalName"}) or {}
            who.update(user_id=me.get("id"), delegated=True)
        if who["delegated"] is False:
            raise ApprovalFailed(
                "pim_approval decides as the signed-in approver, but the token belongs to an application (app-only): "
                "Graph reviews approvals for signed-in users only (Update approvalStep / approvalStage accept no "
                "application permission), and PIM records a person as the approver. Sign in as the approver: pass "
                "their token in access_token (an interactive sign-in with MFA, as az login does) or use "
                "auth_method azure_cli")
        return who

    # -- reads --------------------------------------------------------------------------------
    def _approvals_path(self):
        if self.surface is GROUPS:
            return GROUP_APPROVALS
        root = beta_root(self.graph.graph_url)
        if root is None:
            raise ApprovalFailed(
                f"approvals of directory roles exist on Graph's beta endpoint only, and graph_url "
                f"{self.graph.graph_url} does not end in /v1.0, so where beta lives is unknown; set graph_url to the "
                "v1.0 root (for example https://graph.microsoft.com/v1.0)")
        return root + DIRECTORY_APPROVALS_BETA

    def _reads(self, group_ids):
        """``[(key, read)]`` of the first round: pending requests and the caller's approvals."""
        reads = []
        if self.surface is GROUPS:
            requests = GROUP_SCHEDULES["active"]["requests"]
            for gid in group_ids:
                reads.append(("pending", {"url": requests,
                                          "params": {"$filter": f"groupId eq {odata_quote(gid)} and {PENDING}"}}))
        else:
            roles_read = self.resolver.roles_read()
            if roles_read is not None:
                reads.append(("roles", roles_read))
            reads.append(("pending", {"url": SCHEDULES["active"]["requests"], "params": {"$filter": PENDING}}))
        reads.append(("approvals", {"url": self._approvals_path() + FOR_APPROVER}))
        return reads

    def _read(self, group_ids):
        plan_reads = self._reads(group_ids)
        keys = [key for key, _read in plan_reads]
        asked = set()

        def more(pages):
            """The names of the requesters (and groups) on the request pages just read, asked next round."""
            ids = set()
            for index, items in pages:
                if index < len(keys) and keys[index] == "pending":
                    ids |= {str(i.get(f)).lower() for i in items for f in ("principalId", "groupId") if i.get(f)}
            ids = sorted(ids - asked)
            asked.update(ids)
            return [{"method": "POST", "url": BY_IDS, "body": body} for body in by_ids_bodies(ids, PRINCIPAL_TYPES)]

        outcomes = self.graph.read_many([read for _key, read in plan_reads], more=more)
        requests, approvals, objects = [], [], []
        for key, answer in zip(keys, outcomes[:len(keys)], strict=True):
            err = answer["error"]
            if err is not None:
                raise self._read_refused(key, err)
            if key == "roles":
                self.resolver.take_roles(answer["items"])
            elif key == "pending":
                requests.extend(answer["items"])
            else:
                approvals.extend(answer["items"])
        for answer in outcomes[len(keys):]:
            if answer["error"] is not None:
                raise answer["error"]
            objects.extend(answer["items"])
        return requests, approvals, objects

    def _read_refused(self, key, err):
        if key == "pending" and err.status in (401, 403):
            who = ("a role that reads PIM requests (Global Reader, Security Reader, Privileged Role Administrator...) "
                   "active" if self.surface is DIRECTORY else
                   "membership or ownership of the group, or a role that reads PIM for Groups (Global Reader...)")
            return ApprovalFailed(
                f"reading the pending activation requests was refused ({err.describe()}): to see who asked for what, "
                f"the signed-in approver needs {who}; activate one first (entra.pim.pim_role_activation), and see "
                "docs/permissions.md", error=err.as_dict())
        return err

    # -- the run ------------------------------------------------------------------------------
    def run(self):
        params = self.params
        self.who = self._caller()
        role_ids = group_ids = requester_ids = None
        if params.get("role"):
            found = self.resolver.roles(params["role"])
            role_ids = [found[r]["id"] for r in params["role"]]
        if params.get("group"):
            found = self.resolver.groups(params["group"])
            group_ids = list(dict.fromkeys(found[g]["id"] for g in params["group"]))
        if params.get("requester"):
            found = self.resolver.principals(params["requester"], kinds=("user",))
            requester_ids = [found[p]["id"] for p in params["requester"]]
        requests, approvals, objects = self._read(group_ids or [])
        names = {str(o.get("id")).lower(): o for o in objects}
        if self.surface is GROUPS:
            held = {i: o for i, o in names.items() if i in {g.lower() for g in group_ids}}
        else:
            held = {str(r["id"]).lower(): r for r in self.resolver.all_roles()}
        rows = [shape_request(r, held, names, self.surface) for r in requests]
        by_id = {str(a.get("id")).lower(): a for a in approvals}
        decisions, skipped, refusals = plan(rows, by_id, self.who["user_id"], self.options, role_ids=role_ids,
                                            group_ids=group_ids, access=params.get("access"),
                                            requester_ids=requester_ids)
        if refusals:
            raise ApprovalFailed(
                f"request(s) {', '.join(refusals)} named in request_ids were made by the signed-in user: PIM refuses "
                "self-approval, so another approver must decide them; nothing was decided",
                decisions=decisions, skipped_requests=skipped)
        if not self.check_mode:
            self._decide(decisions, skipped)
        return {"changed": bool(decisions), "decisions": decisions, "skipped_requests": skipped}

    # -- writes -------------------------------------------------------------------------------
    def _stage_path(self, decision):
        noun = "stages" if self.surface is GROUPS else "steps"
        return f"{self._approvals_path()}/{decision['approval_id']}/{noun}/{decision['stage_id']}"

    def _decide(self, decisions, skipped):
        for decision in decisions:
            body = review_body(decision["decision"], self.options["justification"])
            try:
                self.graph.patch(self._stage_path(decision), body)
            except GraphCallError as err:
                if not self._landed(decision, err):
                    # PIM answers a review by someone who may not make it (no approver of the stage, or the
                    # requester: self-approval) with 403; the generic hint about directory reads would mislead.
                    why = ("; Graph refused the signed-in user this review: they are not an approver of the stage "
                           "in progress, or it is their own request (PIM refuses self-approval)") \
                        if err.status == 403 else ""
                    raise ApprovalFailed(
                        f"reviewing request {decision['request_id']} failed: {err.describe()}{why}"
                        + ("; the decisions before it were made" if any(d["done"] for d in decisions) else ""),
                        changed=any(d["done"] for d in decisions), decisions=decisions, skipped_requests=skipped,
                        error=err.as_dict()) from None
            decision["done"] = True

    def _landed(self, decision, err):
        """After a failed or unanswered review: whether the stage holds this caller's decision all the same (a
        retried PATCH that had landed answers 409 "already reviewed", a lost answer WriteOutcomeUnknown)."""
        if err.status not in (0, 400, 409) and err.code != "WriteOutcomeUnknown":
            return False
        try:
            approval = self.graph.get(f"{self._approvals_path()}/{decision['approval_id']}")
        except GraphCallError:
            return False
        return already_reviewed(approval, decision["stage_id"], self.who["user_id"], decision["decision"])
