"""Fault and latency knobs."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fastapi import FastAPI

from app.dev.sandbox import Faults, QueuedErrcode, SandboxState
from app.dev.sandbox.server import serve_in_background
from tests.support.sandbox import Wx

SEND = "/cgi-bin/message/custom/send"
MENU = "/cgi-bin/menu/get"


async def test_error_rate_one_answers_system_error(wx: Wx, state: SandboxState) -> None:
    await wx.token()
    state.faults = Faults(error_rate=1.0)
    for _ in range(3):
        body = await wx.get(MENU)
        assert body["errcode"] == -1 and body["errmsg"].startswith("system error")
    assert state.call_count(MENU, -1) == 3


async def test_seeded_error_rate_is_repeatable(wx: Wx, state: SandboxState) -> None:
    await wx.token()

    async def run() -> list[int]:
        state.faults = Faults(error_rate=0.5, seed=7, paths=[MENU])
        return [int((await wx.get(MENU))["errcode"]) for _ in range(20)]

    first = await run()
    assert await run() == first
    assert set(first) == {-1, 46003}


async def test_latency_is_added(wx: Wx, state: SandboxState) -> None:
    await wx.token()
    state.faults = Faults(latency_ms=60)
    started = time.perf_counter()
    await wx.get(MENU)
    assert time.perf_counter() - started >= 0.06


async def test_paths_spare_other_endpoints(wx: Wx, state: SandboxState) -> None:
    state.faults = Faults(error_rate=1.0, paths=[SEND])
    assert (await wx.get(MENU))["errcode"] == 46003  # the token fetch was spared too
    assert (await wx.post(SEND, {"touser": "x"}))["errcode"] == -1


async def test_errcode_queue_targets_a_path_once(wx: Wx, state: SandboxState) -> None:
    await wx.token()
    state.faults = Faults(errcode_queue=[QueuedErrcode(45009, path=MENU), QueuedErrcode(40001)])
    first = await wx.client.get(MENU, params={"access_token": wx.access_token})
    assert first.json()["errcode"] == 45009
    assert first.json()["errmsg"].startswith("reach max api daily quota limit")
    second = await wx.client.get(MENU, params={"access_token": wx.access_token})
    assert second.json()["errcode"] == 40001  # an injected stale-token answer
    assert (await wx.get(MENU))["errcode"] == 46003


async def test_html_and_status_and_broken_json(wx: Wx, state: SandboxState) -> None:
    token = await wx.token()
    state.faults = Faults(html_next=1, http_status_next=[502], invalid_json_next=1)
    params = {"access_token": token}
    bad_gateway = await wx.client.get(MENU, params=params)
    assert bad_gateway.status_code == 502
    html = await wx.client.get(MENU, params=params)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    broken = await wx.client.get(MENU, params=params)
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    assert (await wx.client.get(MENU, params=params)).json()["errcode"] == 46003
    assert state.call_count(MENU) == 4
    assert state.stats()["calls"][MENU]["fault:html"] == 1


async def test_hang_makes_the_client_time_out(sandbox: FastAPI, state: SandboxState) -> None:
    async with serve_in_background(sandbox) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=0.2) as client:
            wx = Wx(client)
            await wx.token()
            state.faults = Faults(hang_next=1)
            started = time.perf_counter()
            with pytest.raises(httpx.ReadTimeout):
                await client.get(MENU, params={"access_token": wx.access_token})
            assert time.perf_counter() - started < 5
            assert (await wx.get(MENU))["errcode"] == 46003


async def test_hang_after_does_the_work_then_times_out(
    sandbox: FastAPI, state: SandboxState
) -> None:
    member = state.add_follower().openid
    state.open_window(member, "message")
    message = {"touser": member, "msgtype": "text", "text": {"content": "提醒"}}
    async with serve_in_background(sandbox) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=0.2) as client:
            wx = Wx(client)
            await wx.token()
            state.faults = Faults(hang_after_next=1)
            with pytest.raises(httpx.ReadTimeout):
                await wx.post(SEND, message)
    assert len(state.deliveries) == 1  # the lost-response case: it was delivered anyway


async def test_control_api_sets_faults(
    client: httpx.AsyncClient, wx: Wx, state: SandboxState
) -> None:
    await wx.token()
    response = await client.put(
        "/_sandbox/faults",
        json={"errcode_queue": [{"errcode": 45015, "path": SEND}], "latency_ms": 1, "seed": 3},
    )
    assert response.status_code == 200
    assert response.json()["errcode_queue"] == [{"errcode": 45015, "path": SEND, "errmsg": None}]
    assert state.faults.latency_ms == 1
    assert (await wx.post(SEND, {}))["errcode"] == 45015
    assert (await client.put("/_sandbox/faults", json={"error_rate": "lots"})).status_code == 422
    assert (await client.get("/_sandbox/faults")).json()["latency_ms"] == 1
