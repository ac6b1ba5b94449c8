"""fieldValidation=Strict|Warn|Ignore on create, update and patch, through HTTP and kubectl."""
from __future__ import annotations

import json

import pytest

from tests.kubeapi import tutorial_kinds
from tests.liveserver import kubectl_version_binary

DEPLOY = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicass": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx", "imagee": "x"}]}},
    },
}
UNKNOWN = ['unknown field "spec.replicass"', 'unknown field "spec.template.spec.containers[0].imagee"']
PATH = "/apis/apps/v1/namespaces/default/deployments"


@pytest.fixture(scope="module")
def kv(live_server_kv):
    """One cluster for the module (a cluster takes seconds to make); tests use their own names."""
    return live_server_kv.new_cluster()


def named(name: str, typo: bool = True) -> dict:
    body = json.loads(json.dumps(DEPLOY))
    body["metadata"]["name"] = name
    if not typo:
        body["spec"]["replicas"] = body["spec"].pop("replicass")
        del body["spec"]["template"]["spec"]["containers"][0]["imagee"]
    return body


@pytest.mark.parametrize("directive,code,warnings", [
    ("Strict", 400, None),
    ("Warn", 201, UNKNOWN),
    ("", 201, UNKNOWN),  # the API server's default is Warn
    ("Ignore", 201, []),
])
def test_create_unknown_fields(kv, directive, code, warnings):
    params = {"fieldValidation": directive} if directive else {}
    r = kv.session().post(f"{kv.api}{PATH}", json=named(f"c-{directive.lower() or 'default'}"), params=params)
    assert r.status_code == code, r.text
    if code == 400:
        assert r.json()["reason"] == "BadRequest"
        assert r.json()["message"] == (
            'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' + ", ".join(UNKNOWN)
        )
        return
    header = r.headers.get("Warning", "")
    assert header == ", ".join('299 - "' + w.replace('"', '\\"') + '"' for w in warnings)
    spec = r.json()["spec"]
    assert "replicass" not in spec and "imagee" not in spec["template"]["spec"]["containers"][0]


def test_duplicate_field_in_json_is_refused_when_strict(kv):
    body = json.dumps(named("dup")).replace('"replicass": 2', '"replicas": 2, "replicas": 3').replace(', "imagee": "x"', "")
    r = kv.session().post(
        f"{kv.api}{PATH}?fieldValidation=Strict", data=body, headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["message"].endswith('strict decoding error: duplicate field "spec.replicas"')


@pytest.mark.parametrize("method,content_type,body", [
    ("patch", "application/merge-patch+json", {"spec": {"replicass": 4}}),
    ("patch", "application/strategic-merge-patch+json", {"spec": {"replicass": 4, "replicas": 1}}),
])
def test_patch_unknown_field(kv, method, content_type, body):
    name = "p-" + content_type.split("/")[1].split("-")[0]
    s = kv.session()
    assert s.post(f"{kv.api}{PATH}", json=named(name, typo=False)).status_code == 201
    url = f"{kv.api}{PATH}/{name}"
    r = s.patch(url, data=json.dumps(body), params={"fieldValidation": "Strict"}, headers={"Content-Type": content_type})
    assert r.status_code == 400 and r.json()["message"].endswith('strict decoding error: unknown field "spec.replicass"')
    r = s.patch(url, data=json.dumps(body), headers={"Content-Type": content_type})
    assert r.status_code == 200 and r.headers["Warning"] == '299 - "unknown field \\"spec.replicass\\""'


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", ["kubectl.1.27", "kubectl.1.33"])
def test_kubectl_sends_strict(kv, tmp_path, binary):
    if kubectl_version_binary(binary) is None:
        pytest.skip(f"{binary} is not on PATH")
    path = tmp_path / "web.json"
    name = "k" + binary.replace(".", "-")
    path.write_text(json.dumps(named(name)))
    r = kv.kubectl_as(binary, "apply", "-f", str(path), check=False)
    assert r.returncode != 0
    assert 'strict decoding error: unknown field "spec.replicass"' in r.stderr
    r = kv.kubectl_as(binary, "apply", "--validate=warn", "-f", str(path))
    assert 'Warning: unknown field "spec.replicass"' in r.stderr
    assert f"deployment.apps/{name} created" in r.stdout


TUTORIAL = tutorial_kinds.documents()


@pytest.mark.parametrize("kind,name,path,field", tutorial_kinds.TYPOS, ids=[f"{t[0]}-{t[1]}" for t in tutorial_kinds.TYPOS])
def test_strict_finds_a_typo_deep_in_every_new_kind(kv, kind, name, path, field):
    body = tutorial_kinds.with_typo(tutorial_kinds.find(kind, name), path, field)
    r = kv.session().post(f"{kv.api}{tutorial_kinds.collection_path(body)}",
                          json=body, params={"fieldValidation": "Strict", "dryRun": "All"})
    assert r.status_code == 400, r.text
    assert r.json()["message"].endswith(f'strict decoding error: unknown field "{path}.{field}"')


@pytest.mark.parametrize("body", TUTORIAL, ids=[f"{d['kind']}-{d.get('metadata', {}).get('name', '')}" for d in TUTORIAL])
def test_tutorial_manifests_of_every_new_kind_pass_strict(kv, body):
    r = kv.session().post(f"{kv.api}{tutorial_kinds.collection_path(body)}",
                          json=body, params={"fieldValidation": "Strict", "dryRun": "All"})
    assert r.status_code in (200, 201), r.text
    assert "Warning" not in r.headers
