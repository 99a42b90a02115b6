# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pim_compliance_scan: the action evaluates the module's reads into the same report the role's filters made, and
returns the report only (issue 15); the module's pure helpers. The reads themselves go through the emulator in
tests/integration/targets/role_compliance and role_baseline."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest.mock import MagicMock

import pytest

from ansible_collections.entra.pim.plugins.action import pim_compliance_scan as plugin
from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate
from ansible_collections.entra.pim.plugins.filter.pim_compliance_azure import azure_scan
from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
from ansible_collections.entra.pim.plugins.module_utils._compliance_scan import (
    azure_mode,
    chosen_subscriptions,
    failure_text,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "filter"))
from filter_data import settings_data, tidy_data  # noqa: E402

TENANT = "0f4c3d2e-1111-4222-8333-944455556666"
SUBS = [{"id": "/subscriptions/aaaa", "subscription_id": "aaaa", "display_name": "Production"},
        {"id": "/subscriptions/bbbb", "subscription_id": "bbbb", "display_name": "Sandbox"}]


def directory(with_policy_ids=True):
    settings = settings_data()
    settings = [dict(entry, policy_id=f"Directory_{TENANT}_{n:04d}" if with_policy_ids else None)
                for n, entry in enumerate(settings)]
    rows = tidy_data()
    return {"role_settings": settings, "eligible": [r for r in rows if r["kind"] == "eligible"],
            "active": [r for r in rows if r["kind"] == "active"]}


@pytest.mark.parametrize("given, expected", [
    (None, "auto"), ("auto", "auto"), (" AUTO ", "auto"), (True, "true"), ("yes", "true"), ("On", "true"),
    (False, "false"), ("no", "false"), ("0", "false"), ("maybe", None), ("", None),
])
def test_azure_mode_reads_what_inventories_write(given, expected):
    assert azure_mode(given) == expected


def test_chosen_subscriptions_match_id_subscription_id_or_name_in_any_case():
    assert chosen_subscriptions(SUBS, []) == [{"id": "/subscriptions/aaaa", "name": "Production"},
                                              {"id": "/subscriptions/bbbb", "name": "Sandbox"}]
    assert [s["name"] for s in chosen_subscriptions(SUBS, ["sandbox"])] == ["Sandbox"]
    both = chosen_subscriptions(SUBS, ["AAAA", "/SUBSCRIPTIONS/BBBB"])
    assert [s["name"] for s in both] == ["Production", "Sandbox"]
    assert chosen_subscriptions(SUBS, ["Staging"]) == []
    # A subscription without a display name is named by its id.
    assert chosen_subscriptions([{"id": "/subscriptions/cccc"}], [" "]) == [{"id": "/subscriptions/cccc",
                                                                             "name": "/subscriptions/cccc"}]


def test_failure_text_is_the_modules_own_message():
    assert failure_text(ValueError("boom"), "Listing the Azure scopes") == "Listing the Azure scopes failed: boom"
    err = GraphCallError(403, "AuthorizationFailed", "The client has no authorization", "req-1")
    assert failure_text(err, "Listing the Azure scopes") == err.describe("Listing the Azure scopes")


def test_tenant_id_is_given_or_read_from_the_policy_ids():
    assert plugin.tenant_id_of(directory(), "contoso.onmicrosoft.com") == "contoso.onmicrosoft.com"
    assert plugin.tenant_id_of(directory(), None) == TENANT
    assert plugin.tenant_id_of(directory(with_policy_ids=False), None) is None


def test_report_is_what_the_evaluate_filter_makes_of_the_same_reads():
    options = {"excluded_principals": [], "controls": []}
    got = plugin.report_of({"directory": directory(), "azure": None}, "contoso", None, options)
    want = evaluate(directory()["role_settings"], dict(directory(), azure=None), {"id": TENANT, "name": "contoso"},
                    options)
    got.pop("generated"), want.pop("generated")
    assert got == want
    assert got["tenant_id"] == TENANT and not any(c["id"].startswith("AZURE.") for c in got["controls"])


