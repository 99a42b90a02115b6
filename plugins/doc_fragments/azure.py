# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # What every Azure resource module (entra.pim.pim_azure_*) shares: Resource Manager through
    # azure-mgmt-authorization (plugins/module_utils/_arm_client.py) and the scope forms of _arm_scopes.py.
    # The connection options arm_url and subscription_id are in entra.pim.auth (every module accepts them).
    DOCUMENTATION = r"""
options:
  scope:
    description:
      - Where the role applies, as an ARM id or a friendly form.
      - An ARM id, V(/providers/Microsoft.Management/managementGroups/<id>), V(/subscriptions/<id>),
        V(/subscriptions/<id>/resourceGroups/<name>) or a resource id
        (V(/subscriptions/<id>/resourceGroups/<name>/providers/<namespace>/<type>/<name>)).
      - Friendly forms, a subscription's display name or id (V(Production)), a resource group in it
        (V(Production/rg-app)), a resource in that group by name (V(Production/rg-app/kv-app)), or a
        management group by display name or id (V(mg:Landing Zones), V(mg:mg-landingzones)).
      - Left out, the subscription of O(subscription_id) (or E(AZURE_SUBSCRIPTION_ID)).
      - Ids and names are compared case-insensitively; results carry Resource Manager's casing.
      - Every scope is checked to exist, among those the identity can see, before anything is written; an unknown
        one fails naming the input and the closest names.
    type: str
requirements:
  - azure-mgmt-authorization >= 4.0.0
notes:
  - Talks to Azure Resource Manager (C(Microsoft.Authorization) API 2020-10-01 for PIM, 2022-04-01 for role
    definitions) with the same credential options as the Graph modules; the token is requested for Resource
    Manager (C(https://management.azure.com/.default) in the public cloud).
  - Reports its Resource Manager request count in RV(ignore:arm_requests), next to RV(ignore:graph_requests) (Graph
    is only called to resolve principals given by name).
  - Roles are named by display name (V(Contributor)), role definition GUID or full role definition id; custom
    roles are found at the scopes they are assignable at. An unknown role fails with the closest names.
"""
