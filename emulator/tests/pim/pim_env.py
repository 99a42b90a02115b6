"""The PIM engine tests' small tenant, clock and call helper (imported by conftest.py and the tests).

Not named conftest: emulator/tests has its own conftest, and two modules named conftest collide
when both suites run in one pytest session.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Runnable from the repository root as well as from emulator/.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pim_emulator.contract import Caller, Clock, GraphError, GraphRequest, Tenant
from pim_emulator.graph import GRAPH
from pim_emulator.pim.engine import PimEngine
from pim_emulator.pim.seeding import seed_tenant

TENANT = "11111111-2222-3333-4444-555555555555"
GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
EXCH = "29232cdf-9323-42fd-ade2-1d097af3e4de"
ATTR = "8424c6f0-a189-499e-bbd0-26c1753c96d4"
ALICE = "071cc716-8147-4397-a5ba-b2105951cc0b"  # from the doc sample instance id
BOB = "2b5ed229-4072-478d-9504-a047ebd4b07d"
CAROL = "3c6fe340-5183-489e-8615-b158fce5c18e"
BREAKGLASS = "4d7ff451-6294-49af-9726-c269ade6d29f"
GROUP = "5e8ff562-7305-4ab0-a837-d37abef7e3a0"
PLAINGROUP = "6f9ff673-8416-4bc1-b948-e48bcf08f4b1"
SP = "7a0ff784-9527-4cd2-8a59-f59cd019a5c2"
AU = "8b1ff895-a638-4de3-9b6a-a6ade12ab6d3"
ADMIN_APP = "9c2ff9a6-b749-4ef4-8c7b-b7bef23bc7e4"
RW = frozenset({"RoleManagement.ReadWrite.Directory", "AuditLog.Read.All"})
RO = frozenset({"RoleManagement.Read.Directory"})


def make_tenant() -> Tenant:
    t = Tenant(TENANT, "contoso")
    roles = {GA: "Global Administrator", PRA: "Privileged Role Administrator", EXCH: "Exchange Administrator",
             ATTR: "Attribute Definition Administrator"}
    t.data["roleDefinitions"] = {rid: {"id": rid, "templateId": rid, "displayName": n, "isBuiltIn": True}
                                 for rid, n in roles.items()}
    t.data["users"] = {uid: {"id": uid, "displayName": n, "userPrincipalName": f"{n.lower()}@contoso.test"}
                       for uid, n in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol"), (BREAKGLASS, "Breakglass"))}
    t.data["groups"] = {
        GROUP: {"id": GROUP, "displayName": "PIM Admins", "isAssignableToRole": True, "_members": [BOB, CAROL]},
        PLAINGROUP: {"id": PLAINGROUP, "displayName": "Plain", "isAssignableToRole": False, "_members": [ALICE]},
    }
    t.data["servicePrincipals"] = {SP: {"id": SP, "appId": ADMIN_APP, "displayName": "pim-admin"}}
    t.data["administrativeUnits"] = {AU: {"id": AU, "displayName": "Europe"}}
    return t


class Env:
    def __init__(self, assignments=None, **options):
        self.tenant = make_tenant()
        self.clock = Clock()
        seed_tenant(self.tenant, self.clock, assignments if assignments is not None else [
            {"kind": "active", "principalId": BREAKGLASS, "roleDefinitionId": GA, "directoryScopeId": "/",
             "permanent": True, "duration": None, "outsidePim": True},
        ])
        self.engine = PimEngine(self.tenant, self.clock, options)

    def app(self, perms=RW) -> Caller:
        return Caller(TENANT, ADMIN_APP, frozenset(perms))

    def user(self, uid, perms=RW, mfa=True, acrs=()) -> Caller:
        return Caller(TENANT, "aaaaaaaa-0000-0000-0000-000000000001", frozenset(perms), user_id=uid,
                      amr=("pwd", "mfa") if mfa else ("pwd",), acrs=tuple(acrs))

    def call(self, method, path, body=None, caller=None, version="v1.0", **query):
        req = GraphRequest(method, path, {k: v for k, v in query.items()}, body, caller or self.app(),
                           "https://127.0.0.1:1/" + version, version=version)
        return GRAPH.dispatch(self.engine, req)  # the route table the HTTP layer uses, without a socket

    def get(self, path, caller=None, **query):
        return self.call("GET", path, None, caller, **{("$" + k if not k.startswith("$") else k): v
                                                         for k, v in query.items()})

    def error(self, method, path, body=None, caller=None, version="v1.0", **query) -> GraphError:
        with pytest.raises(GraphError) as ei:
            self.call(method, path, body, caller, version, **query)
        return ei.value
