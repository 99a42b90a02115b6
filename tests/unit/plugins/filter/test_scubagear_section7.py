# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Differential test: CISA's own section-7 cases decide our MS.AAD.7.x the way ScubaGear decides them.

``data/scubagear_section7_cases.json`` holds every case of ScubaGear's
``PowerShell/ScubaGear/Testing/Unit/Rego/AAD/AADConfig_07_test.rego`` (repository, path and commit in the
file): the input ScubaGear's Rego evaluated and the verdict (``RequirementMet``) it expects. Each case our data
model can express is translated into what ``pim_activation_info`` and ``pim_role_setting_info`` return and run
through ``pim_compliance_evaluate``; the control's status must be ScubaGear's verdict. The cases that cannot be
expressed say why in the data file (and docs/compliance.md); the test checks that list stays exactly those.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.entra.pim.plugins.filter.pim_compliance import evaluate

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "scubagear_section7_cases.json").read_text())
CASES = DATA["cases"]

# Built-in roles by the display name ScubaGear's input carries; our data names roles by template id (the same in
# every tenant). A name that is no built-in role (the "Cloud Administrator" of a 7.9 case) keeps the case's
# RoleTemplateId.
TEMPLATE_IDS = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Hybrid Identity Administrator": "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
    "Groups Administrator": "fdd7a751-b60b-444a-984c-02652fe8fa1c",
}
# ScubaGear's privileged_users are the holders of CISA's 8 highly privileged roles (baselines/aad.md).
CISA_EIGHT = [rid for name, rid in TEMPLATE_IDS.items() if name != "Groups Administrator"]
# Policy rule id (unifiedRoleManagementPolicyRule.id) -> where pim_role_setting_info reports it.
RULES = {
    "Approval_EndUser_Assignment": ("activation.require_approval", lambda p: (p.get("setting") or {}).get(
        "isApprovalRequired")),
    "Notification_Admin_Admin_Assignment": ("notifications.active_assignment.admin.recipients",
                                            lambda p: p.get("notificationRecipients")),
    "Notification_Admin_Admin_Eligibility": ("notifications.eligible_assignment.admin.recipients",
                                             lambda p: p.get("notificationRecipients")),
    "Notification_Admin_EndUser_Assignment": ("notifications.activation.admin.recipients",
                                              lambda p: p.get("notificationRecipients")),
    "Expiration_Admin_Assignment": ("active_assignment.allow_permanent",
                                    lambda p: not p.get("isExpirationRequired")),
}


def role_id(role):
    name = role.get("DisplayName")
    return TEMPLATE_IDS.get(name) or str(role.get("RoleTemplateId") or name).lower()


def put(tree, path, value):
    *parents, leaf = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def translate(case):
    """ScubaGear's input -> (settings, assignments, options) in pim_role_setting_info / pim_activation_info shape."""
    data = case["input"]
    settings, rows, hp = [], [], []
    for key, user in (data.get("privileged_users") or {}).items():
        # ScubaGear keys users by object id; the display names of two cases repeat, the keys never do.
        for name in user["roles"]:
            rows.append({"kind": "eligible", "role": name, "role_id": TEMPLATE_IDS[name], "principal_id": key,
                         "principal": user["DisplayName"], "principal_type": "user", "member_type": "direct",
                         "permanent": False, "end": "2099-01-01T00:00:00Z",
                         "synced": (user["OnPremisesImmutableId"] is not None) if "OnPremisesImmutableId" in user
                         else None})
        hp = CISA_EIGHT
    for number, role in enumerate(data.get("privileged_roles") or []):
        rid = role_id(role)
        hp.append(rid)
        for index, item in enumerate(role.get("Assignments") or []):
            # Get-PrivilegedRole lists active assignment schedule instances: no end is a permanent assignment,
            # no start one made outside PIM (ScubaGear reads a missing key as "not null").
            rows.append({"kind": "active", "assignment_type": "assigned", "role": role["DisplayName"], "role_id": rid,
                         "principal_id": item.get("PrincipalId") or f"principal-{number}-{index}",
                         "principal": item.get("PrincipalId") or f"principal-{number}-{index}",
                         "principal_type": "user", "member_type": "direct",
                         "permanent": item.get("EndDateTime", "set") is None, "end": item.get("EndDateTime"),
                         "outside_pim": "StartDateTime" in item and item["StartDateTime"] is None})
        if role.get("Rules"):
            values = {}
            for rule in role["Rules"]:
                path, read = RULES[rule["Id"]]
                put(values, path, read(rule.get("AdditionalProperties") or {}))
            settings.append({"role": role["DisplayName"], "id": rid, "template_id": rid, "settings": values})
    exclusions = ((data.get("scuba_config") or {}).get("Aad") or {}).get("MS.AAD.7.4v1", {}).get("RoleExclusions", {})
    excluded = list(exclusions.get("Users") or []) + list(exclusions.get("Groups") or [])
    return settings, rows, {"highly_privileged_roles": hp, "excluded_principals": excluded}


def ours(policy):
    """MS.AAD.7.4v1 -> MS.AAD.7.4 (the report keeps the baseline's id without its version)."""
    return policy.rsplit("v", 1)[0]


@pytest.mark.parametrize("case", [c for c in CASES if c["expressible"]], ids=lambda c: c["name"])
def test_same_verdict_as_scubagear(case):
    settings, rows, options = translate(case)
    report = evaluate(settings, rows, {"id": "t"}, dict(options, controls=[case["policy"]]))
    (control,) = report["controls"]
    assert control["id"] == ours(case["policy"])
    expected = "pass" if case["requirement_met"] else "fail"
    assert control["status"] == expected, (control["summary"], control["findings"])


def test_every_case_of_the_file_is_replayed_or_explained():
    """Each ScubaGear case is here once, each section-7 policy has cases, and only the explained ones are skipped."""
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)) == 43
    assert {c["policy"] for c in CASES} == {f"MS.AAD.7.{n}v1" for n in range(1, 10)}
    skipped = {c["name"]: c["why_not"] for c in CASES if not c["expressible"]}
    assert set(skipped) == {"test_AdditionalProperties_LicenseMissing_V1", "test_DisplayName_Correct"}
    assert all(len(why) > 80 for why in skipped.values())
    assert DATA["source"]["commit"] == "64f4742b2d1965118e103cb1ec38cc628f3bcf0b"


def test_unexpressible_cases_really_differ():
    """The reason given holds: our evaluator does not (and cannot) give ScubaGear's verdict on these inputs."""
    for case in (c for c in CASES if not c["expressible"]):
        settings, rows, options = translate(case)
        report = evaluate(settings, rows, {}, dict(options, controls=[case["policy"]]))
        verdict = report["controls"][0]["status"]
        if case["name"] == "test_DisplayName_Correct":
            assert verdict == "not_applicable"
        else:  # no licence in our data: the permanent assignment is exempt, so our 7.4 passes where CISA fails
            assert verdict == "pass" and not case["requirement_met"]
