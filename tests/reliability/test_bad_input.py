"""Bad input: a table of malformed inputs across the modules. Each must fail with a message that names
the input (the option or the offending value), and the emulator must count zero writes.

The whole table runs as one playbook (two inventory hosts on the same tenant, ``strategy: free``, so both
cores work), then each row is checked as its own test case.
"""

from __future__ import annotations

import pytest

import _harness as h

INJECT = "x' or startswith(displayName,'"
INJECT_UPN = "a@b' or startswith(userPrincipalName,'a"
LONG_NAME = "a" * 1500
D = "contoso.onmicrosoft.com"
RS, RSI, EA, AA = ("pim_role_setting", "pim_role_setting_info", "pim_eligible_assignment", "pim_active_assignment")
ONE = {"principal": f"niaj.sharepoint@{D}", "role": "Reports Reader"}

# (id, module, args, substrings the failure message must contain)
TABLE = [
    # -- durations and dates
    ("rs-activation-too-long", RS, {"roles": ["Exchange Administrator"], "activation": {"max_duration": "PT25H"}},
     ["max_duration"]),
    ("rs-duration-words", RS, {"roles": ["Exchange Administrator"], "activation": {"max_duration": "eight hours"}},
     ["eight hours"]),
    ("rs-duration-negative", RS, {"roles": ["Exchange Administrator"], "activation": {"max_duration": "-PT1H"}},
     ["-PT1H"]),
    ("rs-duration-zero", RS, {"roles": ["Exchange Administrator"], "activation": {"max_duration": "PT0S"}},
     ["max_duration"]),
    ("rs-duration-empty-iso", RS, {"roles": ["Exchange Administrator"], "activation": {"max_duration": "PT"}},
     ["max_duration"]),
    ("rs-eligible-duration-bad", RS, {"roles": ["Exchange Administrator"],
                                      "eligible_assignment": {"max_duration": "one year"}},
     ["eligible_assignment.max_duration"]),
    ("rs-active-duration-bad", RS, {"roles": ["Exchange Administrator"],
                                    "active_assignment": {"max_duration": "forever"}},
     ["active_assignment.max_duration"]),
    ("ea-end-and-duration", EA, {**ONE, "end": "2030-01-01T00:00:00Z", "duration": "P30D"}, ["duration", "end"]),
    ("ea-end-invalid-date", EA, {**ONE, "end": "2030-13-45"}, ["2030-13-45"]),
    ("ea-end-no-offset", EA, {**ONE, "end": "2030-01-01T10:00:00"}, ["end", "offset"]),
    ("ea-end-words", EA, {**ONE, "end": "next tuesday"}, ["next tuesday"]),
    ("ea-duration-negative", EA, {**ONE, "duration": "P-5D"}, ["P-5D"]),
    ("ea-duration-words", EA, {**ONE, "duration": "ninety days"}, ["ninety days"]),
    ("ea-start-after-end", EA, {**ONE, "start": "2031-01-01T00:00:00Z", "end": "2030-01-01T00:00:00Z"}, ["end"]),
    ("ea-end-in-past", EA, {**ONE, "end": "2001-01-01T00:00:00Z"}, ["end"]),
    ("ea-permanent-and-end", EA, {**ONE, "permanent": True, "end": "2030-01-01T00:00:00Z"}, ["permanent"]),
    ("aa-start-feb-30", AA, {**ONE, "start": "2030-02-30T00:00:00Z", "duration": "P10D"}, ["2030-02-30"]),
    ("aa-duration-empty", AA, {**ONE, "duration": "P"}, ["duration"]),
    ("aa-end-words", AA, {**ONE, "end": "tomorrow"}, ["tomorrow"]),
    # -- unknown roles, principals, approvers, scopes
    ("rs-unknown-role", RS, {"roles": ["Exchange Administrater"], "activation": {"max_duration": "PT2H"}},
     ["Exchange Administrater"]),
    ("rs-role-unknown-guid", RS, {"roles": ["00000000-0000-0000-0000-000000000000"],
                                  "activation": {"max_duration": "PT2H"}}, ["00000000-0000-0000-0000-000000000000"]),
    ("rs-unknown-approver", RS, {"roles": ["Exchange Administrator"], "activation": {
        "require_approval": True, "approvers": [f"nobody@{D}"]}}, [f"nobody@{D}"]),
    ("rs-unknown-approver-group", RS, {"roles": ["Exchange Administrator"], "activation": {
        "require_approval": True, "approvers": ["group:No-Such-Approvers"]}}, ["No-Such-Approvers"]),
    ("rs-sp-approver", RS, {"roles": ["Exchange Administrator"], "activation": {
        "require_approval": True, "approvers": ["sp:ops-automation"]}}, ["ops-automation"]),
    ("rsi-unknown-role", RSI, {"roles": ["Nope Administrator"]}, ["Nope Administrator"]),
    ("ea-unknown-upn", EA, {"principal": f"ghost@{D}", "role": "Reports Reader"}, [f"ghost@{D}"]),
    ("ea-unknown-guid", EA, {"principal": "11111111-2222-3333-4444-555555555555", "role": "Reports Reader"},
     ["11111111-2222-3333-4444-555555555555"]),
    ("ea-non-uuid-id", EA, {"principal": "12345678-zzzz-3333-4444-555555555555", "role": "Reports Reader"},
     ["12345678-zzzz-3333-4444-555555555555"]),
    ("ea-unknown-role", EA, {"principal": f"niaj.sharepoint@{D}", "role": "Global Admin"}, ["Global Admin"]),
    ("ea-role-non-uuid", EA, {"principal": f"niaj.sharepoint@{D}", "role": "62e90394-69f5-4237-9190-01217714"},
     ["62e90394-69f5-4237-9190-01217714"]),
    ("ea-unknown-scope-au", EA, {**ONE, "scope": "AU-Nowhere", "duration": "P30D"}, ["AU-Nowhere"]),
    ("ea-scope-au-non-uuid", EA, {**ONE, "scope": "/administrativeUnits/not-a-guid", "duration": "P30D"},
     ["not-a-guid"]),
    ("ea-scope-unknown-app", EA, {**ONE, "scope": "/99999999-9999-9999-9999-999999999999", "duration": "P30D"},
     ["99999999-9999-9999-9999-999999999999"]),
    ("ea-sp-not-eligible", EA, {"principal": "sp:ops-automation", "role": "Reports Reader"}, ["ops-automation"]),
    ("ea-group-not-assignable", EA, {"principal": "group:All-Staff", "role": "Reports Reader"}, ["All-Staff"]),
    ("ea-unknown-exclusive-role", EA, {"assignments": [ONE], "exclusive": True, "exclusive_roles": ["Nope Role"]},
     ["Nope Role"]),
    ("ea-unknown-protected", EA, {"assignments": [ONE], "exclusive": True,
                                  "protected_principals": [f"ghost.protected@{D}"]}, ["ghost.protected"]),
    ("aa-unknown-group", AA, {"principal": "group:No-Such-Group", "role": "Reports Reader", "duration": "P5D"},
     ["No-Such-Group"]),
    ("aa-unknown-sp", AA, {"principal": "sp:no-such-app", "role": "Reports Reader", "duration": "P5D"},
     ["no-such-app"]),
    # -- names that look like OData: data, never syntax
    ("rs-role-odata", RS, {"roles": [INJECT], "activation": {"max_duration": "PT2H"}}, [INJECT]),
    ("rsi-role-odata", RSI, {"roles": [INJECT]}, [INJECT]),
    ("rs-approver-odata", RS, {"roles": ["Exchange Administrator"], "activation": {
        "require_approval": True, "approvers": [f"group:{INJECT}"]}}, [INJECT]),
    ("ea-principal-odata", EA, {"principal": INJECT, "role": "Reports Reader"}, [INJECT]),
    ("ea-upn-odata", EA, {"principal": INJECT_UPN, "role": "Reports Reader"}, [INJECT_UPN]),
    ("ea-scope-odata", EA, {**ONE, "scope": INJECT, "duration": "P30D"}, [INJECT]),
    ("aa-principal-odata-sp", AA, {"principal": "sp:" + INJECT, "role": "Reports Reader", "duration": "P5D"},
     [INJECT]),
    ("aa-principal-quote", AA, {"principal": "O'Brien", "role": "Reports Reader", "duration": "P5D"}, ["O'Brien"]),
    # -- conflicting options, empty lists and strings where a value is required
    ("rs-mfa-and-context", RS, {"roles": ["Exchange Administrator"], "activation": {
        "require_mfa": True, "authentication_context": {"enabled": True, "claim_value": "c1"}}}, ["require_mfa"]),
    ("rs-context-without-claim", RS, {"roles": ["Exchange Administrator"], "activation": {
        "require_mfa": False, "authentication_context": {"enabled": True}}}, ["claim_value"]),
    ("rs-approval-empty-approvers", RS, {"roles": ["Exchange Administrator"], "activation": {
        "require_approval": True, "approvers": []}}, ["approvers"]),
    ("rs-empty-roles", RS, {"roles": [], "activation": {"max_duration": "PT2H"}}, ["roles"]),
    ("rs-empty-role-name", RS, {"roles": [""], "activation": {"max_duration": "PT2H"}}, ["role"]),
    ("rs-not-an-email", RS, {"roles": ["Exchange Administrator"], "notifications": {"activation": {"admin": {
        "recipients": ["security-team"]}}}}, ["security-team"]),
    ("rs-unknown-suboption", RS, {"roles": ["Exchange Administrator"], "activation": {"max_hours": 2}},
     ["max_hours"]),
    ("rs-bad-bool", RS, {"roles": ["Exchange Administrator"], "activation": {"require_mfa": "maybe"}},
     ["require_mfa"]),
    ("ea-principal-and-assignments", EA, {**ONE, "assignments": [ONE]}, ["principal", "assignments"]),
    ("ea-principal-without-role", EA, {"principal": f"niaj.sharepoint@{D}"}, ["role"]),
    ("ea-exclusive-empty", EA, {"assignments": [], "exclusive": True}, ["exclusive_roles"]),
    ("ea-empty-principal", EA, {"principal": "", "role": "Reports Reader"}, ["principal"]),
    ("ea-item-missing-role", EA, {"assignments": [{"principal": f"niaj.sharepoint@{D}"}]}, ["role"]),
    ("ea-bad-state", EA, {**ONE, "state": "gone"}, ["state"]),
    ("ea-duplicate-item", EA, {"assignments": [{**ONE, "duration": "P5D"}, {**ONE, "duration": "P9D"}]},
     ["assignments[1]"]),
    # One good item and one whose scope does not exist: the good one must not be written either.
    ("ea-list-with-bad-scope", EA, {"assignments": [{"principal": f"olivia.teams@{D}", "role": "Reports Reader",
                                                     "duration": "P5D"},
                                                    {**ONE, "scope": "/administrativeUnits/not-a-guid",
                                                     "duration": "P5D"}]}, ["not-a-guid"]),
    ("aa-bad-bool-replace", AA, {**ONE, "duration": "P5D", "replace_permanent_with_eligible": "yes please"},
     ["replace_permanent_with_eligible"]),
    # -- over-long strings
    ("ea-long-principal", EA, {"principal": LONG_NAME + f"@{D}", "role": "Reports Reader"}, ["aaaaaaaaaa"]),
    ("rs-long-role", RS, {"roles": [LONG_NAME], "activation": {"max_duration": "PT2H"}}, ["aaaaaaaaaa"]),
    ("aa-long-scope", AA, {**ONE, "scope": LONG_NAME, "duration": "P5D"}, ["aaaaaaaaaa"]),
    # -- connection options
    ("rs-bad-auth-method", RS, {"roles": ["Exchange Administrator"], "auth_method": "kerberos"}, ["auth_method"]),
    ("rsi-bad-max-retries", RSI, {"max_retries": "many"}, ["max_retries"]),
    ("ea-bad-cloud", EA, {**ONE, "cloud": "moon"}, ["cloud"]),
]
# Modules still landing get the rows every entra.pim module must honour.
TABLE += [
    ("ai-bad-auth-method", "pim_activation_info", {"auth_method": "kerberos"}, ["auth_method"]),
    ("ai-unknown-role", "pim_activation_info", {"roles": ["Nope Administrator"]}, ["Nope Administrator"]),
    ("ai-principal-odata", "pim_activation_info", {"principals": [INJECT]}, [INJECT]),
    ("ai-audit-since-bad", "pim_activation_info", {"audit_since": "last week"}, ["last week"]),
    ("ra-bad-auth-method", "pim_role_activation", {"role": "Reports Reader", "auth_method": "kerberos"},
     ["auth_method"]),
    ("ra-unknown-option", "pim_role_activation", {"role": "Reports Reader", "no_such_option": 1},
     ["no_such_option"]),
    ("ra-bad-duration", "pim_role_activation", {"role": "Reports Reader", "duration": "soon"}, ["soon"]),
]

