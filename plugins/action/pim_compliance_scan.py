# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scan one tenant: run the ``pim_compliance_scan`` module (every read, one process), evaluate, return the report.

Why an action plugin: what the module reads (every role's settings, the assignments, the Azure part) is about
200 KB for a tenant with 123 roles. Returned as a task result, Ansible's controller converts and stores all of it
per host, then a ``set_fact`` task evaluated it, and the controller converted the report again: at a thousand
tenants that was the controller's largest cost (issue 15, bench/ANALYSIS.md). Here the module's result stays
inside this host's worker process, the evaluation runs there (in parallel across forks, not in the controller's
one process), and only the report is returned. The documentation lives in
``plugins/modules/pim_compliance_scan.py``.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.entra.pim.plugins.filter.pim_compliance import _selected as selected_controls
from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate
from ansible_collections.entra.pim.plugins.filter.pim_compliance_azure import azure_scan
from ansible_collections.entra.pim.plugins.filter.pim_report import console_text

# What the module's result carries besides the raw reads; returned as they are.
_PASSED_ON = ("graph_requests", "arm_requests", "warnings", "deprecations")


def tenant_id_of(directory, given):
    """The tenant id the report carries: ``given`` (the role's ``entra_tenant_id``) when set, else the GUID in the
    tenant's PIM policy ids (``Directory_<tenant id>_<guid>``), which holds even when the credentials name the
    tenant by a domain; None when neither is known."""
    if given:
        return str(given)
    for entry in directory.get("role_settings") or []:
        parts = str(entry.get("policy_id") or "").split("_")
        if len(parts) > 2 and parts[1]:
            return parts[1]
    return None


def azure_part(raw):
    """The module's raw Azure reads -> the ``scan["azure"]`` the evaluation reads (None: the part is off)."""
    if raw is None:
        return None
    gathered = azure_scan(raw.get("subscriptions"), settings={"policies": raw.get("policies") or []},
                          activation={"eligible": raw.get("eligible") or [], "active": raw.get("active") or []},
                          reason=raw.get("reason"), management_groups=raw.get("management_groups"),
                          errors=raw.get("errors"))
    return dict(gathered, scanned=bool(raw.get("scanned")))


def report_of(module_result, tenant_name, given_tenant_id, options):
    """The module's reads -> the tenant's compliance report (``pim_compliance_evaluate``)."""
    directory = module_result.get("directory") or {}
    scan = dict(directory, azure=azure_part(module_result.get("azure")))
    tenant_id = tenant_id_of(directory, given_tenant_id) or tenant_name
    return evaluate(directory.get("role_settings") or [], scan, {"id": tenant_id, "name": tenant_name},
                    options or {})


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        # Options of the report only: the module accepts and ignores them (they are documented there).
        tenant_name = args.get("tenant_name") or task_vars.get("inventory_hostname")
        report_tenant_id = args.get("report_tenant_id")
        options = args.get("evaluation") or {}
        if args.get("report_to") is not None and not isinstance(args["report_to"], dict):
            return dict(result, failed=True, msg="report_to must be a dictionary of pim_compliance_report's options "
                                                 "(dest, previous, ...); nothing was read")
        if not isinstance(options, dict):
            return dict(result, failed=True, msg=f"evaluation must be a dictionary of the evaluation's options, not "
                                                 f"{type(options).__name__}; nothing was read")
        try:
            # An unknown control id fails before a tenant is read, naming the valid ids.
            selected_controls(options.get("controls"))
        except AnsibleError as exc:
            return dict(result, failed=True, msg=f"evaluation: {exc}; nothing was read")
        module_result = self._execute_module(module_name="entra.pim.pim_compliance_scan", module_args=args,
                                             task_vars=task_vars)
        if module_result.get("failed"):
            # The module's own failure (bad input, a refused read), with its request counts: nothing to evaluate.
            module_result.pop("directory", None)
            module_result.pop("azure", None)
            return dict(result, **module_result)
        try:
            report = report_of(module_result, tenant_name, report_tenant_id, options)
        except (AnsibleError, ValueError, TypeError) as exc:
            return dict(result, failed=True, msg=f"evaluating the controls failed: {exc}",
                        **{k: module_result[k] for k in _PASSED_ON if k in module_result})
        result.update({k: module_result[k] for k in _PASSED_ON if k in module_result})
        result.update(changed=False, report=report)
        if boolean(args.get("return_reads", False), strict=False):
            result["reads"] = {"directory": module_result.get("directory"), "azure": module_result.get("azure")}
        if args.get("report_to"):
            written = self._write_reports(report, args["report_to"], task_vars)
            if written.get("failed"):
                return dict(result, failed=True, msg=f"report_to: {written.get('msg')}", report=report)
            result["report_files"] = {k: written[k] for k in ("dest", "files", "changed", "changes") if k in written}
            result.update(warnings=result.get("warnings", []) + written.get("warnings", []))
        if boolean(args.get("fail_on_noncompliant", False), strict=False) and not report["compliant"]:
            # The report stays in the result: a registered variable keeps it for the all-tenants report.
            # Names pass through pim_console_text: a terminal or an AWX job log shows them, never acts on them.
            result.update(failed=True, msg=f"{console_text(report['tenant'])} ({console_text(report['tenant_id'])}) "
                                           f"fails {', '.join(report['failed'])}")
        return result

    def _write_reports(self, report, options, task_vars):
        """This tenant's reports, written by ``pim_compliance_report`` in this worker: what the role's per-tenant
        report task did, without a task (a worker process and a result) per tenant. Written in check mode too, as
        the role always wrote them: reports are local artefacts of a scan, not changes to a tenant."""
        task = self._task.copy()
        task.args = {**{k: v for k, v in options.items() if v is not None},
                     "reports": [report], "basename": report["tenant_id"], "gone_tenants": False}
        task.check_mode = False
        action = self._shared_loader_obj.action_loader.get(
            "entra.pim.pim_compliance_report", task=task, connection=self._connection, play_context=self._play_context,
            loader=self._loader, templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        try:
            return action.run(task_vars=task_vars)
        except AnsibleError as exc:
            return {"failed": True, "msg": str(exc)}
