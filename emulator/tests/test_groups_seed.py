"""PIM for Groups in the seeds: the default seed's PIM-Exchange-Admins, seed documents' group_pim and owners,
the generator's PIM-managed groups (option for how many) and the apps' group permissions. The directory-role
part of every seed is what it was before groups existed."""

from __future__ import annotations

from pim_emulator.contract import Clock
from pim_emulator.emulator import Settings
from pim_emulator.pim import group_state
from pim_emulator.pim.engine import PimEngine
from pim_emulator.pim.surfaces import GROUP_POLICIES, GROUPS
from pim_emulator.seed import build_tenant, default_seed_document, generate_seed_document


def _users(tenant) -> dict[str, str]:
    return {u["userPrincipalName"].split("@")[0]: u["id"] for u in tenant.coll("users").values()}


def _group(tenant, name) -> str:
    return next(g["id"] for g in tenant.coll("groups").values() if g["displayName"] == name)


def test_default_seed_manages_pim_exchange_admins_only():
    doc = default_seed_document()
    for spec in doc["tenants"]:
        tenant = build_tenant(spec, Clock())
        users, exch = _users(tenant), _group(tenant, "PIM-Exchange-Admins")
        state = group_state.summary(PimEngine(tenant, Clock(), {}))
        assert list(state) == [exch]  # PIM-Approvers-Tier0 and Helpdesk-Operators are not managed
        entry = state[exch]
        assert entry["managed"] and len(tenant.coll(GROUP_POLICIES)) == 2
        active = {(a["principalId"], a["accessId"], a["outsidePim"], a["end"] is None) for a in entry["active"]}
        assert active == {(users["dave.exchange"], "member", True, True),
                          (users["niaj.sharepoint"], "member", False, False)}
        eligible = {(e["principalId"], e["accessId"]) for e in entry["eligible"]}
        assert eligible == {(users["olivia.teams"], "member"), (users["alice.admin"], "owner")}
        assert set(entry["members"]) == {users["dave.exchange"], users["niaj.sharepoint"]}
        assert all(e["scheduleId"].startswith(f"{exch}_") for e in entry["eligible"])


def test_default_seed_directory_roles_are_unchanged():
    """Counts the directory-role tests across the repository rely on (taken before groups were added)."""
    tenant = build_tenant(default_seed_document()["tenants"][0], Clock())
    assert len(tenant.coll("roleManagementPolicies")) == 126
    assert len(tenant.coll("roleEligibilitySchedules")) == 13
    assert len(tenant.coll("roleAssignmentSchedules")) + len(tenant.coll("roleAssignments")) == 13


def test_seed_documents_take_group_pim_and_owners():
    spec = {"name": "t1", "users": [{"name": "ann"}, {"name": "ben"}, {"name": "cid"}],
            "groups": [{"displayName": "G-Tier0", "isAssignableToRole": True, "members": ["ann"], "owners": ["cid"]},
                       {"displayName": "G-Other", "isAssignableToRole": False}],
            "apps": [], "assignments": [
                {"principal": "group:G-Tier0", "role": "Global Administrator", "kind": "active", "permanent": True}],
            "group_pim": [
                {"group": "G-Tier0", "principal": "ann", "access": "member", "kind": "active", "permanent": True,
                 "outsidePim": True},
                {"group": "G-Tier0", "principal": "ben", "access": "member", "kind": "eligible", "duration": "P30D"},
                {"group": "G-Other"},  # PIM-managed, no assignment
                {"group": "nope", "principal": "ann"}]}  # skipped with a warning
    tenant = build_tenant(spec, Clock())
    users, tier0 = _users(tenant), _group(tenant, "G-Tier0")
    assert tenant.coll("groups")[tier0]["_owners"] == [users["cid"]]
    state = group_state.summary(PimEngine(tenant, Clock(), {}))
    assert set(state) == {tier0, _group(tenant, "G-Other")}
    assert state[tier0]["owners"] == [users["cid"]] and state[tier0]["members"] == [users["ann"]]
    assert [(e["principalId"], e["end"] is not None) for e in state[tier0]["eligible"]] == [(users["ben"], True)]
    # ann holds Global Administrator through the group: a plain member of a group holding the role
    eng = PimEngine(tenant, Clock(), {})
    from pim_emulator.pim import schedules
    holders = {i["principalId"] for i in schedules.instances(eng, False) if i["memberType"] == "Group"}
    assert users["ann"] in holders


def test_generated_tenants_have_pim_managed_groups():
    base = generate_seed_document(1, 100, pim_groups=0)["tenants"][0]
    doc = generate_seed_document(1, 100)["tenants"][0]
    assert doc["assignments"] == base["assignments"]  # the role assignments stay what they were
    assert base["group_pim"] == [] and {e["group"] for e in doc["group_pim"]} == {g["displayName"]
                                                                                 for g in doc["groups"]}
    big = generate_seed_document(1, 100, pim_groups=50)["tenants"][0]
    assert len(big["groups"]) == 50 and big["assignments"] == base["assignments"]
    tenant = build_tenant(big, Clock())
    state = group_state.summary(PimEngine(tenant, Clock(), {}))
    assert len(state) == 50 and all(e["managed"] and e["eligible"] and e["active"] for e in state.values())
    # members made active through PIM are still members: the effective membership is the seed's
    for g in big["groups"]:
        gid = _group(tenant, g["displayName"])
        assert len(state[gid]["members"]) == len(g["members"])
    assert tenant.coll(GROUPS.assign)


def test_settings_pass_the_number_of_pim_groups():
    from pim_emulator.seed import build_seed

    (tenant,) = build_seed(Settings(tenants=1, principals=40, pim_groups=7), Clock())
    assert len(group_state.summary(PimEngine(tenant, Clock(), {}))) == 7


def test_apps_hold_the_group_permissions():
    spec = default_seed_document()["tenants"][0]
    apps = {a["name"]: a for a in spec["apps"]}
    assert "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup" in apps["pim-admin"]["permissions"]
    assert "RoleManagementPolicy.ReadWrite.AzureADGroup" in apps["pim-admin"]["permissions"]
    assert "PrivilegedAssignmentSchedule.Read.AzureADGroup" in apps["pim-reader"]["permissions"]
    assert not [p for p in apps["pim-reader"]["permissions"] if "ReadWrite" in p]
