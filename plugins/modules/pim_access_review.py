#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_access_review
short_description: Recurring access reviews of privileged directory roles and PIM-managed groups
version_added: 0.1.0
description:
  - Creates, updates or deletes one Microsoft Entra access review series (Graph v1.0
    C(accessReviewScheduleDefinition)) whose scope is the assignments of privileged directory roles or the
    membership of groups (PIM-managed groups, for example), with reviewers by name, a recurrence, a duration,
    auto-apply and what happens to access nobody reviewed.
  - A review is identified by its display name (O(name)); two reviews of that name in the tenant are refused.
  - One review covers every role and group given. Roles (both kinds of assignment) are reviewed as Microsoft's
    tutorial "Review access to privileged roles" shows, a C(principalResourceMembershipsScope) of users and groups
    to C(/roleManagement/directory/roleDefinitions/{id}), one resource scope per role (and per group, its
    C(transitiveMembers)). One kind of one role is C(roleEligibilityScheduleInstances) or
    C(roleAssignmentScheduleInstances) filtered by the role; one group alone, C(/groups/{id}/transitiveMembers).
  - Any documented scope naming the same roles, kinds and groups counts as the same, whoever wrote the review.
  - Only what the options say is compared; options left out keep the review's value (or take the default shown on
    creation). A second run with the same options reports no change and writes nothing.
  - Graph's update (a PUT of the whole definition) cannot change the scope, nor reviewers unless they are
    individual users before and after. Such a change fails before any write unless O(recreate=true), which deletes
    the review and creates it again (its past instances and decisions are deleted with it).
  - Every name is resolved, and every option checked, before the first write; an unknown role, group or reviewer
    fails naming it, with the closest names.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
attributes:
  check_mode:
    support: full
    description: Reads and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the review before and after, in the shape of this module's options.
options:
  name:
    description: The review's display name, its identity.
    type: str
    required: true
  state:
    description: V(present) creates or updates the review; V(absent) deletes it (and its instances).
    type: str
    choices: [present, absent]
    default: present
  roles:
    description:
      - Directory roles whose assignments are reviewed, by display name (exact case first), template id or id.
      - At least one of O(roles) and O(groups) is required with O(state=present).
    type: list
    elements: str
  groups:
    description: Groups whose (transitive) members are reviewed, by display name or object id.
    type: list
    elements: str
  assignment_kinds:
    description:
      - Which assignments of O(roles) are reviewed. Something else than both needs a single role (Graph documents
        the kind-filtered queries only as a review's whole scope).
      - Defaults to both.
    type: list
    elements: str
    choices: [eligible, active]
  reviewers:
    description:
      - Who reviews, required with O(state=present). Users by user principal name or id, groups by name (their
        transitive members review; write V(group:Name) when a name is shared), V(managers) (each principal's
        manager) or V(self) (each principal reviews their own access; alone).
    type: list
    elements: str
  fallback_reviewers:
    description:
      - Users or groups who review when a reviewer cannot be found (a principal without a manager). Left out, the
        review's fallback reviewers stay as they are.
    type: list
    elements: str
  recurrence:
    description:
      - How often the review recurs. Defaults to V(quarterly) on creation.
    type: str
    choices: [weekly, monthly, quarterly, semiannually, annually]
  duration_days:
    description:
      - How many days each instance stays open. Defaults to 14 on creation.
      - At most the shortest period of O(recurrence) (7 weekly, 28 monthly, 89 quarterly, 181 semiannually, 365
        annually), so an instance ends before the next one starts.
    type: int
  start:
    description: The first day of the series (YYYY-MM-DD). Defaults to today (UTC) on creation.
    type: str
  auto_apply:
    description: Whether the decisions are applied (denied access removed) when an instance ends. V(false) on creation.
    type: bool
  default_decision:
    description:
      - What happens to access nobody reviewed when an instance ends. V(none) leaves it as it is (the default on
        creation), V(recommendation) takes Microsoft's recommendation.
    type: str
    choices: [none, approve, deny, recommendation]
  description:
    description: The description for administrators (C(descriptionForAdmins)). Defaults to O(name) on creation.
    type: str
  description_for_reviewers:
    description:
      - The text in the reviewers' mail (C(descriptionForReviewers)). The mail shows at most 256 characters (a longer
        text is written, with a warning). Defaults to O(description), cut at 256 characters, on creation.
    type: str
  recreate:
    description:
      - Delete and create the review again when a change cannot be made in place (scope, or reviewers that are not
        only individual users). Without it such a change fails, naming what differs, before any write.
    type: bool
    default: false
notes:
  - Needs the application permission C(AccessReview.ReadWrite.All) to write (C(AccessReview.Read.All) in check mode),
    C(RoleManagement.Read.Directory) to resolve role names and C(Directory.Read.All) (or C(User.Read.All) and
    C(Group.Read.All)) to resolve reviewers and groups.
