"""Secrets: every module at -vvvv, with good and bad credentials of every kind, through ansible-playbook and
through ansible-runner (as AWX runs it): no client secret, certificate password, user password or access
token may appear in stdout, stderr, results, warnings, runner artifacts or runner events.
"""

from __future__ import annotations

import json
import re
import ssl
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import _harness as h

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")
CERT_PASSWORD = "Cert-Pa55-never-logged-7f3c"
BAD_SECRET = "Wrong-Secret-never-logged-91ab"
BAD_PASSWORD = "Wrong-Password-never-logged-5d2e"

MODULE_ARGS = {
    "pim_role_setting_info": {"roles": ["Reports Reader"]},
    "pim_role_setting": {"roles": ["Reports Reader"], "activation": {"max_duration": "PT3H"}},
    "pim_eligible_assignment": {"principal": "niaj.sharepoint@{{ domain }}", "role": "Reports Reader",
                                "duration": "P10D", "justification": "secrets test"},
    "pim_active_assignment": {"principal": "olivia.teams@{{ domain }}", "role": "Reports Reader",
                              "duration": "P10D", "justification": "secrets test"},
    "pim_activation_info": {"roles": ["Reports Reader"]},
    # Walter and Wendy are both eligible for User Administrator.
    "pim_role_activation": {"role": "User Administrator", "duration": "PT1H", "justification": "secrets test"},
}
MODULES = [m for m in MODULE_ARGS if h.have_module(m)]


def _token(emu: h.Emu, index: int, app: str) -> str:
    tenant, cred = emu.tenants[index], emu.app(index, app)
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": cred["client_id"],
                                   "client_secret": cred["client_secret"],
                                   "scope": "https://graph.microsoft.com/.default"}).encode()
    ctx = ssl.create_default_context(cafile=emu.info["ca_bundle"])
    url = f"{emu.info['authority_host']}/{tenant['id']}/oauth2/v2.0/token"
    with urllib.request.urlopen(urllib.request.Request(url, data=body), context=ctx, timeout=30) as resp:
        return json.loads(resp.read())["access_token"]


