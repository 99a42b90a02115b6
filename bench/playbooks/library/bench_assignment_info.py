#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench stand-in for the assignment half of the compliance scan, until pim_activation_info lands.

It reads what a scan needs the way the collection's design says to: every eligible and every
active schedule instance of the tenant, in bulk and paged, through the collection's own Graph
session (so the same msgraph-sdk, azure-identity and retry path as the real modules).
"""

from __future__ import annotations

DOCUMENTATION = r"""
module: bench_assignment_info
short_description: Bench only - read every eligible and active PIM assignment of a tenant
description: Bench stand-in for entra.pim.pim_activation_info; not part of the collection.
options: {}
author: entra.pim contributors (@entra-pim)
"""

from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402

LISTS = {
    "eligible": "/roleManagement/directory/roleEligibilityScheduleInstances",
    "active": "/roleManagement/directory/roleAssignmentScheduleInstances",
}


def main():
    module = PimModule({}, supports_check_mode=True)
    graph = module.graph()
    out = {}
    try:
        for kind, path in LISTS.items():
            out[kind] = graph.get_all(path)
    except Exception as exc:
        module.fail_graph(exc, "Reading the PIM assignments")
    summary = {kind: {"count": len(items),
                      "permanent": sum(1 for i in items if not i.get("endDateTime"))} for kind, items in out.items()}
    module.exit(changed=False, summary=summary)


if __name__ == "__main__":
    main()