seealso:
  - module: entra.pim.pim_access_review_info
  - name: Create accessReviewScheduleDefinition
    description: Microsoft Graph's page for the body this module writes.
    link: https://learn.microsoft.com/graph/api/accessreviewset-post-definitions
  - name: Configure the scope of your access review
    description: The scope queries for privileged roles and groups.
    link: https://learn.microsoft.com/graph/accessreviews-scope-concept
"""

EXAMPLES = r"""
- name: Quarterly review of the tier-0 roles by the security team, denied when nobody answers
  entra.pim.pim_access_review:
    name: Tier-0 quarterly review
    roles: [Global Administrator, Privileged Role Administrator]
    reviewers: [group:PIM-Approvers-Tier0]
    recurrence: quarterly
    duration_days: 14
    auto_apply: true
    default_decision: deny

- name: Monthly review of the eligible Exchange Administrators by their managers, with a fallback
  entra.pim.pim_access_review:
    name: Exchange Administrator eligibility
    roles: [Exchange Administrator]
    assignment_kinds: [eligible]
    reviewers: [managers]
    fallback_reviewers: [bob.secops@contoso.onmicrosoft.com]
    recurrence: monthly
    duration_days: 7

- name: Members of a PIM-managed group review their own membership twice a year
  entra.pim.pim_access_review:
    name: PIM-Exchange-Admins self review
    groups: [PIM-Exchange-Admins]
    reviewers: [self]
    recurrence: semiannually

- name: Remove a review
  entra.pim.pim_access_review:
    name: Old review
    state: absent
"""

RETURN = r"""
reviews:
  description: The review this run manages (one entry), before and after, in the shape of this module's options.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The review's display name.
      type: str
    id:
      description: The definition's id (after the write; V(null) when it would be created in check mode).
      type: str
    action:
      description: What was (or in check mode would be) done.
      type: str
      choices: [create, update, replace, delete, none]
    changed_settings:
      description: The options whose values differ.
      type: list
      elements: str
      sample: [duration_days, recurrence]
    before:
      description: The review before, in the options' shape (roles by name, reviewers as UPNs, C(group:Name),
        V(managers) or V(self)); V(null) when it did not exist.
      type: dict
    after:
      description: The review after; V(null) when deleted.
      type: dict
    confirmed_by_reread:
      description:
        - Present and V(true) when the answer to a write was lost (connection dropped, or a 5xx) and a re-read
          showed it had landed. A creation is never sent twice unless a re-read showed the first did not land.
      type: bool
      returned: when a lost answer was settled by a re-read
