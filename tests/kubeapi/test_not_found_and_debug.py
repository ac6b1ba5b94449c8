"""404 Status details as the real API server gives them, and pods/ephemeralcontainers
(kubectl debug)."""
from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def kv(live_server_kv):
    return live_server_kv.new_cluster()


@pytest.mark.parametrize("path,details", [
    ("/api/v1/namespaces/default/pods/nope", {"name": "nope", "kind": "pods"}),
    ("/apis/apps/v1/namespaces/default/deployments/nope/scale", {"name": "nope", "group": "apps", "kind": "deployments"}),
    ("/api/v1/namespaces/default/widgets/w", {"name": "w", "kind": "widgets"}),
    ("/apis/example.com/v1/namespaces/default/widgets", {"group": "example.com", "kind": "widgets"}),
    ("/api/v1/nodes/node-1/frobnicate", {"name": "node-1", "kind": "nodes"}),
])
def test_every_404_has_details(kv, path, details):
    r = kv.session().get(f"{kv.api}{path}")
    assert r.status_code == 404
    assert r.json()["details"] == details


def test_ephemeral_containers_subresource(kv):
    s = kv.session()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dbg"},
           "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
    assert s.post(f"{kv.api}/api/v1/namespaces/default/pods", json=pod).status_code == 201
    url = f"{kv.api}/api/v1/namespaces/default/pods/dbg/ephemeralcontainers"
    got = s.get(url).json()
    got["spec"]["ephemeralContainers"] = [{"name": "debugger", "image": "busybox", "stdin": True, "tty": True}]
    r = s.put(url, json=got)
    assert r.status_code == 200, r.text
    [added] = r.json()["spec"]["ephemeralContainers"]
    assert (added["name"], added["terminationMessagePolicy"]) == ("debugger", "File")
    r = s.patch(url, data=json.dumps({"spec": {"ephemeralContainers": []}}),
                headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert r.status_code == 200  # a strategic merge keeps what is there: nothing removed
    r = s.patch(url, data=json.dumps({"spec": {"ephemeralContainers": [{"name": "x", "image": "busybox"}]}}),
                headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 422 and "existing ephemeral containers may not be changed" in r.json()["message"]


@pytest.mark.kubectl
def test_kubectl_debug_adds_an_ephemeral_container(kv, kubectl_bin):
    kv.kubectl("run", "web", "--image=nginx")
    r = kv.kubectl("debug", "pod/web", "--image=busybox", "--container=dbg", check=False)
    assert "panic" not in r.stderr, r.stderr
    names = kv.kubectl("get", "pod", "web", "-o", "jsonpath={.spec.ephemeralContainers[*].name}").stdout
    assert names == "dbg"


CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: busybox}]
"""


@pytest.mark.kubectl
@pytest.mark.parametrize("server_side", [False, True])
def test_apply_of_an_unserved_kind_says_so(kv, tmp_path, kubectl_bin, server_side):
    from kubeviz.kubeapi.discovery import unserved

    if "CronJob" not in {s.kind for s in unserved()}:
        pytest.skip("CronJob is served now")
    path = tmp_path / "cj.yaml"
    path.write_text(CRONJOB)
    r = kv.kubectl("apply", *(["--server-side"] if server_side else []), "-f", str(path), check=False)
    assert r.returncode != 0
    assert "CronJob (batch/v1) is a Kubernetes kind that kubeviz does not serve yet" in r.stderr, r.stderr
    assert "no matches for kind" not in r.stderr
