"""Logs carry a request id and never a secret, a token or a member's phone number."""

from __future__ import annotations

import io
import json
import os
import socket

import structlog

from app.config import Settings, instance_id
from app.jobs.context import JobContext
from app.jobs.runner import JobRunner, in_process_runner
from app.logging import Redactor, configure_logging
from tests.support.plugin import post
from tests.support.wechat_peer import random_openid


def test_redactor_masks_secrets_tokens_and_phones():
    redact = Redactor(["super-secret-value"])
    event = {
        "event": "call failed super-secret-value",
        "url": "/cgi-bin/message/custom/send?access_token=ACCESS123&x=1",
        "note": "联系人 13812345678",
        "app_secret": "anything",
        "count": 3,
    }
    out = redact(None, "info", event)
    assert out["event"] == "call failed ***"
    assert out["url"] == "/cgi-bin/message/custom/send?access_token=***&x=1"
    assert out["note"] == "联系人 138****5678"
    assert out["app_secret"] == "***"
    assert out["count"] == 3


async def test_request_logs_are_json_with_request_id_and_no_secrets(make_client, peer):
    client = await make_client(log_level="INFO")
    stream = io.StringIO()
    settings = client.settings
    configure_logging(level="INFO", json=True, secrets=settings.secret_values(), stream=stream)
    try:
        await post(client, peer, peer.text(random_openid(), "我的电话 13912345678"))
        params, body = peer.request(peer.text(random_openid(), "帮助"), "plain")
        params["signature"] = "0" * 40
        await client.post(
            "/wechat", params=params, content=body, headers={"X-Request-ID": "req-42"}
        )
    finally:
        configure_logging(level="WARNING", json=False)
    output = stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    assert any(line.get("request_id") == "req-42" and line["event"] == "request" for line in lines)
    assert any(line.get("reason") == "bad_signature" for line in lines)
    for secret in (peer.token, peer.aes_key, "13912345678", params["nonce"]):
        assert secret not in output


async def test_every_line_names_its_instance(make_client, peer, capsys):
    """Several instances behind one proxy: each line says which one wrote it, as the lease does."""
    client = await make_client(log_level="INFO", log_format="json", instance_id="web-2-7")
    try:
        await post(client, peer, peer.text(random_openid(), "帮助"))
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    finally:
        configure_logging(level="WARNING", json=False)
    assert any(line["event"] == "request" for line in lines)
    assert lines and all(line["instance_id"] == "web-2-7" for line in lines)
    assert in_process_runner(client.state).holder.startswith("web-2-7:")


def test_the_default_instance_id_is_host_and_process():
    expected = f"{socket.gethostname()[:40]}-{os.getpid()}"
    assert instance_id(Settings(_env_file=None)) == expected
    runner = JobRunner(JobContext(None, None, None, Settings(_env_file=None)))  # type: ignore[arg-type]
    assert runner.holder.startswith(f"{expected}:")


def test_logging_set_up_under_a_swapped_stderr_writes_to_the_real_one_afterwards(
    monkeypatch, capsys
):
    """A command run by CliRunner sets logging up while stderr is the runner's stream, which
    is closed afterwards: later lines go to the process's stderr instead of raising."""
    swapped = io.StringIO()
    monkeypatch.setattr("sys.stderr", swapped)
    configure_logging(level="INFO", json=False)
    structlog.get_logger("test").info("under the runner")
    monkeypatch.undo()
    swapped.close()
    try:
        structlog.get_logger("test").info("after the runner")
    finally:
        configure_logging(level="WARNING", json=False)
    assert "after the runner" in capsys.readouterr().err
