# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shaping of PIM instances, requests and audit records, and the self-activation pre-checks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils import _activation as act
from ansible_collections.entra.pim.plugins.module_utils._schedule import ScheduleError

EXO = "29232cdf-9323-42fd-ade2-1d097af3e4de"
ROLES = {EXO: {"id": EXO, "templateId": EXO, "displayName": "Exchange Administrator"}}
USER, GROUP = "u-1", "g-1"
PRINCIPALS = {
    USER: {"@odata.type": "#microsoft.graph.user", "id": USER, "displayName": "Niaj",
           "userPrincipalName": "niaj@contoso.com"},
    GROUP: {"@odata.type": "#microsoft.graph.group", "id": GROUP, "displayName": "PIM-Exchange-Admins"},
}
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
DEFAULT_RULES = {"max_duration": "PT8H", "require_mfa": True, "require_justification": True, "require_ticket": False,
                 "authentication_context": {"enabled": False, "claim_value": None}, "require_approval": False}


def instance(principal=USER, kind="Assigned", start="2026-03-01T08:00:00Z", end="2026-03-01T10:00:00Z",
             member="Direct", iid="i-1", schedule="s-1"):
    return {"id": iid, "principalId": principal, "roleDefinitionId": EXO, "directoryScopeId": "/",
            "appScopeId": None, "startDateTime": start, "endDateTime": end, "memberType": member,
            "assignmentType": kind, "roleAssignmentScheduleId": schedule}


def test_active_instance_is_shaped_with_names():
    item = act.shape_instance(instance(kind="Activated"), act.ACTIVE, ROLES, PRINCIPALS)
    assert item["role"] == "Exchange Administrator"
    assert item["principal"] == "niaj@contoso.com"
    assert item["principal_type"] == "user"
    assert item["assignment_type"] == "activated"
    assert item["permanent"] is False
    assert item["outside_pim"] is False


def test_unknown_principal_keeps_its_id():
    item = act.shape_instance(instance(principal="gone"), act.ACTIVE, ROLES, PRINCIPALS)
    assert item["principal"] == "gone"
    assert item["principal_type"] is None


@pytest.mark.parametrize("inst, outside", [
    (instance(start=None, end=None, iid="x-1", schedule="x-1"), True),      # classic, no start
    (instance(end=None, iid="x-1", schedule="x-1"), True),                  # schedule is the classic id
    (instance(end=None), False),                                            # permanent PIM assignment
    (instance(kind="Activated", start=None, iid="x-1", schedule="x-1"), False),
])
def test_outside_pim(inst, outside):
    assert act.is_outside_pim(inst) is outside


def test_eligible_rows_are_never_outside_pim():
    item = act.shape_instance(instance(start=None), act.ELIGIBLE, ROLES, PRINCIPALS)
    assert item["outside_pim"] is False and item["assignment_type"] is None


def test_group_rows_name_their_group():
    rows = [act.shape_instance(instance(principal=GROUP), act.ELIGIBLE, ROLES, PRINCIPALS),
            act.shape_instance(instance(member="Group", iid="i-2"), act.ELIGIBLE, ROLES, PRINCIPALS),
            act.shape_instance(instance(kind="Activated", member="Group", iid="i-3"), act.ACTIVE, ROLES, PRINCIPALS)]
    act.attribute_groups(rows)
    assert rows[0]["via_group"] is None
    assert rows[1]["via_group"] == "PIM-Exchange-Admins"
    assert rows[2]["via_group"] == "PIM-Exchange-Admins"  # an activation comes through the group's eligibility


def test_select_filters_case_insensitively():
    rows = [act.shape_instance(instance(), act.ACTIVE, ROLES, PRINCIPALS)]
    assert act.select(rows, [EXO.upper()], None, "/") == rows
    assert act.select(rows, None, ["other"], None) == []
    assert act.select(rows, None, None, "/administrativeUnits/a") == []


def test_instance_filter_only_for_single_values():
    assert act.instance_filter([EXO], [USER], "/") == \
        f"roleDefinitionId eq '{EXO}' and principalId eq '{USER}' and directoryScopeId eq '/'"
    assert act.instance_filter([EXO, "x"], None, None) is None


def test_summary_counts():
    active = [act.shape_instance(instance(end=None, start=None, iid="c", schedule="c"), act.ACTIVE, ROLES, PRINCIPALS),
              act.shape_instance(instance(kind="Activated"), act.ACTIVE, ROLES, PRINCIPALS)]
    assert act.summarize([], active, None) == {"eligible": 0, "assigned": 1, "activated": 1, "permanent_active": 1,
                                               "outside_pim": 1, "pending_requests": None}