graph_requests:
  description: Graph requests made by this run.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent.
      type: int
    writes:
      description: Write operations (POST, PUT, DELETE).
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
"""

from datetime import datetime, timezone  # noqa: E402

from ansible_collections.entra.pim.plugins.module_utils._access_review_backend import (  # noqa: E402
    create_once,
    ids_to_name,
    principal_names,
    read_definitions,
    role_names_of,
    with_permission_hint,
)
from ansible_collections.entra.pim.plugins.module_utils._access_reviews import (  # noqa: E402
    DEFAULT_DECISIONS,
    KINDS,
    RECURRENCES,
    ReviewError,
    as_options,
    check_options,
    create_body,
    describe,
    desired_state,
    find_by_name,
    option_warnings,
    plan,
    reviewer_kind,
    update_body,
)
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._graph_paths import access_review_path  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        roles=dict(type="list", elements="str"),
        groups=dict(type="list", elements="str"),
        assignment_kinds=dict(type="list", elements="str", choices=list(KINDS)),
        reviewers=dict(type="list", elements="str"),
        fallback_reviewers=dict(type="list", elements="str"),
        recurrence=dict(type="str", choices=list(RECURRENCES)),
        duration_days=dict(type="int"),
        start=dict(type="str"),
        auto_apply=dict(type="bool"),
        default_decision=dict(type="str", choices=list(DEFAULT_DECISIONS)),
        description=dict(type="str"),
        description_for_reviewers=dict(type="str"),
        recreate=dict(type="bool", default=False),
    )


def resolve(module, resolver, params):
    """role ids, group ids, reviewers and fallback reviewers (``managers``/``self`` or principal dicts) and the names
    of the principals found (id -> label), every unknown name of every option reported together before any write."""
    problems = []
    role_ids, group_ids, reviewers, fallback, principals = [], [], [], None, []
    try:
        role_ids = [r["id"] for r in resolver.roles(params["roles"] or []).values()]
    except ResolveError as exc:
        problems.append(f"roles: {exc}")
    try:
        groups = list(resolver.groups(params["groups"]).values()) if params["groups"] else []
        group_ids = [g["id"] for g in groups]
        principals += groups
    except ResolveError as exc:
        problems.append(f"groups: {exc}")
    refs = [r for r in params["reviewers"] or [] if reviewer_kind(r) is None]
    try:
        found = resolver.principals(refs, kinds=("user", "group")) if refs else {}
        reviewers = [reviewer_kind(r) or found[r] for r in params["reviewers"] or []]
        principals += list(found.values())
    except ResolveError as exc:
        problems.append(f"reviewers: {exc}")
    if params["fallback_reviewers"] is not None:
        try:
            found = resolver.principals(params["fallback_reviewers"], kinds=("user", "group"))
            fallback = [found[r] for r in params["fallback_reviewers"]]
            principals += fallback
        except ResolveError as exc:
            problems.append(f"fallback_reviewers: {exc}")
    if problems:
        module.fail("nothing was written: " + " | ".join(problems))
    known = {p["id"].lower(): p.get("userPrincipalName") or p.get("displayName") for p in principals}
    return role_ids, group_ids, reviewers, fallback, known


def write(graph, action, existing, desired, reviewers, fallback):
    """The write(s) of ``action``; returns (the definition id after it, whether a re-read confirmed a lost answer)."""
    today = datetime.now(timezone.utc).date().isoformat()
    if action in ("delete", "replace"):
        graph.delete(access_review_path(existing["id"]))
        if action == "delete":
            return None, False
    if action in ("create", "replace"):
        return create_once(graph, create_body(desired, reviewers, fallback, today), desired["name"])
    graph.put(access_review_path(existing["id"]), update_body(existing, desired, reviewers, fallback))
    return existing["id"], False


def settle(graph, name, action, desired):
    """After a write whose answer was lost: whether the tenant holds what ``action`` meant (one re-read)."""
    found = find_by_name(read_definitions(graph), name)
    if action == "delete":
        return not found, None
    landed = len(found) == 1 and plan(found[0], desired)[0] == "none"
    return landed, (found[0]["id"] if landed else None)


def main():
    module = PimModule(argument_spec(), supports_check_mode=True,
                       required_if=[("state", "present", ("reviewers",))])
    params = module.params
    problems = check_options(params)
    if problems:
        module.fail("invalid options, nothing was read or written: " + "; ".join(problems))
    for warning in option_warnings(params):
        module.warn(warning)
    module.check_auth()
    graph = module.graph()
    resolver = Resolver(graph)
    try:
        matching = find_by_name(read_definitions(graph), params["name"])
    except Exception as exc:
        module.fail_graph(with_permission_hint(exc, False), "Reading the access review definitions")
    if len(matching) > 1:
        module.fail(f"{len(matching)} access reviews are named {params['name']!r} (ids "
                    f"{', '.join(d['id'] for d in matching)}); a review's name is its identity here: rename or delete "
                    "all but one. Nothing was written.")
    existing = matching[0] if matching else None
    reviewers, fallback, desired, known = [], None, None, {}
    try:
        if params["state"] == "present":
            role_ids, group_ids, reviewers, fallback, known = resolve(module, resolver, params)
            desired = desired_state(params, role_ids, group_ids, reviewers, fallback, existing)
        action, keys, why = plan(existing, desired, params["state"])
        role_names = role_names_of(resolver.all_roles()) if existing is not None or desired is not None else {}
        before = describe(existing) if existing is not None else None
        # Names of what the before/after show; those resolved from the options cost no request.
        names = principal_names(graph, ids_to_name([d for d in (before, desired) if d is not None]), known)
    except ReviewError as exc:
        module.fail(f"nothing was written: {exc}")
    except Exception as exc:
        module.fail_graph(exc, "Reading the names of the review's roles and principals")
    if action == "replace" and not params["recreate"]:
        module.fail(f"the access review {params['name']!r} differs in {', '.join(keys)}, and {why}: set recreate: true "
                    "to delete it and create it again (its past instances and decisions are deleted with it). "
                    "Nothing was written.")
    after = None
    if desired is not None:
        after = as_options(desired, role_names, names)
        if after["start"] is None:
            after["start"] = datetime.now(timezone.utc).date().isoformat()
    entry = {"name": params["name"], "id": existing["id"] if existing is not None else None, "action": action,
             "changed_settings": keys if action != "create" else [],
             "before": as_options(before, role_names, names), "after": after}
    result = {"changed": action != "none", "reviews": [entry]}
    if module.diff_mode:
        result["diff"] = {"before": entry["before"] or {}, "after": entry["after"] or {}}
    if module.check_mode or action == "none":
        module.exit(**result)
    try:
        entry["id"], confirmed = write(graph, action, existing, desired, reviewers, fallback)
        if confirmed:
            entry["confirmed_by_reread"] = True
    except GraphCallError as exc:
        with_permission_hint(exc, True)
        if exc.status not in (0, 500, 502, 503, 504) or action == "replace":
            module.fail_graph(exc, f"Writing the access review {params['name']!r} ({action})", **result)
        # The answer was lost or Graph failed after every retry: one re-read says whether the write landed.
        try:
            landed, found_id = settle(graph, params["name"], action, desired)
        except Exception:  # noqa: BLE001 - the write's own error is the one to report
            landed, found_id = False, None
        if not landed:
            module.fail_graph(exc, f"Writing the access review {params['name']!r} ({action})", **result)
        entry.update(id=found_id, confirmed_by_reread=True)
    module.exit(**result)


if __name__ == "__main__":
    main()
