# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulator whose tenants share one multi-tenant read-only app, as an MSP's AWX credential would."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from pim_emulator.launch import start

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
# tests/ is no package; COLLECTIONS for the tests
from collection_link import COLLECTIONS, link_collection  # noqa: E402,F401 # pylint: disable=unused-import
SCANNER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "entra.pim/tests/awx/msp-scanner"))


@pytest.fixture(scope="session")
def msp_emulator(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("emulator")
    seed = workdir / "seed.json"
    subprocess.run([sys.executable, "-m", "pim_emulator", "default-seed", "--out", str(seed)], check=True)
    doc = json.loads(seed.read_text())
    secret = "msp-" + secrets.token_urlsafe(24)
    for tenant in doc["tenants"]:
        reader = [a for a in tenant["apps"] if a["name"] == "pim-reader"][0]
        tenant["apps"].append({"name": "msp-scanner", "client_id": SCANNER_ID, "client_secret": secret,
                               "permissions": reader["permissions"]})
    seed.write_text(json.dumps(doc))
    link_collection()
    with start(workdir, ["--seed", str(seed)]) as emulator:
        emulator.scanner = {"client_id": SCANNER_ID, "client_secret": secret}
        yield emulator
