"""The emulator's paging time: follow every ``@odata.nextLink`` of the schedule lists, as a scan does.

Plain ``urllib`` with one app token, no injected latency (the caller turns it off), so the figure is the
emulator's own cost per page: the client-side wall per list and the server's handler time from the
``x-emulator-server-ms`` header of each page. Before the emulator pages linearly, the server time per
page grows with the list's length (every page rebuilt the whole list); after, it stays flat.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.parse
import urllib.request

LISTS = ("roleManagement/directory/roleEligibilityScheduleInstances",
         "roleManagement/directory/roleAssignmentScheduleInstances",
         "roleManagement/directory/roleEligibilitySchedules",
         "roleManagement/directory/roleAssignmentSchedules")


def app_token(auth: dict, ctx: ssl.SSLContext) -> str:
    data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": auth["client_id"],
                                   "client_secret": auth["client_secret"],
                                   "scope": "https://graph.microsoft.com/.default"}).encode()
    url = f"{auth['authority_host'].rstrip('/')}/{auth['tenant_id']}/oauth2/v2.0/token"
    with urllib.request.urlopen(url, data=data, context=ctx, timeout=60) as resp:  # noqa: S310 - the emulator
        return json.load(resp)["access_token"]


def page_through(auth: dict, lists: tuple[str, ...] = LISTS) -> dict:
    """{list: {items, pages, wall_s, server_s, server_ms_first_page, server_ms_last_page}}."""
    ctx = ssl.create_default_context(cafile=auth["ca_bundle"])
    headers = {"Authorization": f"Bearer {app_token(auth, ctx)}", "Accept": "application/json"}
    out = {}
    for name in lists:
        url, items, server_ms = f"{auth['graph_url'].rstrip('/')}/{name}", 0, []
        started = time.perf_counter()
        while url:
            req = urllib.request.Request(url, headers=headers)  # noqa: S310 - the emulator's own nextLink
            with urllib.request.urlopen(req, context=ctx, timeout=300) as resp:  # noqa: S310
                server_ms.append(float(resp.headers.get("x-emulator-server-ms", "nan")))
                doc = json.load(resp)
            items += len(doc.get("value", []))
            url = doc.get("@odata.nextLink")
        out[name.rsplit("/", 1)[1]] = {
            "items": items, "pages": len(server_ms), "wall_s": round(time.perf_counter() - started, 3),
            "server_s": round(sum(server_ms) / 1000, 3), "server_ms_first_page": round(server_ms[0], 1),
            "server_ms_last_page": round(server_ms[-1], 1)}
    return out
