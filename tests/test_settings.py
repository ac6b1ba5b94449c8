"""Settings as each process loads them: the secret key, the production profile, hosts.

Settings are read once per process, so each case runs a fresh ``manage.py`` or Python.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOW = ("import django, json, sys; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({n: getattr(s, n) for n in sys.argv[1:]}))")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "HOST", "KUBEVIZ_PRODUCTION", "KUBEVIZ_TLS_PROXY")}
    env.update(DJANGO_SETTINGS_MODULE="kubeviz.settings", KUBEVIZ_SECRET_KEY_FILE=str(tmp_path / "var" / "secret_key"),
               KUBEVIZ_SQLITE_PATH=str(tmp_path / "db.sqlite3"), **extra)
    return env


def _settings(tmp_path: Path, *names: str, **env: str) -> dict:
    out = subprocess.run([sys.executable, "-c", SHOW, *names], cwd=ROOT, env=_env(tmp_path, **env),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_secret_key_is_generated_once_kept_private_and_never_a_known_one(tmp_path):
    key = _settings(tmp_path, "SECRET_KEY")["SECRET_KEY"]
    path = tmp_path / "var" / "secret_key"
    assert path.read_text().strip() == key and len(key) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _settings(tmp_path, "SECRET_KEY")["SECRET_KEY"] == key  # kept across runs
    other = tmp_path / "other"
    other.mkdir()
    assert _settings(other, "SECRET_KEY")["SECRET_KEY"] != key  # each installation its own
    assert _settings(tmp_path, "SECRET_KEY", DJANGO_SECRET_KEY="from-the-environment")["SECRET_KEY"] == "from-the-environment"


def test_an_empty_key_file_is_refused_clearly(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("")
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode != 0 and "is empty: delete it to generate a new secret key" in out.stderr


@pytest.mark.parametrize("proxy", ["0", "1"])
def test_production_profile_passes_check_deploy(tmp_path, proxy):
    env = _env(tmp_path, KUBEVIZ_PRODUCTION="1", ALLOWED_HOSTS="kubeviz.example.org", KUBEVIZ_TLS_PROXY=proxy)
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout
    found = _settings(tmp_path, "DEBUG", "SECURE_PROXY_SSL_HEADER", "ALLOWED_HOSTS",
                      KUBEVIZ_PRODUCTION="1", ALLOWED_HOSTS="kubeviz.example.org", KUBEVIZ_TLS_PROXY=proxy, DJANGO_DEBUG="1")
    assert found["DEBUG"] is False and found["ALLOWED_HOSTS"] == ["kubeviz.example.org"]
    assert found["SECURE_PROXY_SSL_HEADER"] == (["HTTP_X_FORWARDED_PROTO", "https"] if proxy == "1" else None)


def test_production_profile_needs_allowed_hosts(tmp_path):
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=_env(tmp_path, KUBEVIZ_PRODUCTION="1"),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "KUBEVIZ_PRODUCTION=1 needs ALLOWED_HOSTS" in out.stderr


@pytest.mark.parametrize(("host", "allowed"), [
    ("10.1.2.3", "10.1.2.3"),
    ("0.0.0.0", "0.0.0.0"),
    ("fd00::5", "[fd00::5]"),
])
def test_the_host_kubeconfigs_point_at_is_allowed(tmp_path, host, allowed):
    hosts = _settings(tmp_path, "ALLOWED_HOSTS", HOST=host)["ALLOWED_HOSTS"]
    assert allowed in hosts and "127.0.0.1" in hosts


@pytest.mark.parametrize("host", ["127.0.0.1:8443", "localhost:8443", "[::1]:8443", "127.0.0.1"])
def test_kubectl_host_and_port_pass_the_host_check(client, host):
    r = client.get("/k8s/none/api", HTTP_HOST=host)
    assert r.status_code == 401  # reached the API server's authentication, not refused as a bad host