def test_request_and_audit_shapes():
    req = act.shape_request({"id": "r", "status": "PendingApproval", "principalId": USER, "roleDefinitionId": EXO,
                             "ticketInfo": {"ticketNumber": "T1"}, "approvalId": "a",
                             "scheduleInfo": {"expiration": {"duration": "PT1H"}}}, ROLES, PRINCIPALS)
    assert (req["role"], req["principal"], req["ticket_number"], req["duration"]) == \
        ("Exchange Administrator", "niaj@contoso.com", "T1", "PT1H")
    rec = act.shape_audit({
        "id": "1", "activityDisplayName": "Add member to role requested (PIM activation)", "result": "success",
        "resultReason": "", "initiatedBy": {"user": {"id": USER, "userPrincipalName": "niaj@contoso.com"}, "app": None},
        "targetResources": [{"id": EXO, "type": "Role", "displayName": "Exchange Administrator"},
                            {"id": USER, "type": "User", "userPrincipalName": "niaj@contoso.com"}],
        "additionalDetails": [{"key": "Justification", "value": "why"}, {"key": "RequestId", "value": "r"}]})
    assert rec["initiated_by"] == rec["principal"] == "niaj@contoso.com"
    assert (rec["role"], rec["justification"], rec["request_id"], rec["result_reason"]) == \
        ("Exchange Administrator", "why", "r", None)
    by_pim = act.shape_audit({"initiatedBy": {"user": None, "app": {"displayName": "MS-PIM", "appId": "x"}}})
    assert by_pim["initiated_by"] == "MS-PIM"


def test_audit_since_accepts_durations_and_datetimes():
    assert act.audit_since("P7D", NOW) == NOW - timedelta(days=7)
    assert act.audit_since("2026-02-01T00:00:00Z", NOW) == datetime(2026, 2, 1, tzinfo=timezone.utc)
    assert act.audit_filter(NOW) == "loggedByService eq 'PIM' and activityDateTime ge 2026-03-01T09:00:00Z"
    with pytest.raises(ScheduleError, match="audit_since"):
        act.audit_since("last week", NOW)


def test_signed_in_reads_the_token():
    assert act.signed_in({"oid": USER, "scp": "x", "amr": ["pwd", "mfa"]}) == \
        {"user_id": USER, "delegated": True, "mfa": True, "acrs": []}
    assert act.signed_in({"oid": "sp", "roles": ["x"]})["delegated"] is False
    assert act.signed_in({}) == {"user_id": None, "delegated": None, "mfa": None, "acrs": None}


def test_precheck_lists_every_problem():
    who = act.signed_in({"oid": USER, "scp": "x", "amr": ["pwd"]})
    rules = dict(DEFAULT_RULES, require_ticket=True, authentication_context={"enabled": True, "claim_value": "c1"})
    problems = " | ".join(act.precheck(rules, who, "", None, timedelta(hours=9)))
    for rule in ("MfaRule", "AuthenticationContextRule", "JustificationRule", "TicketingRule", "ExpirationRule"):
        assert rule in problems


def test_precheck_passes_and_does_not_guess_without_claims():
    who = act.signed_in({"oid": USER, "scp": "x", "amr": ["pwd", "mfa"]})
    assert act.precheck(DEFAULT_RULES, who, "incident 42", None, timedelta(hours=8)) == []
    assert act.precheck(DEFAULT_RULES, act.signed_in({}), "why", None, timedelta(hours=1)) == []


def test_pick_active_prefers_the_activation():
    rows = [instance(iid="a"), instance(kind="Activated", iid="b"), dict(instance(iid="c"), directoryScopeId="/x")]
    assert act.pick_active(rows, EXO.upper(), "/")["id"] == "b"
    assert act.pick_active(rows, EXO, "/y") is None


def test_enough_time_left():
    inst = instance(end="2026-03-01T09:20:00Z")
    assert act.has_enough_time(inst, NOW, timedelta(minutes=15))
    assert not act.has_enough_time(inst, NOW, timedelta(minutes=30))
    assert act.has_enough_time(instance(end=None), NOW, timedelta(days=365))
    assert act.describe_active(inst, NOW)["remaining"] == "PT20M"
    assert act.describe_active(inst, NOW + timedelta(hours=1))["remaining"] == "PT0S"


