"""Put this work tree on ansible's collection path: the one helper every harness uses.

ansible finds entra.pim at ``.build/collections/ansible_collections/entra/pim``, a symlink to the work tree
(no copy to go stale). The Makefile (``python tests/collection_link.py``), tests/integration/run.py,
tests/examples, tests/reliability, tests/awx, extensions/molecule/run.py, demo/run_demo.py and bench/run.py
all call ``link_collection`` and take the path from ``COLLECTIONS``: nothing else builds or spells it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".build" / "collections"


def link_collection() -> Path:
    """Point the entra.pim link at this work tree and return the collections folder.

    Safe when several processes call it at once (two make targets, pytest sessions): a link under a
    unique name is renamed over the old one, and a rename is atomic. A link left pointing at another
    clone (a copied .build folder) is replaced; a real folder there is refused, never deleted.
    """
    dest = COLLECTIONS / "ansible_collections" / "entra" / "pim"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() and dest.resolve() == ROOT:
        return COLLECTIONS
    if dest.exists() and not dest.is_symlink():
        raise RuntimeError(f"{dest} is a folder, not a link to {ROOT}: move it away, then rerun")
    tmp = dest.with_name(f".pim-{os.getpid()}-{uuid.uuid4().hex}")
    tmp.symlink_to(ROOT)
    os.replace(tmp, dest)
    return COLLECTIONS


if __name__ == "__main__":
    link_collection()
