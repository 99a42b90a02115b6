# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PIM for Groups membership of the groups holding roles, read in bulk (issue 12).

The wire is the small Graph of test_scan_batching, taught the group lists' required ``$filter=groupId eq``:
everything above ``_send_once`` is the real code, so the request counts are the ones the emulator sees.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from test_scan_batching import GRAPH, OBJECTS, Wire

from ansible_collections.entra.pim.plugins.module_utils._group_membership import (
    GroupMembershipReader, groups_holding_roles, known_principals, membership_rows,
)

PIM = "/identityGovernance/privilegedAccess/group"
IAN, OLGA, ALICE = "b0000000-0000-0000-0000-000000000001", "b0000000-0000-0000-0000-000000000002", \
    "a0000000-0000-0000-0000-000000000002"
USERS = {
    IAN: {"@odata.type": "#microsoft.graph.user", "id": IAN, "displayName": "Ian", "userPrincipalName": "ian@x"},
    OLGA: {"@odata.type": "#microsoft.graph.user", "id": OLGA, "displayName": "Olga", "userPrincipalName": "olga@x",
           "onPremisesImmutableId": "abc"},
}


def gid(n):
    return f"c0000000-0000-0000-0000-{n:012d}"


def inst(group, principal, access="member", end=None, start="2026-01-01T00:00:00Z", schedule="s1", **extra):
    return {"id": f"{group}-{principal}-{access}", "groupId": group, "principalId": principal, "accessId": access,
            "memberType": "direct", "startDateTime": start, "endDateTime": end,
            "assignmentScheduleId": schedule, "eligibilityScheduleId": schedule, **extra}


class GroupWire(Wire):
    """Serves the group lists per ``groupId`` (Graph refuses them without the filter) and /groups/{id}/members."""

    def __init__(self, eligible, active, members, **kw):
        super().__init__({}, **kw)
        self.eligible, self.active, self.members = eligible, active, members
        self.items = []
        OBJECTS.update(USERS)

    def answer(self, iid, method, url, body):
        parts = urlsplit(url)
        path = unquote(parts.path)[len(urlsplit(GRAPH).path):]
        self.items.append(path)
        lists = {f"{PIM}/eligibilityScheduleInstances": self.eligible,
                 f"{PIM}/assignmentScheduleInstances": self.active}
        if path in lists and path not in self.refuse:
            flt = parse_qs(parts.query).get("$filter", [""])[0]
            if not flt.startswith("groupId eq '"):
                return {"id": iid, "status": 400, "body": {"error": {"code": "BadRequest", "message": "filter"}}}
            group = flt.split("'")[1]
            self.collections[path] = [i for i in lists[path] if i["groupId"] == group]
        elif path.startswith("/groups/") and path.endswith("/members") and path not in self.refuse:
            self.collections[path] = [USERS[m] for m in self.members.get(path.split("/")[2], [])]
        return super().answer(iid, method, url, body)


@pytest.fixture(autouse=True)
def clean_objects():
    yield
    for key in USERS:
        OBJECTS.pop(key, None)


def test_fifty_groups_cost_batch_paging_not_requests_per_group():
    groups = {gid(n): f"PIM-Group-{n:03d}" for n in range(50)}
    eligible = [inst(g, OLGA, end="2027-01-01T00:00:00Z") for g in groups]
    active = [inst(g, IAN) for g in groups]
    wire = GroupWire(eligible, active, {g: [IAN] for g in groups}, page_size=100)
    out, warnings = GroupMembershipReader(wire).read(groups, {}, sync_status=True)
    assert warnings == []
    # 150 reads (two instance lists and the members of each group) in ceil(150 / 20) = 8 $batch requests, then one
    # round naming the two principals (getByIds with their sync status): 9 requests for 50 groups.
    assert wire.request_count == 9 and wire.write_count == 0
    assert wire.items.count("/directoryObjects/getByIds") == 1
    assert len(out) == 50 and all(g["pim_read"] and g["members_read"] for g in out)
    rows = out[0]["memberships"]
    assert [(r["principal"], r["kind"], r["permanent"], r["synced"]) for r in rows] == [
        ("ian@x", "active", True, False), ("olga@x", "eligible", False, True)]
    assert rows[0]["outside_pim"] is False and rows[0]["assignment_type"] == "assigned"


def test_principals_the_role_read_named_are_not_asked_again():
    groups = {gid(1): "PIM-Tier0"}
    wire = GroupWire([], [inst(gid(1), IAN)], {gid(1): [IAN]}, page_size=100)
    known = {IAN: {"label": "ian@x", "type": "user", "synced": False}}
    out, _warnings = GroupMembershipReader(wire).read(groups, known, sync_status=True)
    assert wire.request_count == 1  # the group's three reads in one $batch; nothing left to name
    assert out[0]["memberships"][0]["principal"] == "ian@x"


def test_member_added_outside_pim_is_a_permanent_active_membership():
    groups = {gid(1): "PIM-Tier0"}
    wire = GroupWire([], [], {gid(1): [IAN]}, page_size=100)
    out, _warnings = GroupMembershipReader(wire).read(groups, {}, sync_status=False)
    (row,) = out[0]["memberships"]
    assert (row["principal"], row["kind"], row["permanent"], row["outside_pim"]) == ("ian@x", "active", True, True)


def test_refused_group_reads_warn_and_leave_permanence_unknown():
    groups = {gid(1): "PIM-Tier0"}
    wire = GroupWire([], [inst(gid(1), IAN)], {gid(1): [IAN]}, page_size=100,
                     refuse={f"{PIM}/eligibilityScheduleInstances", f"{PIM}/assignmentScheduleInstances"})
    out, warnings = GroupMembershipReader(wire).read(groups, {}, sync_status=False)
    assert len(warnings) == 1 and "PrivilegedEligibilitySchedule.Read.AzureADGroup" in warnings[0]
    assert out[0]["pim_read"] is False and out[0]["memberships"][0]["permanent"] is None


def test_no_groups_no_requests():
    wire = GroupWire([], [], {})
    assert GroupMembershipReader(wire).read({}, {}) == ([], [])
    assert wire.request_count == 0


def test_membership_rows_shapes_group_enums_and_activations():
    rows = membership_rows(
        [inst("g", OLGA, access="owner", end="2027-01-01T00:00:00Z")],
        [inst("g", IAN, assignmentType="activated", end="2026-06-01T10:00:00Z"),
         inst("g", OLGA, start=None, schedule=None)],
        None, {IAN: {"label": "ian@x", "type": "user", "synced": None}})
    by = {(r["principal"], r["access"], r["kind"]): r for r in rows}
    assert by[("ian@x", "member", "active")]["assignment_type"] == "activated"
    assert by[("ian@x", "member", "active")]["outside_pim"] is False
    assert by[(OLGA, "member", "active")]["outside_pim"] is True  # no name known: the id stands in
    assert by[(OLGA, "owner", "eligible")]["assignment_type"] is None


def test_groups_holding_roles_and_known_principals_from_rows():
    rows = [{"principal": "PIM-Tier0", "principal_id": "G1", "principal_type": "group", "member_type": "direct",
             "principal_display_name": "PIM-Tier0"},
            {"principal": "ian@x", "principal_id": IAN, "principal_type": "user", "member_type": "group"},
            {"principal": "PIM-Tier0", "principal_id": "g1", "principal_type": "group", "member_type": "direct"}]
    assert groups_holding_roles(rows) == {"g1": "PIM-Tier0"}
    assert known_principals(rows)[IAN] == {"label": "ian@x", "type": "user", "synced": None}
