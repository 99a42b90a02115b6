#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_activation_info
short_description: Read Microsoft Entra role eligibilities, activations, pending approvals and PIM audit history
version_added: 0.1.0
description:
  - Returns the eligible assignments and the active assignments of Microsoft Entra directory roles, for a
    whole tenant or for some roles, principals or a scope, read from Privileged Identity Management (PIM)
    schedule instances.
  - Active assignments are told apart as standing assignments (C(assignment_type=assigned)) and
    just-in-time activations (C(assignment_type=activated)), each with its start and end, whether
    it is permanent, whether it was made outside PIM, and whether it is held directly or through a group.
  - Optionally returns the activation requests waiting for approval, and PIM's audit history since a given
    time (activations, approvals, assignments and setting changes, from the directory audit log).
  - Optionally returns each role's PIM settings too (O(role_settings)), exactly as
    M(entra.pim.pim_role_setting_info) does, so that one task reads what a compliance scan needs.
  - Role and principal names are resolved in bulk. A whole tenant is read in a handful of requests, never one
    per role or principal, in rounds of JSON batching (C($batch), 20 reads per request). The first round reads
    the role definitions, the two instance lists, the pending requests, the policies and the audit log when
    asked; each later round reads their further pages with one C(getByIds) per 1000 principals and approvers
    named on the pages before (and the users' sync status). A tenant costs one round trip per page of its
    longest list, plus one.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  roles:
    description:
      - Only these directory roles,
        by display name (exact case first; a case-only match when unique), template id or id.
      - Leave out for every role.
    type: list
    elements: str
  principals:
    description:
      - Only these principals, by object id, user principal name, group or service principal display name,
        or app id (prefix with V(user:), V(group:) or V(sp:) to disambiguate).
      - A user's rows held through a group are included (C(member_type=group)); the group's own
        rows only when the group is named too.
    type: list
    elements: str
  scope:
    description:
      - Only assignments at this directory scope, V(/) for the whole tenant, an administrative unit by name
        or id, or V(/administrativeUnits/{id}). Leave out for every scope.
      - An empty string, V(tenant) and V(directory) are refused as ambiguous; write V(/) for the whole tenant.
    type: str
  pending_requests:
    description:
      - Also return the activation requests waiting for approval (status C(PendingApproval)).
      - When Graph refuses to list requests to a read-only identity, the module warns and returns
        RV(pending_requests) as V(null) instead of failing.
    type: bool
    default: true
  audit_since:
    description:
      - Also return PIM's audit records since this time, newest first, as RV(audit).
      - An ISO 8601 datetime with an offset (V(2026-01-31T00:00:00Z)), or a duration back from now (V(P7D),
        V(24h)) of at most V(P36500D). Months and years (V(P1M)) are refused, since their length varies; write days.
      - Needs the permission C(AuditLog.Read.All). Microsoft keeps PIM audit records for 30 days in the portal.
    type: str
  role_settings:
    description:
      - Also return every role's PIM settings as RV(role_settings), the same as
        RV(entra.pim.pim_role_setting_info#module:roles) of M(entra.pim.pim_role_setting_info); only the roles
        in O(roles) when it is set.
      - Every policy with its rules is read in the same C($batch) requests as the assignments and the approvers'
        names with the principals' (C(getByIds)), so it costs no round trip of its own, and the role definitions
        are read once; the O(principals) and O(scope) filters do not apply to settings.
      - Needs C(RoleManagementPolicy.Read.Directory) (or C(RoleManagement.Read.Directory)).
    type: bool
    default: false
  row_roles:
    description:
      - Return the rows of RV(eligible) and RV(active) of these roles only, by display name (any case), template
        id or id; the rows of the other roles are read and counted in RV(summary), but not returned.
      - Each returned row travels through Ansible's result pipeline (about 0.7 ms a row on the controller, 120 MB
        for 20,000 rows), so a task that evaluates a few roles (the compliance role passes its highly
        privileged roles) asks for their rows only.
      - A role that no row carries matches nothing (no error). Leave out for every row.
    type: list
    elements: str
  include_sync_status:
    description:
      - Also say, for each row of a user in RV(eligible) and RV(active), whether the user is synced from
        on-premises (C(synced)), which the compliance control CISA MS.AAD.7.3 (cloud-only privileged users)
        needs.
      - Reads C(onPremisesSyncEnabled) and C(onPremisesImmutableId), which Graph returns only on request,
        with C(GET /users?$filter=id in (...)) for 15 principals at a time (Graph's limit), in the same
        C($batch) requests as the C(getByIds) of the principals (groups and service principals match no user);
        never one request per user.
      - Needs C(User.Read.All) or C(Directory.Read.All); when Graph refuses, the module warns and leaves
        C(synced) out.
    type: bool
    default: false
  group_memberships:
    description:
      - Also return, in RV(role_groups), who really holds the roles held by groups. For each group holding a
        role of the returned rows (directly, eligible or active; only the roles of O(row_roles) when it is set), its
        PIM for Groups eligible and active membership and ownership (eligibility and assignment schedule instances of
        C(identityGovernance/privilegedAccess/group)) and its members (C(/groups/{id}/members)), with each
        member's name (and sync status with O(include_sync_status=true)).
      - A member of a group holding Global Administrator holds Global Administrator; the compliance role counts them
        (CISA MS.AAD.7.1 to 7.4) from this.
      - Graph requires one read per group of each list (C($filter=groupId eq)), so the groups' reads go out
        together, 20 per C($batch) request, then one more round names the members the role read did not.
      - Needs C(PrivilegedEligibilitySchedule.Read.AzureADGroup), C(PrivilegedAssignmentSchedule.Read.AzureADGroup)
        and C(GroupMember.Read.All) (or C(Directory.Read.All)); when Graph refuses, the module warns and returns the
        members it could read with C(permanent) V(null).
    type: bool
    default: false
  access_reviews:
    description:
      - Also return, in RV(access_reviews), the access reviews of directory roles (Graph v1.0
        C(identityGovernance/accessReviews/definitions)), with the roles each covers (eligible and active
        assignments, which principals), how often it recurs, its reviewers and settings, and its last instance.
        The compliance role evaluates CIS Microsoft 365 Foundations 5.3.3 from this.
      - The definitions are read in the first C($batch) round with everything else; the instances of the
        definitions that review a role (one read each, Graph documents no C($expand=instances)) in the next round,
        next to the principals' names, which name the reviewers too. No round trip of its own.
      - Needs C(AccessReview.Read.All). When Graph refuses, the module warns, returns RV(access_reviews) as V(null)
        and says why in RV(access_reviews_error).
    type: bool
    default: false
notes:
  - Needs C(RoleEligibilitySchedule.Read.Directory) and C(RoleAssignmentSchedule.Read.Directory) (or
    C(RoleManagement.Read.Directory)) and C(Directory.Read.All) for names; C(AuditLog.Read.All) for
    O(audit_since). Read-only permissions are enough.
  - State is read from schedule instances, never from schedule requests, which Graph purges after about
    45 days.
seealso:
  - module: entra.pim.pim_role_activation
  - module: entra.pim.pim_active_assignment
  - module: entra.pim.pim_eligible_assignment
"""

EXAMPLES = r"""
- name: Read every eligible and active assignment of the tenant with a read-only app
  entra.pim.pim_activation_info:
  register: pim

- name: Show who is activated right now, and until when
  ansible.builtin.debug:
    msg: "{{ item.principal }} is {{ item.role }} until {{ item.end }}"
  loop: "{{ pim.active | selectattr('assignment_type', 'equalto', 'activated') }}"
  loop_control:
    label: "{{ item.principal }}"

- name: Permanent standing assignments made outside PIM
  ansible.builtin.debug:
    msg: "{{ pim.active | selectattr('outside_pim') | map(attribute='principal') }}"

- name: Global Administrators and what happened to them in the last week
  entra.pim.pim_activation_info:
    roles: [Global Administrator]
    audit_since: P7D
  register: ga

- name: Settings and assignments of every role in one task, as the compliance role reads them
  entra.pim.pim_activation_info:
    pending_requests: false
    role_settings: true
  register: tenant

- name: Privileged users synced from on-premises (CISA MS.AAD.7.3)
  entra.pim.pim_activation_info:
    roles: [Global Administrator, Privileged Role Administrator]
    pending_requests: false
    include_sync_status: true
  register: hp

- name: Show them
  ansible.builtin.debug:
    msg: "{{ (hp.eligible + hp.active) | selectattr('synced', 'defined') | selectattr('synced')
             | map(attribute='principal') | unique }}"

