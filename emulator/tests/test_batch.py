"""JSON batching: limits, validation, dependencies, and items sharing the top-level path."""

from __future__ import annotations


def item(i, url="/users?$top=1", method="GET", **extra):
    return {"id": str(i), "method": method, "url": url, **extra}


def test_batch_answers_each_item(emu):
    r = emu.post("/$batch", {"requests": [item(1), item(2, "/nothingHere"), item(3, "/groups?$top=1")]})
    assert r.status_code == 200
    by_id = {x["id"]: x for x in r.json()["responses"]}
    assert by_id["1"]["status"] == 200 and len(by_id["1"]["body"]["value"]) == 1
    assert by_id["2"]["status"] == 400 and by_id["2"]["body"]["error"]["code"] == "BadRequest"
    assert by_id["3"]["status"] == 200


def test_batch_limit_and_duplicates(emu):
    r = emu.post("/$batch", {"requests": [item(i) for i in range(21)]})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "The number of batch requests in the input exceeds the allowed limit of 20."
    assert emu.post("/$batch", {"requests": [item(1), item(1)]}).status_code == 400
    assert emu.post("/$batch", {"requests": [item(i) for i in range(20)]}).status_code == 200


def test_batch_body_needs_content_type(emu):
    body = {"ids": [emu.user("alice.admin")["id"]]}
    r = emu.post("/$batch", {"requests": [item(1, "/directoryObjects/getByIds", "POST", body=body)]})
    assert r.status_code == 400 and "Content-Type" in r.json()["error"]["message"]
    r = emu.post("/$batch", {"requests": [item(1, "/directoryObjects/getByIds", "POST", body=body,
                                               headers={"Content-Type": "application/json"})]})
    assert r.json()["responses"][0]["status"] == 200


def test_dependencies_both_spellings_and_424(emu):
    reqs = [item(1, "/nothingHere"), item(2, dependsOn=["1"]), item(3, depends_on=["2"]), item(4)]
    r = emu.post("/$batch", {"requests": reqs})
    status = {x["id"]: x["status"] for x in r.json()["responses"]}
    assert status == {"1": 400, "2": 424, "3": 424, "4": 200}
    r = emu.post("/$batch", {"requests": [item(1, dependsOn=["2"]), item(2)]})
    assert r.status_code == 400 and "Invalid dependency" in r.json()["error"]["message"]
    r = emu.post("/$batch", {"requests": [item(1, dependsOn=["9"])]})
    assert r.status_code == 400


def test_batch_items_are_throttled_individually_and_counted(emu):
    emu.admin("POST", "stats/reset")
    emu.admin("POST", "faults", {"rules": [{"method": "GET", "path": "^/groups", "nth": 1, "status": 429,
                                            "retry_after": 1.5}]})
    r = emu.post("/$batch", {"requests": [item(1), item(2, "/groups")]})
    by_id = {x["id"]: x for x in r.json()["responses"]}
    assert by_id["1"]["status"] == 200 and by_id["2"]["status"] == 429
    assert by_id["2"]["headers"]["Retry-After"] == "1.5"
    assert by_id["2"]["body"]["error"]["code"] == "TooManyRequests"
    stats = emu.admin("GET", "stats").json()
    assert stats["requests"] == 1 and stats["by_route"]["GET /groups"] == 1 and stats["writes"] == 0
    assert stats["faults_injected"] == {"429": 1}


async def test_sdk_batch_with_depends_on(emu):
    """msgraph-core's BatchRequestContent writes "depends_on"; the emulator must honour it."""
    from helpers_sdk import graph_client, secret_credential
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    async with secret_credential(emu) as cred:
        client = graph_client(cred, emu.graph_url, emu.ca)
        items = []
        for url in ("/users?$top=2", "/groups?$top=2"):
            info = RequestInformation()
            info.http_method = Method.GET
            info.url = emu.graph_url + url
            batch_item = BatchRequestItem(request_information=info)
            # Built from a RequestInformation the SDK keeps the absolute URL, which Graph documents as
            # relative-only (the emulator answers 400); set_url makes it relative as the SDK does elsewhere.
            batch_item.set_url(info.url)
            items.append(batch_item)
        items[1].set_depends_on([items[0].id])
        content = BatchRequestContent({i.id: i for i in items})
        result = await client.batch.post(batch_request_content=content)
        assert sorted(result.get_response_status_codes().values()) == [200, 200]