ROWS = [row for row in TABLE if h.have_module(row[1])]
HOSTS = ("w0", "w1")


def _var(i: int) -> str:
    return f"bad_{i}"


@pytest.fixture(scope="module")
def table_run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("bad-input")
    emu = h.Emu(wd / "emu")
    try:
        tasks = []
        for i, (rid, module, args, _expect) in enumerate(ROWS):
            tasks.append({"name": rid, f"entra.pim.{module}": args, "register": _var(i), "ignore_errors": True,
                          "when": f"inventory_hostname == '{HOSTS[i % len(HOSTS)]}'"})
        tasks.append(h.save_results_task([_var(i) for i in range(len(ROWS))]))
        play = h.write_play(wd, "bad_input", tasks, strategy="free")
        inv = {"all": {"hosts": {name: h.inventory(emu, [0])["all"]["hosts"]["contoso"] for name in HOSTS}}}
        before = emu.stats()
        run = h.run_playbook(wd, play, inv, args=["--forks", "2"])
        after = emu.stats()
        results = {}
        for host in HOSTS:
            for key, value in h.host_results(wd, play, host).items():
                if value and not value.get("skipped"):
                    results[key] = value
        yield {"run": run, "results": results, "writes": after["writes"] - before["writes"],
               "write_requests": after["write_requests"] - before["write_requests"]}
    finally:
        emu.stop()


def test_table_is_large_enough(table_run, figures):
    figures("bad_inputs", {"tried": len(ROWS), "writes": table_run["writes"],
                           "seconds": round(table_run["run"].seconds, 1)})
    assert len(ROWS) >= 40
    assert len(table_run["results"]) == len(ROWS), table_run["run"].tail()


def test_no_bad_input_wrote_anything(table_run):
    assert table_run["writes"] == 0 and table_run["write_requests"] == 0


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[r[0] for r in ROWS])
def test_bad_input_fails_naming_it(table_run, index):
    rid, module, args, expect = ROWS[index]
    result = table_run["results"].get(_var(index))
    assert result is not None, f"{rid}: no result\n" + table_run["run"].tail()
    assert result.get("failed") is True, f"{rid}: {module} accepted {args!r}: {result}"
    msg = str(result.get("msg", ""))
    missing = [e for e in expect if e.lower() not in msg.lower()]
    assert not missing, f"{rid}: the message does not name {missing}: {msg[:800]}"
    writes = (result.get("graph_requests") or {}).get("writes", 0)
    assert writes == 0, f"{rid}: {writes} write(s) before failing"
    assert "Traceback" not in msg and "MODULE FAILURE" not in msg, f"{rid}: crashed: {msg[:800]}"