- name: Counts of every row, but the rows of the highly privileged roles only (what a compliance scan evaluates)
  entra.pim.pim_activation_info:
    pending_requests: false
    row_roles: [Global Administrator, Privileged Role Administrator, Exchange Administrator]
  register: hp_rows

- name: Who holds the highly privileged roles through groups (PIM for Groups membership of the groups holding them)
  entra.pim.pim_activation_info:
    pending_requests: false
    row_roles: [Global Administrator, Privileged Role Administrator]
    group_memberships: true
  register: via_groups

- name: The access reviews of directory roles, with their last instance (CIS 5.3.3's evidence)
  entra.pim.pim_activation_info:
    pending_requests: false
    row_roles: [Global Administrator]
    access_reviews: true
  register: reviews

- name: One user's roles, without the pending requests
  entra.pim.pim_activation_info:
    principals: [alice.admin@contoso.onmicrosoft.com]
    pending_requests: false
"""

RETURN = r"""
eligible:
  description:
    - Eligible assignments (who may activate which role), sorted by role and principal.
    - Only those of O(row_roles) when it is set.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The instance id.
      type: str
    kind:
      description: Always V(eligible).
      type: str
      sample: eligible
    assignment_type:
      description: "V(null) for eligible assignments."
      type: str
    role:
      description: The role's display name.
      type: str
      sample: Exchange Administrator
    role_id:
      description: The role definition id.
      type: str
      sample: 29232cdf-9323-42fd-ade2-1d097af3e4de
    role_template_id:
      description: The role's template id.
      type: str
    principal:
      description: The user principal name of a user, else the display name.
      type: str
    principal_id:
      description: The principal's object id.
      type: str
    principal_type:
      description: V(user), V(group) or V(servicePrincipal) (V(null) when the object is gone).
      type: str
    principal_display_name:
      description: The principal's display name.
      type: str
    member_type:
      description:
        - V(direct), V(group) (held as a member of a role-assignable group) or V(inherited) (from a
          wider scope).
      type: str
      sample: direct
    via_group:
      description: For V(group) rows, the group (or comma-separated groups) holding the role at that scope.
      type: str
    scope:
      description: The directory scope id.
      type: str
      sample: /
    app_scope:
      description: The app scope id, if any.
      type: str
    start:
      description: Start, ISO 8601.
      type: str
    end:
      description: End, ISO 8601; V(null) when permanent.
      type: str
    permanent:
      description: Whether it never ends.
      type: bool
    outside_pim:
      description: Always V(false) for eligible assignments.
      type: bool
    synced:
      description:
        - For a user, whether it is synced from on-premises (C(onPremisesSyncEnabled) or
          C(onPremisesImmutableId) set); V(null) when the user could not be read.
        - Only with O(include_sync_status=true), and only on rows of users.
      type: bool
    schedule_id:
      description: The schedule the instance belongs to.
      type: str
active:
  description:
    - Active assignments, with the same keys as RV(eligible).
    - C(assignment_type) is V(assigned) for a standing assignment and V(activated) for a just-in-time
      activation; C(outside_pim) is V(true) for an assignment made outside PIM.
    - Only those of O(row_roles) when it is set.
  returned: success
  type: list
  elements: dict
  sample:
    - kind: active
      assignment_type: activated
      role: Exchange Administrator
      principal: niaj.sharepoint@contoso.onmicrosoft.com
      member_type: group
      via_group: PIM-Exchange-Admins
      start: "2026-03-01T09:00:00Z"
      end: "2026-03-01T10:00:00Z"
      permanent: false
      outside_pim: false
pending_requests:
  description: Activation requests waiting for approval; V(null) when not read (see O(pending_requests)).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The request id.
      type: str
    status:
      description: "V(PendingApproval)."
      type: str
    action:
      description: The request action, usually V(selfActivate).
      type: str
    role:
      description: The role's display name.
      type: str
    role_id:
      description: The role definition id.
      type: str
    principal:
      description: Who asked.
      type: str
    principal_id:
      description: Who asked (object id).
      type: str
    scope:
      description: The directory scope id.
      type: str
    justification:
      description: The requester's justification.
      type: str
    ticket_number:
      description: The ticket number given.
      type: str
    ticket_system:
      description: The ticket system given.
      type: str
    created:
      description: When it was asked.
      type: str
    start:
      description: The requested start.
      type: str
    duration:
      description: The requested duration (ISO 8601).
      type: str
    end:
      description: The requested end, when given as a date.
      type: str
    approval_id:
      description: The approval to review (beta C(roleAssignmentApprovals)).
      type: str
audit:
  description:
    - PIM's audit records since O(audit_since), newest first.
    - Only those of the given roles and principals when O(roles) or O(principals) is set.
  returned: when O(audit_since) is set
  type: list
  elements: dict
  contains:
    time:
      description: When.
      type: str
    activity:
      description: The activity name.
      type: str
      sample: Add member to role requested (PIM activation)
    result:
      description: "V(success), V(failure) or V(timeout)."
      type: str
    result_reason:
      description: Why it failed.
      type: str
    operation:
      description: The operation type.
      type: str
    category:
      description: "V(RoleManagement) for directory roles."
      type: str
    initiated_by:
      description: The user principal name or app display name that did it (V(MS-PIM) for PIM itself).
      type: str
    initiated_by_id:
      description: The user id or app id that did it.
      type: str
    role:
      description: The role's display name.
      type: str
    role_id:
      description: The role id.
      type: str
    principal:
      description: The principal affected.
      type: str
    principal_id:
      description: The principal affected (object id).
      type: str
    justification:
      description: The justification recorded.
      type: str
    request_id:
      description: The schedule request behind it.
      type: str
    correlation_id:
      description: Links the records of one operation.
      type: str
    id:
      description: The record id.
      type: str
    details:
      description: Every additional detail of the record, by key.
      type: dict
role_groups:
  description:
    - The groups holding a role of the returned rows, each with its PIM for Groups memberships (see
      O(group_memberships)), sorted by access, kind and principal.
  returned: when O(group_memberships=true)
  type: list
  elements: dict
  contains:
    group:
      description: The group's display name.
      type: str
      sample: PIM-Tier0
    group_id:
      description: The group's object id.
      type: str
    pim_read:
      description: Whether its PIM for Groups eligibility and assignment instances could be read.
      type: bool
    members_read:
      description: Whether its members could be read.
      type: bool
    memberships:
      description:
        - Eligible and active membership (C(access=member)) and ownership (C(access=owner)), one row each,
          with C(principal), C(principal_id), C(principal_type), C(access), C(kind) (V(eligible) or V(active)),
          C(assignment_type) (V(assigned), V(activated); V(null) when eligible), C(member_type), C(start),
          C(end), C(permanent) (V(null) when unknown), C(outside_pim) (a member added to the group directly)
          and C(synced).
      type: list
      elements: dict
      sample:
        - principal: ian.ops@contoso.onmicrosoft.com
          access: member
          kind: active
          assignment_type: assigned
          permanent: true
          outside_pim: true
access_reviews:
  description:
    - The access review definitions that review a directory role (see O(access_reviews)), sorted by name;
      V(null) when Graph refused to list them.
  returned: when O(access_reviews=true)
  type: list
  elements: dict
  contains:
    name:
      description: The review's display name.
      type: str
    id:
      description: The definition id.
      type: str
    status:
      description: The series' status (C(InProgress) while it runs, C(NotStarted), C(Completed), ...).
      type: str
    roles:
      description:
        - The roles covered, each with C(role_id) (as the scope names it, usually the template id), C(role), C(kinds)
          (V(eligible), V(active)) and C(principals) (V(users), V(groups), V(servicePrincipals), V(guests), or V(all)).
      type: list
      elements: dict
    recurrence:
      description:
        - C(pattern) and C(interval) of Graph's recurrence pattern, C(every) in words (V(monthly), V(quarterly),
          V(every 2 weeks)), C(range) (V(noEnd), V(endDate), V(numbered)), C(start) and C(end).
      type: dict
    reviewers:
      description: Reviewers by name (V(group:Name) for a group), V(managers), or the query; empty for a self-review.
      type: list
      elements: str
    self_review:
      description: Whether the principals review their own access (no reviewers).
      type: bool
    settings:
      description:
        - C(duration_days), C(auto_apply), C(default_decision), C(mail_notifications), C(reminders),
          C(justification_required).
      type: dict
    last_instance:
      description: The latest instance's C(id), C(start), C(end) and C(status); V(null) when none, or not read.
      type: dict
    instances_read:
      description: Whether the instances could be read.
      type: bool
  sample:
    - name: Quarterly review of tier 0 roles
      status: InProgress
      roles: [{role: Global Administrator, role_id: 62e90394-69f5-4237-9190-012177145e10,
               kinds: [active, eligible], principals: [groups, users]}]
      recurrence: {pattern: absoluteMonthly, interval: 3, every: quarterly, range: noEnd, start: "2026-01-01"}
      last_instance: {start: "2026-10-01T00:00:00Z", end: "2026-10-15T00:00:00Z", status: Completed}
