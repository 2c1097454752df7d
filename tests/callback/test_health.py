"""Health, readiness and metrics."""

from __future__ import annotations

from structlog.testing import capture_logs

from tests.support.plugin import post
from tests.support.wechat_peer import random_openid


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_redis(client, backend):
    body = (await client.get("/readyz")).json()
    assert body["status"] == "ready" and body["database"] == "ok"
    assert body["redis"] == ("ok" if backend.redis_url else "not configured")
    # Without Redis each process counts WeChat's call rates alone: said, but still ready.
    assert body["limits"] == ("shared" if backend.redis_url else "per-process")


async def test_redis_down_limits_fall_back_per_process_and_readyz_says_so(make_client):
    client = await make_client(redis_url="redis://127.0.0.1:1/0")
    with capture_logs() as logs:
        for _ in range(5):  # every call still gets its turn, paced by this process
            await client.state.wechat.limiter.acquire()
            await client.state.broadcast_client.limiter.acquire()
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body == body | {"status": "ready", "redis": "unavailable", "limits": "per-process"}
    # Once per limiter and outage, not once per call.
    assert [e["event"] for e in logs].count("wechat_limits_per_process") == 2
    await client.state.redis.aclose()
    client.state.redis = None  # nothing to clean up in a Redis that was never there


async def test_readyz_is_503_when_the_database_is_unreachable(make_client, backend):
    url = (
        "postgresql://postgres@127.0.0.1:1/nowhere"
        if backend.name == "postgresql"
        else "sqlite:////proc/no-such-dir/shente.db"
    )
    client = await make_client(database_url=url)
    response = await client.get("/readyz")
    assert response.status_code == 503 and response.json()["database"] == "unavailable"


async def test_metrics_count_requests_callbacks_duplicates_and_rejections(client, peer):
    openid = random_openid()
    xml = peer.text(openid, "帮助")
    await post(client, peer, xml)
    await post(client, peer, xml)
    await post(client, peer, peer.event(openid, "subscribe"))
    await client.post("/wechat", params={"signature": "x"}, content=b"<xml/>")
    text = (await client.get("/metrics")).text
    assert 'shente_wechat_callbacks_total{event="",msg_type="text"} 2.0' in text
    assert 'shente_wechat_callbacks_total{event="subscribe",msg_type="event"} 1.0' in text
    assert "shente_wechat_duplicates_total 1.0" in text
    assert 'shente_wechat_rejections_total{reason="bad_signature"} 1.0' in text
    assert 'http_requests_total{handler="/wechat",method="POST",status="2xx"} 3.0' in text
    assert "http_request_duration_seconds_bucket" in text


async def test_responses_carry_a_request_id(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 16


async def test_request_metrics_name_each_route_by_its_template(client):
    # Two ids, one series: the label is the route's template (looked up from a cache).
    for broadcast_id in (7, 8):
        await client.get(f"/api/v1/broadcasts/{broadcast_id}")
    await client.get("/healthz")
    text = (await client.get("/metrics")).text
    template = "/api/v1/broadcasts/{broadcast_id:int}"
    assert f'http_requests_total{{handler="{template}",method="GET",status="4xx"}} 2.0' in text
    assert 'http_requests_total{handler="/healthz",method="GET",status="2xx"} 1.0' in text
    assert 'handler="/api/v1/broadcasts/7"' not in text
