"""The emulator's ARM answers carry only properties azure-mgmt-authorization 4.0.0's models know (arm_shapes.py),
and the SDK reads back what the emulator sent (nothing lost in deserialization)."""

from __future__ import annotations

import copy

import pytest

models_2020 = pytest.importorskip("azure.mgmt.authorization.v2020_10_01.models")
models_2022 = pytest.importorskip("azure.mgmt.authorization.v2022_04_01.models")

from arm_shapes import unknown_keys  # noqa: E402
from test_arm_http import arm_get, scope  # noqa: E402

PIM = {"api-version": "2020-10-01"}


def _scopes(emu):
    sub = scope(emu)
    return [sub, f"{sub}/resourceGroups/rg-app",
            f"{sub}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-app",
            "/providers/Microsoft.Management/managementGroups/mg-landingzones"]


def test_policies_and_policy_assignments_match_the_sdk_models(emu):
    emu.admin("POST", "reset")
    for s in _scopes(emu):
        path = f"{s}/providers/Microsoft.Authorization/roleManagementPolicies"
        for item in arm_get(emu, path, **PIM).json()["value"]:
            assert unknown_keys(models_2020, models_2020.RoleManagementPolicy, item) == []
            back = models_2020.RoleManagementPolicy.deserialize(copy.deepcopy(item))  # it pops ruleType
            assert back.serialize(keep_readonly=True)["properties"]["rules"] == _no_nulls(item["properties"]["rules"])
        for item in arm_get(emu, f"{s}/providers/Microsoft.Authorization/roleManagementPolicyAssignments",
                            **PIM).json()["value"]:
            assert unknown_keys(models_2020, models_2020.RoleManagementPolicyAssignment, item) == []


def _no_nulls(value):
    """What the SDK serializes back: None values left out."""
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


def test_role_definitions_match_the_sdk_model(emu):
    for item in arm_get(emu, f"{scope(emu)}/providers/Microsoft.Authorization/roleDefinitions",
                        **{"api-version": "2022-04-01"}).json()["value"]:
        assert unknown_keys(models_2022, models_2022.RoleDefinition, item) == []


def test_the_checker_finds_an_unknown_key():
    bad = {"properties": {"scope": "/", "rules": [{"id": "x", "ruleType": "RoleManagementPolicyExpirationRule",
                                                   "maximumDuration": "PT1H", "bogus": 1}], "extra": True}}
    assert sorted(unknown_keys(models_2020, models_2020.RoleManagementPolicy, bad)) == [
        "properties.extra", "properties.rules[0].bogus"]