access_reviews_error:
  description: Why the access reviews could not be read (Graph's error and the permission to grant).
  returned: when O(access_reviews=true) and Graph refused
  type: str
role_settings:
  description:
    - Each role's PIM settings, in the shape of RV(entra.pim.pim_role_setting_info#module:roles)
      (see M(entra.pim.pim_role_setting_info) for every key of C(settings)).
    - Sorted by display name when every role is read, else in the order of O(roles).
  returned: when O(role_settings=true)
  type: list
  elements: dict
  contains:
    role:
      description: The role's display name.
      type: str
      sample: Exchange Administrator
    id:
      description: The role definition id.
      type: str
    template_id:
      description: The role's template id.
      type: str
    policy_id:
      description: The id of the role's PIM policy.
      type: str
    settings:
      description: Every setting of the role, in the shape of the options of M(entra.pim.pim_role_setting).
      type: dict
summary:
  description: Counts of the rows read, before O(row_roles) leaves any out.
  returned: success
  type: dict
  sample: {eligible: 14, assigned: 9, activated: 1, permanent_active: 7, outside_pim: 1, pending_requests: 0}
graph_requests:
  description: Graph requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent.
      type: int
    writes:
      description: Write operations; always 0.
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
"""

from ansible_collections.entra.pim.plugins.module_utils._activation import audit_since  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._activation_backend import ActivityReader  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._group_membership import complete_activity  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._role_settings import RoleSettingsError  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._schedule import ScheduleError, utcnow  # noqa: E402


def main():
    module = PimModule(dict(
        roles=dict(type="list", elements="str"),
        principals=dict(type="list", elements="str"),
        scope=dict(type="str"),
        pending_requests=dict(type="bool", default=True),
        audit_since=dict(type="str"),
        role_settings=dict(type="bool", default=False),
        include_sync_status=dict(type="bool", default=False),
        row_roles=dict(type="list", elements="str"),
        group_memberships=dict(type="bool", default=False),
        access_reviews=dict(type="bool", default=False),
    ), supports_check_mode=True)
    params = module.params
    try:
        since = audit_since(params["audit_since"], utcnow()) if params["audit_since"] else None
    except ScheduleError as exc:
        module.fail(str(exc))
    module.check_auth()
    reader = ActivityReader(module.graph())
    try:
        role_refs = [r for r in params["roles"] or [] if str(r).strip()]
        principal_refs = [p for p in params["principals"] or [] if str(p).strip()]
        role_ids = [r["id"] for r in reader.resolver.roles(role_refs).values()] if role_refs else None
        principal_ids = [p["id"] for p in reader.resolver.principals(principal_refs).values()] \
            if principal_refs else None
        scope = reader.resolver.scopes([params["scope"]])[params["scope"]] if params["scope"] is not None else None
        # Settings ride along with the assignments: their reads go out in the same $batch round trips.
        result, warnings = reader.read(role_ids, principal_ids, scope, params["pending_requests"], since,
                                       params["include_sync_status"],
                                       settings_refs=role_refs if params["role_settings"] else None,
                                       access_reviews=params["access_reviews"])
    except (ResolveError, RoleSettingsError) as exc:
        module.fail(str(exc))
    except Exception as exc:
        module.fail_graph(exc, "Reading PIM assignments and activations")
    complete_activity(module, reader.graph, result, warnings, params["row_roles"], params["group_memberships"],
                      params["include_sync_status"])
    module.exit(changed=False, **result)


if __name__ == "__main__":
    main()