def test_activation_body_sends_iso_strings():
    body = act.activation_body("selfActivate", USER, EXO, "/", "why", timedelta(minutes=90), "T1", "SNOW", NOW)
    assert body["scheduleInfo"] == {"startDateTime": "2026-03-01T09:00:00Z",
                                    "expiration": {"type": "afterDuration", "duration": "PT1H30M"}}
    assert body["ticketInfo"] == {"ticketNumber": "T1", "ticketSystem": "SNOW"}
    assert act.activation_body("selfDeactivate", USER, EXO, "/") == {
        "action": "selfDeactivate", "principalId": USER, "roleDefinitionId": EXO, "directoryScopeId": "/"}


@pytest.mark.parametrize("status, expected", [("Provisioned", "granted"), ("Granted", "granted"),
                                              ("Denied", "refused"), ("PendingApproval", "pending"),
                                              ("SomethingNew", "pending")])
def test_outcome(status, expected):
    assert act.outcome(status) == expected


# ---- ActivationRun with a fake Graph side ----------------------------------------------------------

class FakePim:
    """What SelfActivation answers, in memory; records every write."""

    def __init__(self, active=(), eligible=(), requests=(), mfa=True, polls=()):
        self.active, self.eligible, self.requests = list(active), list(eligible), list(requests)
        self.mfa, self.polls, self.sent = mfa, list(polls), []
        self.graph = type("G", (), {"retries": 0})()
        self.resolver = type("R", (), {"all_roles": staticmethod(lambda: list(ROLES.values()))})()

    def who(self):
        return act.signed_in({"oid": USER, "scp": "x", "amr": ["pwd", "mfa"] if self.mfa else ["pwd"]})

    def role(self, ref):
        return ROLES[EXO]

    def scope(self, ref):
        return ref

    def mine(self, kind):
        return self.active if kind == act.ACTIVE else self.eligible

    def my_requests(self, role_id, scope):
        return self.requests

    def activation_rules(self, role_id):
        return dict(DEFAULT_RULES)

    def submit(self, body):
        self.sent.append(body)
        return {"id": "r-1", "status": "PendingApproval" if self.polls else "Provisioned", "approvalId": "a-1"}

    def request(self, rid):
        return {"id": rid, "status": self.polls.pop(0), "approvalId": "a-1"}


def run(pim, check_mode=False, **params):
    from ansible_collections.entra.pim.plugins.module_utils._activation_backend import ActivationRun
    base = {"role": "Exchange Administrator", "scope": "/", "justification": "why", "ticket_number": None,
            "ticket_system": None, "extend": False, "wait_for_approval": False, "wait_timeout": 60,
            "poll_interval": 1}
    base.update(params)
    return ActivationRun(pim, base, timedelta(hours=1), timedelta(minutes=15), check_mode,
                         sleep=lambda s: None, clock=lambda: NOW)


def test_run_is_quiet_when_active_with_time_left():
    pim = FakePim(active=[instance(kind="Activated", end="2026-03-01T10:00:00Z")])
    result = run(pim).ensure_active()
    assert result["changed"] is False and result["status"] == "Active" and pim.sent == []


def test_run_checks_mfa_before_sending():
    from ansible_collections.entra.pim.plugins.module_utils._activation_backend import RunFailed
    pim = FakePim(eligible=[instance()], mfa=False)
    with pytest.raises(RunFailed, match="MfaRule"):
        run(pim).ensure_active()
    assert pim.sent == []


def test_run_check_mode_sends_nothing():
    pim = FakePim(eligible=[instance()])
    result = run(pim, check_mode=True).ensure_active()
    assert result["changed"] and result["request"]["body"]["action"] == "selfActivate" and pim.sent == []


def test_run_waits_for_the_approval():
    pim = FakePim(eligible=[instance()], polls=["PendingApproval", "Provisioned"])
    result = run(pim, wait_for_approval=True).ensure_active()
    assert result["status"] == "Active" and result["request"]["status"] == "Provisioned" and len(pim.sent) == 1


def test_run_does_not_ask_twice_while_pending():
    pim = FakePim(eligible=[instance()], requests=[{"id": "r-0", "status": "PendingApproval",
                                                    "action": "selfActivate"}])
    result = run(pim).ensure_active()
    assert result["changed"] is False and result["status"] == "PendingApproval" and pim.sent == []


def test_run_deactivates_only_an_activation():
    standing = FakePim(active=[instance(end=None)])
    result = run(standing).ensure_inactive()
    assert result["changed"] is False and standing.sent == []
    activated = FakePim(active=[instance(kind="Activated")])
    result = run(activated).ensure_inactive()
    assert result["changed"] and activated.sent[0]["action"] == "selfDeactivate"


