#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pim_compliance_scan
short_description: Scan one tenant's PIM against CISA SCuBA, CIS and the entra.pim baseline, in one task
version_added: 0.4.0
description:
  - Reads everything a compliance scan needs from one tenant and returns the tenant's compliance report, the same
    report the P(entra.pim.pim_compliance_evaluate#filter) filter builds. The P(entra.pim.compliance#role) role
    runs it once per tenant.
  - From Microsoft Graph it reads every directory role's PIM settings, every eligible and active assignment (the
    rows of the highly privileged roles are evaluated), the sync status of the users holding them, the PIM for
    Groups membership of the groups holding them (O(group_memberships)) and the access reviews
    (O(access_reviews)), as M(entra.pim.pim_activation_info) reads them with
    O(entra.pim.pim_activation_info#module:role_settings).
  - From Azure Resource Manager (O(azure)) it finds the subscriptions and management groups the identity can see,
    then reads the PIM settings and the eligible and active assignments of O(azure_roles) at every chosen
    subscription, as M(entra.pim.pim_azure_scope_info), M(entra.pim.pim_azure_role_setting_info) and
    M(entra.pim.pim_azure_activation_info) do.
  - All of it runs in one module process, with one Graph and one Resource Manager session, and the evaluation runs
    on the controller's worker for the host (an action plugin). Only the report comes back through Ansible's result
    pipeline, not the raw settings and assignments, which a tenant with 123 roles makes about 200 KB.
  - Read-only. Works with an app holding only C(.Read.) permissions (see the permissions page of the collection)
    and Reader on the subscriptions.
author:
  - entra.pim contributors (@entra-pim)
extends_documentation_fragment:
  - entra.pim.auth
attributes:
  action:
    support: full
    description: An action plugin runs the module, then evaluates its result and returns the report.
  async:
    support: none
    description: Use the module's timeouts instead.
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  platform:
    support: full
    platforms: posix
    description: Runs where the task runs; the compliance role uses a local connection.
options:
  tenant_name:
    description:
      - The tenant's name in the report. Defaults to the inventory host name.
    type: str
  report_tenant_id:
    description:
      - The tenant's id in the report (and so the name of its report files).
      - Defaults to the tenant's GUID as its PIM policy ids carry it, which holds when the credentials name the
        tenant by a domain.
    type: str
  evaluation:
    description:
      - How the controls are evaluated, the options of the P(entra.pim.pim_compliance_evaluate#filter) filter.
      - V(ga_min) and V(ga_max) (the bounds of MS.AAD.7.1 and CIS 1.1.3), V(controls) (ids or their published
        aliases; empty for all), V(excluded_principals) (break-glass accounts, by object id or user principal name),
        V(highly_privileged_roles), V(baseline) and V(baseline_access_review) (what the BASELINE controls compare
        with).
      - The P(entra.pim.compliance#role) role builds it from its variables.
    type: dict
    default: {}
  highly_privileged_roles:
    description:
      - The directory roles whose assignments the controls evaluate, by display name or template id.
      - Empty for the default ten (the CISA and CIS highly privileged roles).
      - Assignments of other roles are read and counted in RV(report.summary) but not returned.
    type: list
    elements: str
    default: []
  group_memberships:
    description:
      - Read the PIM for Groups membership of every group holding one of the highly privileged roles, so that
        privilege through a group counts (MS.AAD.7.1 to 7.4).
    type: bool
    default: true
  access_reviews:
    description:
      - Read the access review definitions and their last instances (CIS 5.3.3).
      - Without C(AccessReview.Read.All) the control says it could not be checked.
    type: bool
    default: true
  azure:
    description:
      - The Azure part of the scan (Azure resource roles at the subscriptions the identity can see).
      - V(auto) scans when Resource Manager answers; when it cannot be read, the Azure controls say why they are not
        applicable. V(true) fails the task when it cannot be read. V(false) leaves the Azure controls out of the
        report.
      - A YAML boolean is taken as V(true) or V(false).
    type: str
    default: auto
  azure_subscriptions:
    description:
      - Only these subscriptions, by ARM id, subscription id or display name (any case). Empty for every
        subscription the identity can see.
    type: list
    elements: str
    default: []
  azure_roles:
    description:
      - The Azure roles whose settings and assignments are read, by display name, GUID or role definition id.
    type: list
    elements: str
    default: [Owner, User Access Administrator, Role Based Access Control Administrator]
  report_to:
    description:
      - Write this tenant's reports on the controller as M(entra.pim.pim_compliance_report) does, with these of its
        options (at least V(dest), the folder); the files are named after the tenant id.
      - V(dest), V(formats), V(mode), V(directory_mode), V(previous), V(html_template) and V(markdown_template) are
        taken; a null value stands for the option left out.
      - The reports are written in check mode too (they are local artefacts of the scan, not changes to a tenant),
        and before O(fail_on_noncompliant) fails the task.
    type: dict
  fail_on_noncompliant:
    description:
      - Fail the task when a control fails, naming the tenant and the failing controls.
      - The report is returned with the failure (RV(report)), so a registered result still holds it.
    type: bool
    default: false
  return_reads:
    description:
      - Return what was read as well, in RV(reads), for debugging or for a task of your own.
      - Off by default. The reads are about 200 KB for a tenant with 123 roles, and every host's result costs the
        controller time in proportion to its size.
    type: bool
    default: false
  arm_url:
    description:
      - Azure Resource Manager's base URL, for the Azure part. See the connection options for the default.
    type: str
    aliases: [resource_manager_url]
requirements:
  - azure-mgmt-authorization >= 4.0.0 (for the Azure part)
notes:
  - Each tenant costs one module process. The scan used to start four per tenant (one reader per module), and
    eleven tasks; see the collection's C(bench/RESULTS.md) for the figures.
seealso:
  - module: entra.pim.pim_compliance_report
  - module: entra.pim.pim_activation_info
  - module: entra.pim.pim_azure_activation_info
"""

EXAMPLES = r"""
- name: Scan one tenant's directory roles
  entra.pim.pim_compliance_scan:
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"
    evaluation:
      # Break-glass accounts: exempt where the standards allow it, counted elsewhere.
      excluded_principals: [breakglass1@contoso.onmicrosoft.com, breakglass2@contoso.onmicrosoft.com]
    azure: false
  register: scan

- name: Say what fails
  ansible.builtin.debug:
    msg: "{{ scan.report.tenant }} fails {{ scan.report.failed | join(', ') }}"

- name: Scan the directory roles and the Azure subscriptions, and write the tenant's reports on the controller
  entra.pim.pim_compliance_scan:
    evaluation:
      controls: [MS.AAD.7.4, MS.AAD.7.6, MCSB.PA-2]
    azure: auto
    report_to:
      dest: /tmp/pim-compliance
  register: scan
"""

RETURN = r"""
report:
  description:
    - The tenant's compliance report, as the P(entra.pim.pim_compliance_evaluate#filter) filter returns it.
    - Names in it come from the tenant and are plain data, never templates.
  returned: success, and when O(fail_on_noncompliant) fails the task
  type: dict
  contains:
    tenant_id:
      description: The tenant's id (read from its PIM policies when the credentials name a domain).
      type: str
    tenant:
      description: The tenant's name (O(tenant_name)).
      type: str
    generated:
      description: When the report was made, UTC.
      type: str
    compliant:
      description: No control fails.
      type: bool
    summary:
      description: How many controls pass, fail and are not applicable.
      type: dict
    failed:
      description: The ids of the failing controls.
      type: list
      elements: str
    controls:
      description: Every control with its status, summary and findings.
      type: list
      elements: dict
    azure:
      description: Per subscription, which Azure controls fail there.
      returned: when the Azure part was scanned
      type: dict
  sample:
    tenant_id: 8f0e6c33-5c5e-4d5a-9d51-2b7a1c3e4f60
    tenant: contoso
    generated: "2026-11-29T03:00:00Z"
    compliant: false
    summary: {pass: 20, fail: 6, not_applicable: 1}
    failed: [MS.AAD.7.6, CIS.5.3.4]
    controls: []
reads:
  description: What the module read, before evaluation.
  returned: when O(return_reads) is true
  type: dict
  contains:
    directory:
      description:
        - The directory roles' part, as M(entra.pim.pim_activation_info) returns it with
          O(entra.pim.pim_activation_info#module:role_settings), C(include_sync_status), C(group_memberships) and
          C(access_reviews), that is C(role_settings), C(eligible) and C(active) (of the highly privileged roles),
          C(summary), C(role_groups) and C(access_reviews).
      type: dict
    azure:
      description:
        - The Azure part (null with O(azure=false)). C(scanned) and C(reason) (why not), the C(subscriptions)
          scanned, the C(management_groups) seen, the C(policies) of O(azure_roles) as
          M(entra.pim.pim_azure_role_setting_info) returns them, the C(eligible) and C(active) rows as
          M(entra.pim.pim_azure_activation_info) returns them, and the C(errors) of reads that failed.
      type: dict
report_files:
  description: What O(report_to) wrote, as M(entra.pim.pim_compliance_report) returns it.
  returned: when O(report_to) is given
  type: dict
  contains:
    dest:
      description: The absolute path of the directory written into.
      type: str
    files:
      description: The report files, whether or not they changed.
      type: list
      elements: str
    changed:
      description: Whether a file was written.
      type: bool
    changes:
      description: What changed since the previous scan (tenant ids), when O(report_to) has C(previous).
      type: dict
graph_requests:
  description: Microsoft Graph requests made by the scan.
  returned: always
  type: dict
  contains:
    requests:
      description: HTTP requests sent (a C($batch) counts once).
      type: int
    writes:
      description: Write operations; always 0.
      type: int
    retries:
      description: Requests repeated after throttling or a transient error.
      type: int
arm_requests:
  description: Azure Resource Manager requests made by the scan (all zero when O(azure=false)).
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

from ansible_collections.entra.pim.plugins.module_utils._baseline import HIGHLY_PRIVILEGED  # noqa: E402
from ansible_collections.entra.pim.plugins.module_utils._compliance_scan import (  # noqa: E402
    AZURE_MODES,
    azure_mode,
    read_azure,
    read_directory,
)
from ansible_collections.entra.pim.plugins.module_utils._module import PimModule  # noqa: E402

DEFAULT_AZURE_ROLES = ["Owner", "User Access Administrator", "Role Based Access Control Administrator"]


def main():
    module = PimModule(dict(
        tenant_name=dict(type="str"),
        report_tenant_id=dict(type="str"),
        evaluation=dict(type="dict", default={}),
        highly_privileged_roles=dict(type="list", elements="str", default=[]),
        group_memberships=dict(type="bool", default=True),
        access_reviews=dict(type="bool", default=True),
        azure=dict(type="str", default="auto"),
        azure_subscriptions=dict(type="list", elements="str", default=[]),
        azure_roles=dict(type="list", elements="str", default=DEFAULT_AZURE_ROLES),
        return_reads=dict(type="bool", default=False),
        fail_on_noncompliant=dict(type="bool", default=False),
        report_to=dict(type="dict"),
    ), supports_check_mode=True)
    params = module.params
    mode = azure_mode(params["azure"])
    if mode is None:
        module.fail(f"azure must be one of {', '.join(AZURE_MODES)} (or a boolean), not {params['azure']!r}; "
                    "nothing was read")
    roles = [r for r in params["azure_roles"] if str(r).strip()]
    if mode != "false" and not roles:
        module.fail("azure_roles: give at least one Azure role (for example Owner), or set azure to false; "
                    "nothing was read")
    module.check_auth()
    row_roles = [r for r in params["highly_privileged_roles"] if str(r).strip()] or list(HIGHLY_PRIVILEGED)
    directory = read_directory(module, row_roles, params["group_memberships"], params["access_reviews"])
    azure = None
    if mode != "false":
        # Here, not at the top: a scan with the Azure part off never compiles or imports the Resource Manager client.
        from ansible_collections.entra.pim.plugins.module_utils._arm_client import (  # pylint: disable=import-outside-toplevel
            ARM_SDK_IMPORT_ERROR,
            HAS_ARM_SDK,
        )

        module.uses_arm = True  # arm_requests in the result, failed or not
        azure = read_azure(module, mode, params["azure_subscriptions"], roles, (HAS_ARM_SDK, ARM_SDK_IMPORT_ERROR))
    module.exit(changed=False, directory=directory, azure=azure)


if __name__ == "__main__":
    main()
