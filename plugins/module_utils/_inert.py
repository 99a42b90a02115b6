# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant-supplied text made inert before it reaches an operator's terminal. Pure: no I/O.

Private to the collection (leading underscore): may change in any release.

Display names, user principal names and Graph's error messages are chosen by whoever administers a
tenant. Ansible prints warnings (and parts of diffs) as they are, so an ESC in a group's name
(``\\x1b[2J``, ``\\x1b]8;;...``) would clear the screen, fake output or plant a link in the operator's
terminal. Every C0 control character (U+0000-U+001F), DEL (U+007F) and every C1 control character
(U+0080-U+009F, where U+009B is a one-character CSI on some terminals) is written as its ``\\xNN``
escape instead; nothing else changes.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _escape(match):
    return f"\\x{ord(match.group()):02x}"


def printable(value):
    """``value`` as text with every C0/C1 control character (and DEL) replaced by its ``\\xNN`` escape.

    ``None`` stays ``None`` so optional fields keep their meaning; anything else is turned into text.
    """
    if value is None:
        return None
    return _CONTROL.sub(_escape, value if isinstance(value, str) else str(value))
