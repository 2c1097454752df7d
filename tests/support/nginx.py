"""deploy/nginx/shente.conf under a temporary prefix: `nginx -t`, or a running nginx on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.support.certificates import self_signed

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "shente.conf"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
UPSTREAM = "    server app:8000 max_fails=1 fail_timeout=10s;\n"


def require_nginx() -> str:
    """nginx's path; under CI a missing nginx fails the test, elsewhere it is skipped."""
    if NGINX is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing: `make deploy-deps` installs Debian's nginx")
        pytest.skip("nginx is not installed (`make deploy-deps`)")
    return NGINX


def prepare(
    prefix: Path,
    *,
    upstreams: Sequence[str] = ("127.0.0.1:8000",),
    ports: tuple[int, int] | None = None,
) -> str:
    """Write prefix/nginx.conf around the real shente.conf; returns the config as checked.

    Only what compose provides is replaced: the `app` replicas (by `upstreams`), the mounted
    certificates, and, with `ports`, the listening ports (loopback, IPv4 only).
    """
    self_signed(prefix / "certs")
    text = NGINX_CONF.read_text("utf-8")
    assert text.count(UPSTREAM) == 1 and text.count("/etc/nginx/certs/") == 2
    servers = "".join(f"    server {u} max_fails=1 fail_timeout=10s;\n" for u in upstreams)
    checked = text.replace(UPSTREAM, servers).replace("/etc/nginx/certs/", f"{prefix}/certs/")
    if ports is not None:
        http, https = ports
        for old, new in (
            ("listen 80;", f"listen 127.0.0.1:{http};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
            ("    listen [::]:80;\n", ""),
            ("    listen [::]:443 ssl http2;\n", ""),
        ):
            assert checked.count(old) == 1, old
            checked = checked.replace(old, new)
    (prefix / "shente.conf").write_text(checked, "utf-8")
    temp = "".join(
        f"  {kind}_temp_path {prefix}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        # One foreground process: the test owns it and stops it by its pid.
        "daemon off;\nmaster_process off;\nevents {}\n"
        f"http {{\n  access_log off;\n{temp}  include {prefix}/shente.conf;\n}}\n",
        "utf-8",
    )
    return checked


def command(prefix: Path, *args: str) -> list[str]:
    """An nginx command line with every path of nginx's own inside the prefix."""
    nginx = require_nginx()
    log = str(prefix / "error.log")
    return [nginx, "-p", str(prefix), "-e", log, "-c", str(prefix / "nginx.conf"), *args]


def check(prefix: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the prepared prefix."""
    return subprocess.run(command(prefix, "-t", "-q"), capture_output=True, text=True, timeout=30)