# -- sync status (CISA MS.AAD.7.3) ---------------------------------------------------------------------
def test_sync_filters_take_fifteen_ids_each_once():
    ids = [f"u-{n:02d}" for n in range(31)] + ["U-00", None, "o'brien"]
    filters = act.sync_filters(ids)
    assert len(filters) == 3
    assert filters[0].startswith("id in ('o''brien','u-00','u-01',") and filters[0].count(",") == 14
    assert filters[2] == "id in ('u-29','u-30')"
    assert act.sync_filters([]) == []


@pytest.mark.parametrize("user, synced", [
    ({"onPremisesSyncEnabled": True, "onPremisesImmutableId": "abc="}, True),
    ({"onPremisesSyncEnabled": None, "onPremisesImmutableId": "abc="}, True),  # sync stopped, still hybrid
    ({"onPremisesSyncEnabled": True, "onPremisesImmutableId": None}, True),
    ({"onPremisesSyncEnabled": None, "onPremisesImmutableId": None}, False),
    ({}, False),
])
def test_is_synced(user, synced):
    assert act.is_synced(user) is synced


def test_mark_synced_only_on_user_rows():
    rows = [act.shape_instance(instance(USER), act.ACTIVE, ROLES, PRINCIPALS),
            act.shape_instance(instance(GROUP, iid="i-2"), act.ACTIVE, ROLES, PRINCIPALS),
            act.shape_instance(instance("u-gone", iid="i-3"), act.ELIGIBLE, ROLES,
                               {"u-gone": {"@odata.type": "#microsoft.graph.user", "id": "u-gone"}})]
    act.mark_synced(rows, [{"id": USER.upper(), "onPremisesImmutableId": "x"}])
    assert rows[0]["synced"] is True
    assert "synced" not in rows[1]
    assert rows[2]["synced"] is None


class _FakeGraph:
    """Answers the $batch of user reads; records what was asked."""

    def __init__(self, synced_ids):
        self.synced, self.batches = set(synced_ids), []

    def batch(self, requests):
        from urllib.parse import unquote
        self.batches.append(requests)
        answers = []
        for req in requests:
            query = unquote(req["url"].split("?", 1)[1])
            ids = query.split("id in (", 1)[1].split(")", 1)[0].replace("'", "").split(",")
            assert "$select=id,onPremisesSyncEnabled,onPremisesImmutableId" in query
            answers.append({"status": 200, "headers": {}, "body": {"value": [
                {"id": i, "onPremisesSyncEnabled": True if i in self.synced else None,
                 "onPremisesImmutableId": "x" if i in self.synced else None} for i in ids]}})
        return answers


def test_users_sync_reads_in_bulk():
    from ansible_collections.entra.pim.plugins.module_utils._activation_backend import ActivityReader

    graph = _FakeGraph({"u-07"})
    users = ActivityReader(graph).users_sync([f"u-{n:02d}" for n in range(40)] * 2)
    assert len(graph.batches) == 1 and len(graph.batches[0]) == 3  # 40 users: one $batch of three reads
    assert [u["id"] for u in users if act.is_synced(u)] == ["u-07"] and len(users) == 40
    assert ActivityReader(_FakeGraph(())).users_sync([]) == []


# ---- messages that say what really happened, and what can fix it (issue 14.7) ---------------------

def test_mfa_advice_fits_the_sign_in():
    who = act.signed_in({"oid": USER, "scp": "x", "amr": ["pwd"]})
    ropc = " ".join(act.precheck(DEFAULT_RULES, who, "why", None, timedelta(hours=1), "username_password"))
    assert "MfaRule" in ropc and "username_password cannot do multifactor authentication" in ropc
    assert "azure_cli" in ropc and "access_token" in ropc
    cli = " ".join(act.precheck(DEFAULT_RULES, who, "why", None, timedelta(hours=1), "azure_cli"))
    assert "az login" in cli and "cannot do multifactor" not in cli


def test_run_tells_a_password_sign_in_what_can_do_mfa():
    from ansible_collections.entra.pim.plugins.module_utils._activation_backend import RunFailed
    pim = FakePim(eligible=[instance()], mfa=False)
    activation = run(pim)
    activation.sign_in = "username_password"
    with pytest.raises(RunFailed) as err:
        activation.ensure_active()
    assert "cannot do multifactor authentication" in str(err.value) and "azure_cli" in str(err.value)
    assert pim.sent == []


