#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_access_review_info
short_description: Read the access reviews of privileged roles and groups, their last instance and its outcome
version_added: 0.1.0
description:
  - Reads the tenant's access review series (Graph v1.0 C(accessReviewScheduleDefinition)) and describes each in the
    words of M(entra.pim.pim_access_review)'s options, the roles covered with their ids and names, the recurrence,
    the reviewers and the status, with its last instance (start, end, status) and the count of that instance's
    decisions (approve, deny, not reviewed, don't know).
  - The scope is read in every documented shape, whoever wrote the review (this collection, the portal, another
    tool). Scopes that name neither a directory role nor a group are returned in RV(reviews[].other_scopes).
  - Costs one read of the definitions, one of the role definitions, one C(getByIds) for the principals' names, and
    two C($batch) rounds for the instances and decisions of every review.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
attributes:
  check_mode:
    support: full
    description: Reads only.
options:
  names:
    description: Only the reviews with these display names (exact). Names not found are listed in RV(missing).
    type: list
    elements: str
  roles:
    description:
      - Only the reviews covering at least one of these directory roles (display name, template id or id). An
        unknown role fails, naming it.
    type: list
    elements: str
  include_decisions:
    description: Whether the decisions of each last instance are read and counted.
    type: bool
    default: true
notes:
  - Needs the application permission C(AccessReview.Read.All), C(RoleManagement.Read.Directory) for the role names and
    C(Directory.Read.All) (or C(User.Read.All) and C(Group.Read.All)) for the reviewers' and groups' names.
seealso:
  - module: entra.pim.pim_access_review
"""

EXAMPLES = r"""
- name: The reviews covering the tier-0 roles
  entra.pim.pim_access_review_info:
    roles: [Global Administrator, Privileged Role Administrator]
  register: tier0_reviews

- name: Fail when Global Administrator has no quarterly (or more frequent) review
  ansible.builtin.assert:
    that:
      - tier0_reviews.reviews | selectattr('recurrence', 'in', ['weekly', 'monthly', 'quarterly']) | list | length > 0
"""

RETURN = r"""
reviews:
  description: One entry per review, in Graph's order.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The definition's id.
      type: str
    name:
      description: Its display name.
      type: str
    status:
      description: Graph's status of the series (V(NotStarted), V(InProgress), V(Completed)...).
      type: str
    roles:
      description: The directory roles whose assignments it reviews.
      type: list
      elements: dict
      sample: [{id: 62e90394-69f5-4237-9190-012177145e10, name: Global Administrator}]
    groups:
      description: The groups whose members it reviews.
      type: list
      elements: dict
      sample: [{id: 5f1c6a4e-0d39-4f0a-9a55-3b1a3c1f2e7d, name: PIM-Exchange-Admins}]
    assignment_kinds:
      description: Which role assignments are reviewed (V(eligible), V(active)); empty without roles.
      type: list
      elements: str
    reviewers:
      description: Reviewers as the options write them (UPN, V(group:Name), V(managers), V(self)).
      type: list
      elements: str
    fallback_reviewers:
      description: Fallback reviewers, written the same way.
      type: list
      elements: str
    recurrence:
      description: V(weekly), V(monthly), V(quarterly), V(semiannually), V(annually), or V(null) for a one-time review
        or another interval (see RV(reviews[].recurrence_pattern)).
      type: str
    recurrence_pattern:
      description: Graph's pattern type and interval; V(null) for a one-time review.
      type: dict
      sample: {type: absoluteMonthly, interval: 3}
    duration_days:
      description: Days each instance stays open.
      type: int
    start:
      description: The first day of the series.
      type: str
    auto_apply:
      description: Whether decisions are applied when an instance ends.
      type: bool
    default_decision:
      description: What happens to access nobody reviewed (V(none), V(approve), V(deny), V(recommendation)).
      type: str
    description:
      description: The description for administrators.
      type: str
    description_for_reviewers:
      description: The text of the reviewers' mail.
      type: str
    other_scopes:
      description: Scope queries naming neither a directory role nor a group.
      type: list
      elements: str
    last_instance:
      description:
        - The occurrence that started last, V(null) when none has started. A review of several roles or groups has
          one instance per role or group in each occurrence; they are summed up here.
      type: dict
      contains:
        ids:
          description: The ids of its instances (one per role or group reviewed).
          type: list
          elements: str
        start:
          description: When it started.
          type: str
        end:
          description: When it ends (or ended); the latest end of its instances.
          type: str
        status:
          description: Graph's status of its instances (the one they share, or V(InProgress) while any is).
          type: str
        decisions:
          description: Decision counts over its instances, with O(include_decisions).
          type: dict
          sample: {approve: 3, deny: 1, not_reviewed: 2, dont_know: 0, total: 6}
missing:
  description: Names of O(names) that no review carries.
  returned: success
  type: list
  elements: str
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

from ansible_collections.entra.pim.plugins.module_utils._access_review_backend import (  # noqa: E402
    ids_to_name,
    principal_names,
    read_definitions,
    read_last_instances,
    role_names_of,
    select,
    summarise,
    with_permission_hint,
)
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._resolve import ResolveError, Resolver  # noqa: E402


def argument_spec():
    return dict(names=dict(type="list", elements="str"), roles=dict(type="list", elements="str"),
                include_decisions=dict(type="bool", default=True))


def main():
    module = PimModule(argument_spec(), supports_check_mode=True)
    params = module.params
    module.check_auth()
    graph = module.graph()
    resolver = Resolver(graph)
    try:
        roles = resolver.all_roles()
        role_ids = None
        if params["roles"] is not None:
            role_ids = [r["id"] for r in resolver.roles(params["roles"]).values()]
        definitions = read_definitions(graph)
        chosen = select(definitions, params["names"], role_ids)
        last = read_last_instances(graph, [d for d, _described in chosen], params["include_decisions"])
        names = principal_names(graph, ids_to_name([described for _d, described in chosen]))
    except ResolveError as exc:
        module.fail(f"roles: {exc}")
    except Exception as exc:
        module.fail_graph(with_permission_hint(exc, False), "Reading the access reviews")
    role_names = role_names_of(roles)
    reviews = [summarise(described, role_names, names, last.get(definition["id"]))
               for definition, described in chosen]
    have = {d.get("displayName") for d in definitions}
    missing = [n for n in params["names"] or [] if n not in have]
    module.exit(changed=False, reviews=reviews, missing=missing)


if __name__ == "__main__":
    main()
