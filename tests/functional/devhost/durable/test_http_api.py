"""The Durable HTTP API over raw HTTP: status codes, headers and JSON shapes of HttpApiHandler."""

from __future__ import annotations

import re

import aiohttp

from .support import eventually, load_sample, run, running_engine, serving

HUB = "taskHub=TestHubName&connection=Storage"
STATUS_KEYS = {"name", "instanceId", "runtimeStatus", "input", "customStatus", "output", "createdTime",
               "lastUpdatedTime"}


def test_status_codes_headers_and_shapes_of_instance_queries() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine, serving(engine) as url, aiohttp.ClientSession() as http:
            base = f"{url}/runtime/webhooks/durabletask/instances"
            await engine.start_new("approval", "live", {"order": 1})
            await engine.wait_for_completion(await engine.start_new("exploding", "broken", None))
            await engine.run_until_idle()

            async with http.get(f"{base}/missing?{HUB}") as response:
                assert response.status == 404
            async with http.get(f"{base}/live?{HUB}") as response:
                assert response.status == 202
                assert response.headers["Location"] == str(response.url)
                assert response.headers["Retry-After"] == "5"
                body = await response.json()
                assert set(body) == STATUS_KEYS
                assert (body["runtimeStatus"], body["input"], body["customStatus"]) == (
                    "Running", {"order": 1}, "waiting for approval")
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["createdTime"])
            async with http.get(f"{base}/live?showInput=false&showHistory=true&{HUB}") as response:
                body = await response.json()
                assert body["input"] is None
                assert [e["EventType"] for e in body["historyEvents"][:2]] == [
                    "OrchestratorStarted", "ExecutionStarted"]
            # A Failed instance answers 200 unless the caller asks for 500.
            async with http.get(f"{base}/broken?{HUB}") as response:
                assert response.status == 200 and "Location" not in response.headers
                assert (await response.json())["runtimeStatus"] == "Failed"
            async with http.get(f"{base}/broken?returnInternalServerErrorOnFailure=true&{HUB}") as response:
                assert response.status == 500

            async with http.post(f"{base}/live/terminate?reason=enough&{HUB}") as response:
                assert response.status == 202
            async with http.get(f"{base}/live?{HUB}") as response:
                assert response.status == 200
                assert (await response.json())["output"] == "enough"
            async with http.post(f"{base}/live/terminate?reason=again&{HUB}") as response:
                assert response.status == 410
            async with http.post(f"{base}/missing/terminate?{HUB}") as response:
                assert response.status == 404

    run(scenario())


def test_start_raise_list_and_purge_answers() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine, serving(engine) as url, aiohttp.ClientSession() as http:
            hooks = f"{url}/runtime/webhooks/durabletask"
            async with http.post(f"{hooks}/orchestrators/approval/order-9?{HUB}", json={"n": 9}) as response:
                assert response.status == 202
                body = await response.json()
                assert body["id"] == "order-9"
                assert response.headers["Location"] == body["statusQueryGetUri"]

            async def running() -> bool:
                status = await engine.get_status("order-9")
                return status is not None and status.runtime_status == "Running"

            await eventually(running)  # its first episode ran in the worker: no longer Pending
            async with http.post(f"{hooks}/orchestrators/approval/order-9?{HUB}") as response:
                # HttpApiHandler has no 409: the storage provider's exception lands in its catch-all.
                assert response.status == 500
                assert (await response.json())["ExceptionMessage"] == (
                    "An Orchestration instance with the status Running already exists.")
            async with http.post(f"{hooks}/orchestrators/nothing_by_that_name?{HUB}") as response:
                assert response.status == 400
            await engine.run_until_idle()

            event = f"{hooks}/instances/order-9/raiseEvent/Approval?{HUB}"
            plain_text = {"Content-Type": "text/plain"}
            async with http.post(event, data='{"by": "x"}', headers=plain_text) as response:
                assert response.status == 400
            async with http.post(f"{hooks}/instances/nobody/raiseEvent/Approval?{HUB}", json={}) as response:
                assert response.status == 404
            async with http.post(event, json={"by": "ops"}) as response:
                assert response.status == 202
            assert (await engine.wait_for_completion("order-9")).output == {"approved_by": "ops"}
            async with http.post(event, json={"by": "late"}) as response:
                assert response.status == 410

            await engine.start_new("approval", "order-10", None)
            async with http.get(f"{hooks}/instances/?top=1&{HUB}") as response:
                first = await response.json()
                token = response.headers["x-ms-continuation-token"]
            async with http.get(f"{hooks}/instances/?top=1&{HUB}",
                                headers={"x-ms-continuation-token": token}) as response:
                second = await response.json()
            assert len(first) == len(second) == 1
            assert {s["instanceId"] for s in first + second} == {"order-9", "order-10"}
            async with http.get(f"{hooks}/instances/?runtimeStatus=Completed&{HUB}") as response:
                assert [s["instanceId"] for s in await response.json()] == ["order-9"]

            async with http.delete(f"{hooks}/instances/order-9?{HUB}") as response:
                assert response.status == 200 and await response.json() == {"instancesDeleted": 1}
            async with http.delete(f"{hooks}/instances/order-9?{HUB}") as response:
                assert response.status == 404

    run(scenario())
