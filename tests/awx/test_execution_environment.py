# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-builder accepts execution-environment.yml and installs the built collection with its Python deps."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import ROOT

BIN = Path(sys.executable).parent


def test_ansible_builder_create(tmp_path):
    work = tmp_path / "ee"
    work.mkdir()
    shutil.copy(ROOT / "execution-environment.yml", work)
    dist = work / ".build" / "dist"
    subprocess.run([BIN / "ansible-galaxy", "collection", "build", "--output-path", dist, ROOT],
                   check=True, capture_output=True)
    assert (dist / "entra-pim-0.1.0.tar.gz").is_file(), "bump the tarball name in execution-environment.yml"
    out = subprocess.run([BIN / "ansible-builder", "create", "-f", "execution-environment.yml", "-c", "context"],
                         cwd=work, check=True, capture_output=True, text=True)
    assert "Complete!" in out.stdout
    context = work / "context"
    assert (context / "_build" / "collections" / "entra-pim-0.1.0.tar.gz").is_file()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"][0]["type"] == "file"
    assert "ansible-galaxy collection install" in (context / "Dockerfile").read_text()


def test_collection_declares_its_python_dependencies():
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    names = (ROOT / meta["dependencies"]["python"]).read_text()
    assert "msgraph-sdk" in names and "azure-identity" in names


def test_credential_type_marks_secrets_and_injects_the_certificate_as_a_file():
    ctype = yaml.safe_load((ROOT / "awx" / "credential_type.yml").read_text())
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    assert all(fields[k].get("secret") for k in ("client_secret", "certificate", "certificate_password"))
    assert not fields["client_id"].get("secret")
    assert ctype["injectors"]["file"] == {"template.certificate": "{{ certificate }}"}
    assert "tower.filename" in ctype["injectors"]["env"]["AZURE_CLIENT_CERTIFICATE_PATH"]
    assert "{{ certificate }}" not in str(ctype["injectors"]["env"])