def _encrypted_certificate(emu: h.Emu, dest: Path) -> Path:
    """The pim-cert app's certificate with its key re-encrypted under CERT_PASSWORD."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pem = Path(emu.app(0, "pim-cert")["certificate_path"]).read_bytes()
    key = serialization.load_pem_private_key(pem, password=None)
    cert = x509.load_pem_x509_certificate(pem)
    dest.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(CERT_PASSWORD.encode()))
                     + cert.public_bytes(serialization.Encoding.PEM))
    return dest


def _credentials(emu: h.Emu, workdir: Path) -> dict[str, dict]:
    base = emu.auth(0)
    conn = {k: base[k] for k in ("tenant_id", "graph_url", "authority_host", "ca_bundle")}
    cert = _encrypted_certificate(emu, workdir / "pim-cert-encrypted.pem")
    cli = emu.app(0, "pim-cli")
    # The password grant only works for a user without MFA (Entra blocks it for MFA users, AADSTS50076);
    # Walter signs in interactively with MFA (admin API) and hands his token over, as after `az login`.
    wendy = next(u for u in emu.tenants[0]["users"] if u["userPrincipalName"].startswith("wendy.nomfa"))
    walter = next(u for u in emu.tenants[0]["users"] if u["userPrincipalName"].startswith("walter.pim"))
    walter_token = emu.admin(f"tenants/{emu.tenants[0]['id']}/users/{walter['id']}/signin",
                             {"client_id": cli["client_id"], "mfa": True})["access_token"]
    user = {**conn, "auth_method": "username_password", "client_id": cli["client_id"],
            "username": wendy["userPrincipalName"]}
    return {
        "secret": {**conn, "client_id": base["client_id"], "client_secret": base["client_secret"]},
        "bad_secret": {**conn, "client_id": base["client_id"], "client_secret": BAD_SECRET},
        "certificate": {**conn, "client_id": emu.app(0, "pim-cert")["client_id"], "certificate_path": str(cert),
                        "certificate_password": CERT_PASSWORD},
        "bad_cert_password": {**conn, "client_id": emu.app(0, "pim-cert")["client_id"],
                              "certificate_path": str(cert), "certificate_password": BAD_PASSWORD},
        "token": {**conn, "auth_method": "access_token", "access_token": _token(emu, 0, "pim-admin")},
        "reader_token": {**conn, "auth_method": "access_token", "access_token": _token(emu, 0, "pim-reader")},
        "user": {**user, "password": wendy["password"]},
        "user_token": {**conn, "auth_method": "access_token", "access_token": walter_token},
        "bad_user_password": {**user, "password": BAD_PASSWORD},
    }


def _secrets(emu: h.Emu, creds: dict) -> list[str]:
    values = {BAD_SECRET, BAD_PASSWORD, CERT_PASSWORD}
    for tenant in emu.tenants:
        values |= {a["client_secret"] for a in tenant["apps"] if a.get("client_secret")}
        values |= {u["password"] for u in tenant["users"] if u.get("password")}
    values |= {c["access_token"] for c in creds.values() if "access_token" in c}
    return sorted(v for v in values if v and len(v) >= 8)


def _tasks(creds: dict) -> list[dict]:
    tasks = []
    for module in MODULES:
        kinds = ("user", "user_token", "bad_user_password") if module == "pim_role_activation" else \
            ("secret", "bad_secret", "certificate", "bad_cert_password", "token", "reader_token")
        for kind in kinds:
            tasks.append({"name": f"{module} with {kind}", f"entra.pim.{module}": MODULE_ARGS[module],
                          "module_defaults": {"group/entra.pim.all": f"{{{{ creds['{kind}'] }}}}"},
                          "register": f"r_{module}_{kind}", "ignore_errors": True, "check_mode": kind != "secret"})
    # AWX's Azure credential arrives as environment variables of the whole job (see _process_env): the
    # modules' env fallbacks must be masked as well. (Not the task keyword `environment:`, which
    # ansible-core itself echoes in its -vvv EXEC line.)
    tasks.append({"name": "settings info with credentials from the environment",
                  "entra.pim.pim_role_setting_info": {"roles": ["Reports Reader"]},
                  "module_defaults": {"group/entra.pim.all": {}}, "register": "r_env", "ignore_errors": True})
    tasks.append({"name": "Show every result, as a careless playbook would", "ansible.builtin.debug": {
        "msg": "{{ [" + ", ".join(t["register"] for t in tasks) + "] }}"}})
    tasks.append(h.save_results_task([t["register"] for t in tasks if "register" in t]))
    return tasks


def _process_env(creds: dict) -> dict:
    c = creds["secret"]
    return {"AZURE_TENANT_ID": c["tenant_id"], "AZURE_CLIENT_ID": c["client_id"],
            "AZURE_CLIENT_SECRET": c["client_secret"], "ENTRA_PIM_GRAPH_URL": c["graph_url"],
            "AZURE_AUTHORITY_HOST": c["authority_host"], "ENTRA_PIM_CA_BUNDLE": c["ca_bundle"]}


def _leaks(text: str, secrets: list[str]) -> list[str]:
    found = [f"secret ...{s[-4:]}" for s in secrets if s in text]
    found += [f"JWT {m[:12]}..." for m in JWT.findall(text)]
    return found


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    wd = tmp_path_factory.mktemp("secrets")
    emu = h.Emu(wd / "emu")
    creds = _credentials(emu, wd)
    inv = h.inventory(emu, [0])
    inv["all"]["hosts"]["contoso"]["creds"] = creds
    play = h.write_play(wd, "secrets", _tasks(creds))
    yield {"emu": emu, "wd": wd, "inv": inv, "play": play, "secrets": _secrets(emu, creds), "creds": creds}
    emu.stop()


def _check_outcomes(results: dict, env_credentials: bool = True) -> None:
    """The runs did what they should: good credentials work, bad ones fail (so both paths were exercised)."""
    for key, result in results.items():
        if not isinstance(result, dict) or "bad_" not in key:
            continue
        assert result.get("failed"), f"{key} succeeded with bad credentials: {result.get('msg')}"
    good = [k for k in results if k.endswith(("_secret", "_certificate", "_token", "_user")) and "bad_" not in k]
    ok = [k for k in good if isinstance(results[k], dict) and not results[k].get("failed")]
    if env_credentials:
        assert results.get("r_env") and not results["r_env"].get("failed"), f"env credentials: {results.get('r_env')}"
    assert len(ok) >= len(MODULES), f"too few runs with good credentials succeeded: {sorted(set(good) - set(ok))}: " \
        + "; ".join(str(results[k].get("msg"))[:300] for k in sorted(set(good) - set(ok)))


def test_no_secret_through_ansible_playbook(setup, figures):
    run = h.run_playbook(setup["wd"], setup["play"], setup["inv"], args=["-vvvv"],
                         env=_process_env(setup["creds"]))
    results = h.host_results(setup["wd"], setup["play"], "contoso")
    assert results, run.tail()
    text = "\n".join([run.stdout, run.stderr, json.dumps(results)])
    leaks = _leaks(text, setup["secrets"])
    figures("secrets.ansible_playbook", {"runs": len(results), "bytes_scanned": len(text), "leaks": len(leaks)})
    assert leaks == [], f"secrets in the output of ansible-playbook -vvvv: {leaks}"
    _check_outcomes(results)


def test_no_secret_through_ansible_runner(setup, figures):
    import ansible_runner

    private = setup["wd"] / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "secrets.yml").write_text(setup["play"].read_text())
    inv_path = setup["wd"] / "runner-inventory.json"
    inv_path.write_text(json.dumps(setup["inv"]))
    vars_path = setup["wd"] / "runner-results"
    events = []
    # Not the secret itself: ansible-runner records its envvars in artifacts/<id>/command (an input, as the
    # inventory is; AWX injects credentials its own way). The env fallback is covered above.
    env = h.ansible_env({k: v for k, v in _process_env(setup["creds"]).items() if "SECRET" not in k})
    result = ansible_runner.run(
        private_data_dir=str(private), playbook="secrets.yml", inventory=str(inv_path), verbosity=4, quiet=True,
        extravars={"results_file": str(vars_path) + ".json"}, envvars=env, event_handler=events.append,
        timeout=900)
    texts = [json.dumps(events)]
    for path in (private / "artifacts").rglob("*"):
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    results = json.loads(Path(f"{vars_path}.contoso.json").read_text())
    texts.append(json.dumps(results))
    text = "\n".join(texts)
    leaks = _leaks(text, setup["secrets"])
    figures("secrets.ansible_runner", {"events": len(events), "bytes_scanned": len(text), "leaks": len(leaks),
                                       "status": result.status})
    assert result.status in ("successful", "failed"), result.status
    assert leaks == [], f"secrets in ansible-runner's events or artifacts: {leaks}"
    _check_outcomes(results, env_credentials=False)
