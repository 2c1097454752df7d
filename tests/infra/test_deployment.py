"""The deployment artifacts hold together: the compose file, the nginx config (`nginx -t`), and
the settings they name. No Docker daemon is needed (CI has none)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import Settings
from tests.support import nginx

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
NGINX_CONF = nginx.NGINX_CONF
# ${VAR}, ${VAR:-default}, ${VAR:?message}; $$ is compose's escaped dollar (a shell's variable).
COMPOSE_VAR = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)(?::?[-?][^}]*)?\}")
SERVICES = {"app", "proxy", "scheduler", "scheduler-standby", "postgres", "redis"}


def compose() -> dict[str, Any]:
    """docker-compose.yml as compose reads it (YAML anchors and merges resolved)."""
    data = yaml.safe_load(COMPOSE.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_runs_replicas_behind_the_proxy_and_a_standby_scheduler():
    services = compose()["services"]
    assert SERVICES <= services.keys()
    app = services["app"]
    assert app["deploy"]["replicas"] == "${APP_REPLICAS:-2}"
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert app["command"][:2] == ["shente", "serve"]
    assert app["environment"]["WEB_CONCURRENCY"] == "${WEB_CONCURRENCY:-1}"
    # Replicas cannot share a published port: only the proxy is reachable from outside.
    assert "ports" not in app and services["proxy"]["ports"]
    for name in ("scheduler", "scheduler-standby"):
        assert services[name]["command"] == ["shente", "scheduler"]
        assert services[name]["environment"]["APP_ENV"] == "prod"
    # Migrations run once, before any replica: two replicas migrating at once would race.
    assert services["migrate"]["command"] == ["shente", "db", "upgrade"]
    for name in ("app", "scheduler", "scheduler-standby"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    volumes = services["proxy"]["volumes"]
    assert "./deploy/nginx/shente.conf:/etc/nginx/conf.d/default.conf:ro" in volumes
    assert any(v.endswith(":/etc/nginx/certs:ro") for v in volumes)


def test_every_compose_variable_is_a_setting_or_documented():
    documented = (ROOT / ".env.example").read_text("utf-8")
    names = set(COMPOSE_VAR.findall(COMPOSE.read_text("utf-8")))
    assert {"APP_REPLICAS", "POSTGRES_PASSWORD", "SECRET_KEY"} <= names
    settings = {name.upper() for name in Settings.model_fields}
    missing = sorted(n for n in names if n not in settings and f"\n{n}=" not in documented)
    assert missing == [], f"docker-compose.yml uses variables nobody documents: {missing}"


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose is not installed (it needs no daemon for `config`)",
)
def test_docker_compose_config_accepts_the_file(tmp_path):
    env = {**os.environ, **{name: "x" * 40 for name in COMPOSE_VAR.findall(COMPOSE.read_text())}}
    env["APP_REPLICAS"], env["WEB_CONCURRENCY"] = "3", "2"
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "--profile", "monitoring", "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr


def nginx_directives(text: str, name: str) -> list[str]:
    """The values of every `name value;` directive in an nginx config."""
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, re.MULTILINE)


def wechat_location(text: str) -> str:
    """The body of `location = /wechat { … }`."""
    match = re.search(r"location = /wechat \{(.*?)\n    \}", text, re.DOTALL)
    assert match is not None
    return match.group(1)


def size_in_bytes(value: str) -> int:
    """An nginx size (64k, 12m) in bytes."""
    units = {"k": 1024, "m": 1024 * 1024}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def nginx_ms(value: str) -> int:
    """An nginx time (4500ms, 2s) in milliseconds."""
    return int(value[:-2]) if value.endswith("ms") else int(value.rstrip("s")) * 1000


def test_nginx_limits_match_the_app_and_the_wechat_budget():
    text = NGINX_CONF.read_text("utf-8")
    defaults = Settings(_env_file=None)
    server_limit = [size_in_bytes(v) for v in nginx_directives(text, "client_max_body_size")]
    assert defaults.max_request_body_bytes in server_limit
    wechat = wechat_location(text)
    (callback_limit,) = nginx_directives(wechat, "client_max_body_size")
    assert size_in_bytes(callback_limit) == defaults.wechat_max_body_bytes
    # Past the app's reply budget (it answers by then), inside WeChat's 5 seconds.
    (read_timeout,) = nginx_directives(wechat, "proxy_read_timeout")
    assert defaults.wechat_reply_budget_seconds * 1000 < nginx_ms(read_timeout) < 5000
    # A callback is retried on another replica (idempotent by its dedup key); nothing else
    # that was sent is (a console POST may have been carried out).
    assert nginx_directives(wechat, "proxy_next_upstream")[0].endswith("non_idempotent")
    retries = nginx_directives(text, "proxy_next_upstream")
    assert len(retries) == 2 and sum("non_idempotent" in r for r in retries) == 1
    # The client's address is overwritten, never appended to (uvicorn trusts the leftmost).
    assert "$proxy_add_x_forwarded_for" not in text
    assert "X-Forwarded-For $remote_addr" in nginx_directives(text, "proxy_set_header")


def test_nginx_accepts_the_config(tmp_path):
    # The real file, but for what only compose gives: the `app` replicas and the certificates.
    checked = nginx.prepare(tmp_path)
    assert "server 127.0.0.1:8000 " in checked and f"{tmp_path}/certs/fullchain.pem" in checked
    result = nginx.check(tmp_path)
    assert result.returncode == 0, result.stderr
    # nginx -t does fail on a broken config: the check can catch a mistake.
    (tmp_path / "shente.conf").write_text(checked.replace("proxy_read_timeout", "read_tmo"))
    broken = nginx.check(tmp_path)
    assert broken.returncode != 0 and "read_tmo" in broken.stderr


def test_prometheus_scrapes_the_replicas_with_the_token_and_loads_the_rules():
    deploy = ROOT / "deploy"
    config = yaml.safe_load((deploy / "prometheus" / "prometheus.yml").read_text("utf-8"))
    service = compose()["services"]["prometheus"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in service["volumes"]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    (job,) = config["scrape_configs"]
    # The rules' up{job="shente"} names this job; each replica of `app` is a target.
    assert job["job_name"] == "shente" and 'up{job="shente"}' in (
        deploy / "prometheus" / "alerts.yml"
    ).read_text("utf-8")
    assert job["dns_sd_configs"] == [
        {"names": ["app"], "type": "A", "port": 8000, "refresh_interval": "30s"}
    ]
    # The token file is the one the service writes from METRICS_TOKEN before starting.
    token_file = job["authorization"]["credentials_file"]
    assert f"> {token_file} &&" in service["command"][0]
    datasource = yaml.safe_load(
        (deploy / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )["datasources"][0]
    dashboard = json.loads((deploy / "grafana" / "shente-dashboard.json").read_text("utf-8"))
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} == {datasource["uid"]}