def test_azure_part_is_what_the_azure_scan_filter_gathers():
    raw = {"scanned": True, "reason": None, "subscriptions": [{"id": "/subscriptions/aaaa", "name": "Production"}],
           "management_groups": [], "errors": [], "policies": [], "eligible": [], "active": []}
    assert plugin.azure_part(raw) == dict(azure_scan(raw["subscriptions"], settings={"policies": []},
                                                     activation={"eligible": [], "active": []}), scanned=True)
    assert plugin.azure_part(None) is None
    # Not scanned (auto, Resource Manager refused): the reason reaches every Azure control.
    off = plugin.azure_part(dict(raw, scanned=False, reason="Listing the Azure scopes failed: 403", subscriptions=[]))
    assert off["scanned"] is False and off["reason"] == "Listing the Azure scopes failed: 403"
    report = plugin.report_of({"directory": directory(), "azure": dict(raw, scanned=False, reason="no ARM",
                                                                       subscriptions=[])}, "contoso", None, {})
    azure_controls = [c for c in report["controls"] if c["id"].startswith(("AZURE.", "MCSB.", "CIS.AZ."))]
    assert azure_controls and {c["status"] for c in azure_controls} == {"not_applicable"}
    assert all("no ARM" in c["summary"] for c in azure_controls)


def _action(module_result, args=None):
    action = plugin.ActionModule(MagicMock(args=dict(args or {})), MagicMock(), MagicMock(), MagicMock(), None, None)
    action._task.args = dict(args or {})
    action._task.async_val = 0
    action._execute_module = MagicMock(return_value=module_result)
    return action


def test_run_returns_the_report_and_counts_not_the_reads():
    counts = {"requests": 4, "writes": 0, "retries": 0}
    action = _action({"directory": directory(), "azure": None, "graph_requests": counts,
                      "arm_requests": {"requests": 0, "writes": 0, "retries": 0}, "warnings": ["w"]},
                     {"tenant_name": "contoso", "azure": "false", "evaluation": {"controls": ["MS.AAD.7.4"]}})
    result = action.run(task_vars={"inventory_hostname": "host-1"})
    assert not result.get("failed"), result
    assert [c["id"] for c in result["report"]["controls"]] == ["MS.AAD.7.4"]
    assert result["report"]["tenant"] == "contoso" and result["graph_requests"] == counts
    assert result["warnings"] == ["w"] and "reads" not in result and "directory" not in result
    # Every task option reaches the module, which validates them all (and ignores the report's own).
    call = action._execute_module.call_args.kwargs
    assert call["module_name"] == "entra.pim.pim_compliance_scan"
    assert call["module_args"]["evaluation"] == {"controls": ["MS.AAD.7.4"]}


def test_run_returns_the_reads_when_asked_and_names_the_host_by_default():
    action = _action({"directory": directory(), "azure": None}, {"return_reads": True})
    result = action.run(task_vars={"inventory_hostname": "host-1"})
    assert result["report"]["tenant"] == "host-1"
    assert result["reads"]["directory"]["role_settings"] == directory()["role_settings"]


def test_run_passes_a_module_failure_on_without_evaluating():
    action = _action({"failed": True, "msg": "azure must be one of auto, true, false", "directory": None,
                      "graph_requests": {"requests": 0, "writes": 0, "retries": 0}}, {"azure": "maybe"})
    result = action.run(task_vars={"inventory_hostname": "host-1"})
    assert result["failed"] and result["msg"].startswith("azure must be")
    assert "report" not in result and "directory" not in result


def test_run_refuses_evaluation_options_that_are_not_a_dictionary_before_reading():
    action = _action({}, {"evaluation": "strict"})
    result = action.run(task_vars={})
    assert result["failed"] and "evaluation must be a dictionary" in result["msg"]
    action._execute_module.assert_not_called()


def test_run_refuses_an_unknown_control_before_reading():
    action = _action({}, {"evaluation": {"controls": ["MS.AAD.7.4", "MS.AAD.99"]}})
    result = action.run(task_vars={})
    assert result["failed"] and "MS.AAD.99" in result["msg"] and "valid ids are" in result["msg"]
    assert result["msg"].endswith("nothing was read")
    action._execute_module.assert_not_called()


