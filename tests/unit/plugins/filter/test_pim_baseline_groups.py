# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline's opt-in PIM for Groups tier (issue 12): which groups, which tier, which settings."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from filter_data import BASELINE, GA, PRA, settings_data

from ansible_collections.entra.pim.plugins.filter.pim_baseline import baseline_group_plan, baseline_plan

EXO = "29232cdf-9323-42fd-ade2-1d097af3e4de"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"  # an "other" role: not hardened


def holder(name, role_id, kind="eligible", ptype="group", member_type="direct"):
    return {"principal": name, "principal_id": f"ID-{name}", "principal_type": ptype, "role_id": role_id,
            "role_template_id": role_id, "kind": kind, "member_type": member_type}


@pytest.fixture
def tiers():
    return baseline_plan(settings_data(), BASELINE)


ROWS = [holder("PIM-Tier0", GA, "active"), holder("PIM-Tier0", EXO), holder("PIM-Exchange-Admins", EXO),
        holder("PIM-PRA", PRA), holder("Helpdesk-Operators", HELPDESK), holder("alice", GA, ptype="user"),
        holder("dan", GA, member_type="group", ptype="user")]


@pytest.mark.parametrize("off", [False, None, "", [], "false", "no"])
def test_off_by_default(tiers, off):
    assert baseline_group_plan(ROWS, tiers, off, BASELINE) == []


def test_every_group_holding_a_hardened_role_by_its_strictest_tier(tiers):
    plan = baseline_group_plan(ROWS, tiers, True, BASELINE)
    assert [(e["name"], e["groups"], e["access"]) for e in plan] == [
        ("tier0", ["id-pim-tier0", "id-pim-pra"], ["member"]), ("tier1", ["id-pim-exchange-admins"], ["member"])]
    tier0, tier1 = plan
    assert tier0["activation"]["require_approval"] is True
    assert tier0["activation"]["approvers"] == ["group:PIM-Approvers-Tier0"]
    assert tier0["activation"]["max_duration"] == "PT1H" and tier1["activation"]["max_duration"] == "PT4H"
    for entry in plan:
        assert entry["activation"]["require_mfa"] is True and entry["activation"]["require_justification"] is True
        assert entry["eligible_assignment"]["allow_permanent"] is False
        assert entry["active_assignment"]["allow_permanent"] is False
    assert "require_approval" not in tier1["activation"]
    assert tier0["notifications"]["activation"]["admin"]["recipients"] == ["soc@example.com"]
    assert tier1["notifications"]["activation"]["admin"]["recipients"] == ["pim-activations@example.com"]


def test_a_list_takes_those_groups_by_name_or_id(tiers):
    plan = baseline_group_plan(ROWS, tiers, ["pim-exchange-admins", "ID-PIM-PRA", "Not-Holding"], BASELINE)
    assert [(e["name"], e["groups"]) for e in plan] == [
        ("tier0", ["id-pim-pra"]), ("tier1", ["id-pim-exchange-admins", "Not-Holding"])]


def test_authentication_context_replaces_mfa(tiers):
    plan = baseline_group_plan(ROWS, tiers, True, dict(BASELINE, authentication_context="c1"))
    assert plan[0]["activation"]["authentication_context"] == {"enabled": True, "claim_value": "c1"}
    assert plan[0]["activation"]["require_mfa"] is False


def test_bad_selection_is_named():
    with pytest.raises(AnsibleFilterError, match="baseline_pim_groups"):
        baseline_group_plan(ROWS, [], {"PIM-Tier0": 1}, BASELINE)
