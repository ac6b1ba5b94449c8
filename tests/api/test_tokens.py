"""Cluster tokens: nothing usable stored, rotation from the REST API and the dashboard, one
check for /k8s/ and the REST API, and the token never shown where it does not belong."""
from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.test import APIClient

from kubeviz.accounts.services import teacher_create
from kubeviz.clusters.services import cluster_create

NODES = "/k8s/{}/api/v1/nodes"
CLOCK = "/api/clusters/{}/clock/"


def kubeconfig_token(client: Client, name: str) -> str:
    r = client.get(f"/clusters/{name}/kubeconfig")
    assert r.status_code == 200
    return yaml.safe_load(r.content)["users"][0]["user"]["token"]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def works(token: str, name: str = "demo") -> tuple[int, int]:
    """What the token gets from the Kubernetes API and from a REST write."""
    k8s = Client().get(NODES.format(name), **bearer(token)).status_code
    rest = APIClient(enforce_csrf_checks=True).post(CLOCK.format(name), {"speed": 1}, format="json", **bearer(token)).status_code
    return k8s, rest


def test_the_database_holds_no_working_token(cluster, client):
    token = kubeconfig_token(client, "demo")
    out = io.StringIO()
    call_command("dumpdata", "clusters.cluster", stdout=out)
    assert token not in out.getvalue()
    assert works(token) == (200, 200)


def test_the_kubeconfig_can_be_downloaded_again_and_every_copy_works(cluster, client):
    assert kubeconfig_token(client, "demo") == kubeconfig_token(client, "demo")


def test_rotating_through_the_rest_api_stops_the_old_token_at_once(cluster, client):
    old = kubeconfig_token(client, "demo")
    api = APIClient(enforce_csrf_checks=True)
    r = api.post("/api/clusters/demo/token/rotate/", **bearer(old))
    assert r.status_code == 200 and r.json() == {"rotated": True, "kubeconfig": "/clusters/demo/kubeconfig"}
    assert old not in r.content.decode()
    assert works(old) == (401, 401)
    new = kubeconfig_token(client, "demo")
    assert new != old and works(new) == (200, 200)


def test_rotating_from_the_dashboard_needs_csrf(cluster, teacher):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(teacher)
    old = kubeconfig_token(browser, "demo")
    assert browser.post("/clusters/demo/actions/token-rotate/", HTTP_HX_REQUEST="true").status_code == 403
    assert works(old) == (200, 200)
    html = browser.get("/clusters/demo/").content.decode()
    assert 'id="token-rotate"' in html
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    r = browser.post("/clusters/demo/actions/token-rotate/", HTTP_X_CSRFTOKEN=csrf, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "download the kubeconfig again" in r.content.decode()
    assert works(old) == (401, 401)
    assert works(kubeconfig_token(browser, "demo")) == (200, 200)


def test_reset_keeps_the_token(cluster, client):
    token = kubeconfig_token(client, "demo")
    assert APIClient().post("/api/clusters/demo/reset/", **bearer(token)).status_code == 200
    assert works(token) == (200, 200)


@pytest.mark.parametrize(("who", "method", "expected"), [
    ("nobody", "post", 401),
    ("nobody", "get", 200),
    ("wrong", "post", 401),
    ("wrong", "get", 401),
    ("other-cluster", "post", 401),
    ("malformed", "post", 401),
    ("own", "post", 200),
    ("own-for-missing-cluster", "post", 404),
])
def test_rest_answers_by_credential(cluster, client, who, method, expected):
    cluster_create(name="other", fixture="demo")
    headers = {
        "nobody": {},
        "wrong": bearer("x" * 43),
        "other-cluster": bearer(kubeconfig_token(client, "other")),
        "malformed": {"HTTP_AUTHORIZATION": "Bearer"},
        "own": bearer(kubeconfig_token(client, "demo")),
        "own-for-missing-cluster": bearer(kubeconfig_token(client, "demo")),
    }[who]
    name = "missing" if who == "own-for-missing-cluster" else "demo"
    api = APIClient(enforce_csrf_checks=True)
    r = getattr(api, method)(CLOCK.format(name), {"speed": 1} if method == "post" else None, format="json", **headers)
    assert r.status_code == expected
    if expected >= 400:
        body = r.json()
        assert body["kind"] == "Status" and body["code"] == expected and body["message"]
    if expected == 401:  # no credentials at all is 401 too, as for a wrong token
        assert r["WWW-Authenticate"] == 'Bearer realm="kubeviz"'


def test_the_token_is_shown_only_in_the_kubeconfig(cluster, client, caplog):
    caplog.set_level(logging.DEBUG)
    token = kubeconfig_token(client, "demo")
    pages = ["/", "/clusters/demo/", "/clusters/demo/state/", "/api/clusters/", "/api/clusters/demo/steps/",
             "/api/schema/", *(f"/clusters/demo/panels/{p}/" for p in ("nodes", "pods", "deployments", "services", "events"))]
    for url in pages:
        r = client.get(url, **bearer(token))
        assert r.status_code == 200, url
        assert token not in r.content.decode(), url
    Client().get(NODES.format("demo"), **bearer(token[:-1] + "A"))  # a refused token is not logged either
    APIClient().post(CLOCK.format("demo"), {"speed": 0}, format="json", **bearer(token))
    assert token not in caplog.text and token[:-1] not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_migrating_replaces_plain_tokens_by_salts():
    before = [("etcd", "0004_remove_entry_labels_alter_change_prev_value_and_more")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("etcd", "Cluster")
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for name in ("one", "two"):
        old.objects.create(name=name, token=f"plain-{name}", sim_time=stamp, sim_anchor=stamp)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from kubeviz.clusters.models import Cluster

    salts = {c.name: c.token_salt for c in Cluster.objects.filter(name__in=["one", "two"])}
    assert len(set(salts.values())) == 2 and all(len(s) >= 32 for s in salts.values())
    client = Client()
    client.force_login(teacher_create(name="teacher", password="projector-in-room-7")[0])
    assert Client().get(NODES.format("one"), **bearer("plain-one")).status_code == 401
    assert Client().get(NODES.format("one"), **bearer(kubeconfig_token(client, "one"))).status_code == 200