def test_run_reports_an_evaluation_error_with_the_counts(monkeypatch):
    def broken(*_args):
        raise ValueError("ga_min must be a number")
    monkeypatch.setattr(plugin, "evaluate", broken)
    action = _action({"directory": directory(), "azure": None, "graph_requests": {"requests": 3}})
    result = action.run(task_vars={"inventory_hostname": "host-1"})
    assert result["failed"] and result["msg"].startswith("evaluating the controls failed: ")
    assert result["graph_requests"] == {"requests": 3}


def test_fail_on_noncompliant_fails_after_the_report_is_made_with_inert_names():
    action = _action({"directory": directory(), "azure": None},
                     {"tenant_name": "contoso\x1b[2J", "fail_on_noncompliant": True,
                      "evaluation": {"controls": ["MS.AAD.7.6"]}})
    result = action.run(task_vars={"inventory_hostname": "host-1"})
    assert result["failed"] and result["report"]["failed"] == ["MS.AAD.7.6"]
    assert result["msg"] == f"contoso\\x1b[2J ({TENANT}) fails MS.AAD.7.6"
    # Compliant, or the switch off: no failure.
    passing = _action({"directory": directory(), "azure": None},
                      {"fail_on_noncompliant": "yes", "evaluation": {"controls": ["MS.AAD.7.5"]}})
    assert not passing.run(task_vars={"inventory_hostname": "h"}).get("failed")
    off = _action({"directory": directory(), "azure": None}, {"evaluation": {"controls": ["MS.AAD.7.6"]}})
    assert not off.run(task_vars={"inventory_hostname": "h"}).get("failed")


def _writing_action(module_result, args):
    """An action whose report_to goes to the real pim_compliance_report action (as the plugin loader would give it)."""
    from ansible_collections.entra.pim.plugins.action import pim_compliance_report as writer

    action = _action(module_result, args)
    copies = []

    def copy():
        task = MagicMock(async_val=0, check_mode=True, diff=False)
        copies.append(task)
        return task
    action._task.copy = copy
    action._task.check_mode = True  # a check-mode scan
    loader = MagicMock()
    loader.action_loader.get.side_effect = lambda name, task, **kw: writer.ActionModule(
        task, MagicMock(), MagicMock(), MagicMock(), None, None)
    action._shared_loader_obj = loader
    return action, copies


def test_report_to_writes_the_tenants_reports_in_check_mode_before_failing(tmp_path):
    dest = tmp_path / "reports"
    action, copies = _writing_action({"directory": directory(), "azure": None},
                                     {"tenant_name": "contoso", "fail_on_noncompliant": True,
                                      "evaluation": {"controls": ["MS.AAD.7.6"]},
                                      "report_to": {"dest": str(dest), "previous": None, "html_template": None}})
    result = action.run(task_vars={"inventory_hostname": "h"})
    assert result["failed"] and "fails MS.AAD.7.6" in result["msg"]  # failed for the controls, after writing
    assert sorted(p.name for p in dest.iterdir()) == [f"{TENANT}.{ext}" for ext in ("html", "json", "md", "xml")]
    assert result["report_files"]["changed"] and len(result["report_files"]["files"]) == 4
    # The writer got this tenant's report under its id, no null options, and check mode off (local artefacts).
    assert copies[0].args["basename"] == TENANT and copies[0].args["gone_tenants"] is False
    assert "previous" not in copies[0].args and copies[0].check_mode is False
    assert '"MS.AAD.7.6"' in (dest / f"{TENANT}.json").read_text()


def test_report_to_failing_to_write_fails_the_scan_with_the_writers_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    action, _copies = _writing_action({"directory": directory(), "azure": None},
                                      {"report_to": {"dest": str(blocker / "reports")}})
    result = action.run(task_vars={"inventory_hostname": "h"})
    assert result["failed"] and result["msg"].startswith("report_to: ") and "is not a directory" in result["msg"]
    assert result["report"]["tenant_id"] == TENANT  # the report itself is kept


def test_report_to_must_be_a_dictionary():
    action = _action({}, {"report_to": "/tmp/reports"})
    result = action.run(task_vars={})
    assert result["failed"] and "report_to must be a dictionary" in result["msg"]
    action._execute_module.assert_not_called()