def eligibility_request(action="adminAssign", status="Provisioned", created="2026-01-01T00:00:00Z",
                        end="2026-02-01T00:00:00Z", duration=None):
    expiration = {"type": "afterDuration", "duration": duration} if duration else \
        {"type": "afterDateTime", "endDateTime": end}
    return {"id": "q-" + created, "action": action, "status": status, "principalId": USER, "roleDefinitionId": EXO,
            "directoryScopeId": "/", "createdDateTime": created,
            "scheduleInfo": {"startDateTime": created, "expiration": expiration}}


def test_expired_eligibility_is_found_in_the_requests():
    assert act.expired_eligibility([eligibility_request()], EXO, "/", NOW) == \
        datetime(2026, 2, 1, tzinfo=timezone.utc)
    by_duration = eligibility_request(duration="P30D")
    assert act.expired_eligibility([by_duration], EXO.upper(), "/", NOW) == datetime(2026, 1, 31, tzinfo=timezone.utc)
    # Not an expiry: still running, removed afterwards, denied, another scope.
    assert act.expired_eligibility([eligibility_request(end="2026-06-01T00:00:00Z")], EXO, "/", NOW) is None
    removed = eligibility_request(action="adminRemove", created="2026-01-15T00:00:00Z")
    assert act.expired_eligibility([eligibility_request(), removed], EXO, "/", NOW) is None
    assert act.expired_eligibility([eligibility_request(status="Denied")], EXO, "/", NOW) is None
    assert act.expired_eligibility([eligibility_request()], EXO, "/administrativeUnits/x", NOW) is None
    assert act.expired_eligibility([], EXO, "/", NOW) is None


class EligibilityHistory(FakePim):
    def __init__(self, history, **kwargs):
        super().__init__(**kwargs)
        self.history = history

    def my_eligibility_requests(self, role_id):
        if isinstance(self.history, Exception):
            raise self.history
        return self.history


def test_run_says_the_eligibility_expired_and_when():
    from ansible_collections.entra.pim.plugins.module_utils._activation_backend import RunFailed
    with pytest.raises(RunFailed) as err:
        run(EligibilityHistory([eligibility_request()])).ensure_active()
    text = str(err.value)
    assert "eligibility for Exchange Administrator at scope / expired at 2026-02-01T00:00:00Z" in text
    assert "renew" in text and "not eligible" not in text


def test_run_says_never_eligible_only_when_nothing_expired():
    from ansible_collections.entra.pim.plugins.module_utils._activation_backend import RunFailed
    from ansible_collections.entra.pim.plugins.module_utils._client import GraphCallError
    with pytest.raises(RunFailed) as err:
        run(EligibilityHistory([])).ensure_active()
    assert "is not eligible for Exchange Administrator" in str(err.value) and "expired at" not in str(err.value)
    # Requests unreadable (403): the same message, which names both possibilities, never a crash.
    denied = GraphCallError(403, "PermissionScopeNotGranted", "no")
    with pytest.raises(RunFailed, match="not eligible"):
        run(EligibilityHistory(denied)).ensure_active()


# ---- activation durations within what PIM allows (issue 17.7) --------------------------------------

@pytest.mark.parametrize("duration, fragment", [
    ("PT30S", "shorter than PT5M (5 minutes)"),
    ("PT0.4S", "not a whole number of seconds"),
    ("PT25H", "longer than P1D (1 day)"),
    ("P99999999999D", "longer than P36500D"),
    ("P1M", "years and months are not accepted"),
])
def test_activation_durations_are_refused_outside_pims_range(duration, fragment):
    with pytest.raises(ScheduleError) as err:
        act.activation_durations(duration, "PT15M")
    assert str(err.value).startswith("duration:") and fragment in str(err.value)


def test_activation_durations_accept_the_range_and_no_duration():
    assert act.activation_durations("PT5M", "PT15M") == (timedelta(minutes=5), timedelta(minutes=15))
    assert act.activation_durations("24h", "1h") == (timedelta(hours=24), timedelta(hours=1))
    assert act.activation_durations(None, "PT15M")[0] is None
    with pytest.raises(ScheduleError, match="^min_remaining:"):
        act.activation_durations(None, "P2D")


@pytest.mark.parametrize("value, fragment", [
    ("P99999999D", "longer than P36500D"),
    ("P1M", "years and months are not accepted"),
    ("9999-12-31T23:59:59-14:00", "outside the datetimes accepted"),
    ("2026-01-01T00:00:00", "no UTC offset"),
])
def test_audit_since_out_of_range_says_why(value, fragment):
    with pytest.raises(ScheduleError) as err:
        act.audit_since(value, NOW)
    assert str(err.value).startswith("audit_since:") and fragment in str(err.value)
