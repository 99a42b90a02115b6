#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_approval
short_description: Approve or deny pending PIM activation requests as the signed-in approver
version_added: 0.1.0
description:
  - Decides the activation requests waiting for approval that the signed-in user is an approver of, for
    directory roles or for PIM for Groups (membership and ownership), with a justification PIM records and shows
    to the requester.
  - Selects the requests by role (or group and access), requester, ticket number pattern and request id; a request
    the filters select but the run does not decide is returned in RV(skipped_requests) with the reason (the
    caller's own request, no or a non-matching ticket, not an approver of its stage in progress). Ansible keeps
    the result key C(skipped) for itself, hence the longer name.
  - B(Directory roles use Graph's beta endpoint.) Microsoft Graph v1.0 has no approval API for directory roles;
    approvals of directory-role activations exist only as C(/beta/roleManagement/directory/roleAssignmentApprovals)
    and their C(steps) ("Update approvalStep", beta). Beta APIs may change without notice and Microsoft does not
    support them in production; this module is the only part of the collection that calls beta, and only for these
    approval routes (the pending requests themselves are read through v1.0).
  - PIM for Groups uses Graph v1.0 C(identityGovernance/privilegedAccess/group/assignmentApprovals) and their
    C(stages) ("Update approvalStage").
  - Approvals are made by people, so the module runs as the signed-in approver (a delegated token); an app-only
    token is refused before anything is read.
  - Never approves the caller's own request (PIM refuses self-approval); such a request is skipped, and the run
    fails before any decision when O(request_ids) names one.
  - Idempotent, since a decided request is no longer pending, so a second run finds nothing to decide.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
attributes:
  check_mode:
    support: full
    description: Reports what it would decide, and writes nothing.
  diff_mode:
    support: none
    description: RV(decisions) lists every decision; there is no before/after state to diff.
options:
  decision:
    description: V(approve) or V(deny) every request the run selects.
    type: str
    required: true
    choices: [approve, deny]
  justification:
    description: The approver's justification, recorded by PIM with the decision; required and not empty.
    type: str
    required: true
  role:
    description:
      - Only requests to activate these directory roles (display names or role definition ids); unknown names fail
        with the closest role names.
      - Selects directory roles; cannot be combined with O(group).
    type: list
    elements: str
    aliases: [roles]
  group:
    description:
      - Only requests for membership or ownership of these groups (PIM for Groups), by display name or object id.
      - Selects PIM for Groups (Graph lists a group's requests only per group); cannot be combined with O(role).
    type: list
    elements: str
    aliases: [groups]
  access:
    description: With O(group), only requests for this access; leave out for both.
    type: str
    choices: [member, owner]
  requester:
    description: Only requests of these users, by user principal name or object id.
    type: list
    elements: str
    aliases: [requesters]
  ticket_number_pattern:
    description:
      - Only requests whose ticket number matches this Python regular expression as a whole (C(re.fullmatch));
        a request without a ticket number never matches.
      - A selected request whose ticket does not match is returned in RV(skipped_requests), not decided.
    type: str
  request_ids:
    description:
      - Only these requests, by schedule request id (the C(pending_requests[].id)
        of M(entra.pim.pim_activation_info)). An id that is not pending any more is returned in
        RV(skipped_requests).
      - An empty list selects nothing (and decides nothing), unlike leaving the option out.
    type: list
    elements: str
notes:
  - At least one of O(role), O(group), O(requester), O(ticket_number_pattern) or O(request_ids) is required, so a run
    never decides every pending request by accident.
  - Without O(group) the run decides directory-role requests; with it, PIM for Groups requests.
  - "Permissions (delegated): directory roles C(RoleAssignmentSchedule.ReadWrite.Directory) (Update approvalStep,
    beta) and C(RoleManagement.Read.Directory) (role names); PIM for Groups
    C(PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup) (Update approvalStage, v1.0); names of requesters and
    groups C(Directory.Read.All). See docs/permissions.md."
  - To see who asked for what, Graph shows the pending requests to a signed-in user only while they are active in a
    role that reads PIM (Global Reader, Security Reader, Privileged Role Administrator...), or, for a group, to its
    members and owners. An approver without one is told so before anything is decided.
  - A request whose approval has several stages moves to the next stage after this run's decision; it is active
    once its last stage is approved.
seealso:
  - module: entra.pim.pim_activation_info
  - module: entra.pim.pim_group_activation_info
  - module: entra.pim.pim_role_setting
"""

EXAMPLES = r"""
# The approver signs in interactively (az login, with MFA); the module decides as that user.
- name: Approve Walter's Global Reader activations that carry an incident ticket
  entra.pim.pim_approval:
    auth_method: azure_cli
    tenant_id: "{{ tenant_id }}"
    role: [Global Reader]
    requester: [walter.pim@contoso.onmicrosoft.com]
    ticket_number_pattern: "^INC[0-9]{7}$"
    decision: approve
    justification: Ticket checked in the ITSM

- name: List the User Administrator requests waiting for approval
  entra.pim.pim_activation_info:
    roles: [User Administrator]
  register: waiting

# An empty list decides nothing: the task needs no "when" for the days nothing waits.
- name: Deny them by id
  entra.pim.pim_approval:
    request_ids: "{{ waiting.pending_requests | map(attribute='id') | list }}"
    decision: deny
    justification: No open change for this work

- name: See which ownership requests of PIM-Exchange-Admins would be approved (PIM for Groups)
  entra.pim.pim_approval:
    group: [PIM-Exchange-Admins]
    access: owner
    decision: approve
    justification: Planned maintenance CHG0042
  check_mode: true
  register: would
"""

RETURN = r"""
decisions:
  description:
    - The requests this run decided (in check mode, would decide), oldest first.
  returned: success
  type: list
  elements: dict
  contains:
    request_id:
      description: The schedule request id.
      type: str
    approval_id:
      description: The approval reviewed.
      type: str
    stage_id:
      description: The approval step (directory roles, beta) or stage (groups) reviewed.
      type: str
    role:
      description: The directory role's display name (directory roles).
      type: str
    role_id:
      description: The role definition id (directory roles).
      type: str
    scope:
      description: The directory scope (directory roles).
      type: str
    group:
      description: The group's display name (PIM for Groups).
      type: str
    group_id:
      description: The group's object id (PIM for Groups).
      type: str
    access:
      description: V(member) or V(owner) (PIM for Groups).
      type: str
    requester:
      description: The requester's user principal name.
      type: str
    requester_id:
      description: The requester's object id.
      type: str
    ticket_number:
      description: The ticket number of the request, if any.
      type: str
    ticket_system:
      description: The ticket system of the request, if any.
      type: str
    request_justification:
      description: The requester's justification.
      type: str
    decision:
      description: V(approve) or V(deny).
      type: str
    done:
      description: Whether Graph took the decision (V(false) in check mode).
      type: bool
  sample:
    - {request_id: 5b4c..., approval_id: 9e1f..., stage_id: 77aa..., role: Global Reader, scope: /,
       requester: walter.pim@contoso.example, ticket_number: INC0001234, decision: approve, done: true}
skipped_requests:
  description:
    - Requests the filters selected (or O(request_ids) named) that this run did not decide, each with its
      C(reason), and the same request fields as RV(decisions) where known.
  returned: success
  type: list
  elements: dict
  sample:
    - {request_id: 1c2d..., role: Global Reader, requester: grace.approver@contoso.example,
       reason: "own request: PIM refuses self-approval, another approver must decide it"}
graph_requests:
  description: Graph requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent.
      type: int
    writes:
      description: Write operations (0 in check mode).
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
"""

from ansible_collections.entra.pim.plugins.module_utils._approval_backend import (  # noqa: E402
    ApprovalFailed,
    ApprovalRun,
)
from ansible_collections.entra.pim.plugins.module_utils._approvals import (  # noqa: E402
    ApprovalInputError,
    check_options,
)
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError  # noqa: E402


def main():
    module = PimModule(dict(
        decision=dict(type="str", required=True, choices=["approve", "deny"]),
        justification=dict(type="str", required=True),
        role=dict(type="list", elements="str", aliases=["roles"]),
        group=dict(type="list", elements="str", aliases=["groups"]),
        access=dict(type="str", choices=["member", "owner"]),
        requester=dict(type="list", elements="str", aliases=["requesters"]),
        ticket_number_pattern=dict(type="str"),
        request_ids=dict(type="list", elements="str"),
    ), supports_check_mode=True)
    try:
        options = check_options(module.params)
    except ApprovalInputError as exc:
        module.fail(str(exc))
    module.check_auth()
    run = ApprovalRun(module.graph(), module.params, options, module.check_mode)
    try:
        result = run.run()
    except ResolveError as exc:
        module.fail(str(exc))
    except ApprovalFailed as exc:
        module.fail(str(exc), **exc.result)
    except Exception as exc:  # a Graph failure of any call: described with what was being done
        module.fail_graph(exc, f"Deciding ({module.params['decision']}) pending activation requests")
    module.exit(**result)


if __name__ == "__main__":
    main()
