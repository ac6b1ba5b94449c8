"""Applying manifests like kubectl apply: all documents or none."""
from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kubeviz.apiserver import registry
from kubeviz.apiserver.apply import LAST_APPLIED, MAX_MANIFEST_BYTES, manifest_apply, three_way_merge
from kubeviz.flow.models import Step

from .helpers import HX, get

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
"""
BAD_SELECTOR = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: 1
  selector:
    matchLabels:
      app: one
  template:
    metadata:
      labels:
        app: two
    spec:
      containers:
      - name: c
        image: nginx
"""


def names(cluster, plural):
    return sorted(o["metadata"]["name"] for o in registry.objects(cluster, plural))


def test_multi_document_manifest_creates_everything(client, cluster):
    text = DEPLOYMENT.format(replicas=3) + "---\n" + SERVICE
    r = client.post("/clusters/demo/manifest/", {"text": text}, **HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="manifest-result"' in html and "document 1: Deployment" in html and "document 2: Service" in html
    assert html.count("<strong>created</strong>") == 2
    assert r["HX-Trigger"] == "kv-refresh"
    assert names(cluster, "deployments") == ["web"]
    assert "web" in names(cluster, "services")
    dep = get(cluster, "deployments", "default", "web")
    applied = json.loads(dep["metadata"]["annotations"][LAST_APPLIED])
    assert applied["spec"]["replicas"] == 3 and applied["metadata"] == {"name": "web"}


def test_applying_twice_updates_without_duplicates(cluster):
    first = manifest_apply(cluster=cluster, text=DEPLOYMENT.format(replicas=3))
    assert first.ok and [a.action for a in first.applied] == ["created"]
    rv1 = get(cluster, "deployments", "default", "web")["metadata"]["resourceVersion"]
    same = manifest_apply(cluster=cluster, text=DEPLOYMENT.format(replicas=3))
    assert same.ok and [a.action for a in same.applied] == ["unchanged"]
    assert get(cluster, "deployments", "default", "web")["metadata"]["resourceVersion"] == rv1
    second = manifest_apply(cluster=cluster, text=DEPLOYMENT.format(replicas=5))
    assert second.ok and [a.action for a in second.applied] == ["configured"]
    dep = get(cluster, "deployments", "default", "web")
    assert dep["spec"]["replicas"] == 5
    assert int(dep["metadata"]["resourceVersion"]) > int(rv1)
    assert dep["metadata"]["generation"] == 2
    assert json.loads(dep["metadata"]["annotations"][LAST_APPLIED])["spec"]["replicas"] == 5
    assert names(cluster, "deployments") == ["web"]


def test_apply_keeps_what_others_wrote(cluster):
    """A field the manifest never set (an annotation a controller added) survives apply,
    a field removed from the manifest since the last apply is removed."""
    text = DEPLOYMENT.format(replicas=1).replace("  name: web\n", "  name: web\n  labels:\n    tier: front\n", 1)
    assert manifest_apply(cluster=cluster, text=text).ok
    dep = get(cluster, "deployments", "default", "web")
    dep["metadata"]["annotations"]["example.com/owner"] = "team-a"
    registry.update(cluster, __import__("kubeviz.apiserver.resources", fromlist=["by_plural"]).by_plural("deployments"),
                    "default", "web", dep)
    assert manifest_apply(cluster=cluster, text=DEPLOYMENT.format(replicas=1)).ok
    dep = get(cluster, "deployments", "default", "web")
    assert dep["metadata"]["annotations"]["example.com/owner"] == "team-a"
    assert "tier" not in (dep["metadata"].get("labels") or {})


def test_three_way_merge():
    current = {"a": 1, "b": {"x": 1, "y": 2}, "c": 3, "keep": True}
    original = {"a": 1, "b": {"x": 1, "y": 2}, "c": 3}
    modified = {"a": 2, "b": {"x": 1}}
    assert three_way_merge(current, original, modified) == {"a": 2, "b": {"x": 1}, "keep": True}


def test_steps_say_the_form_sent_the_request(cluster):
    before = Step.objects.filter(cluster=cluster).count()
    assert manifest_apply(cluster=cluster, text=SERVICE).ok
    steps = list(Step.objects.filter(cluster=cluster).order_by("seq"))[before:]
    assert [(s.step, s.source, s.target, s.client) for s in steps[:2]] == [
        (1, "client", "apiserver", "form"), (2, "apiserver", "etcd", ""),
    ]
    assert "YAML form" in steps[0].message and steps[0].name == "web" and steps[0].kind == "Service"


def test_invalid_yaml_reports_document_and_line_and_creates_nothing(client, cluster):
    text = SERVICE + "---\napiVersion: v1\nkind: Pod\n  name: bad\n"
    r = client.post("/clusters/demo/manifest/", {"text": text}, **HX)
    html = r.content.decode()
    assert 'id="manifest-errors"' in html
    assert "document 2, line 13, column 7" in html  # SERVICE is 9 lines, then ---
    assert "Nothing was applied" in html
    assert names(cluster, "services") == ["kubernetes"]
    assert "HX-Trigger" not in r
    # the text stays in the form, to be fixed
    assert "name: bad" in html


def test_yaml_error_in_document_2_line_3():
    result = manifest_apply(cluster=None, text="a: 1\n---\nb: [1,\n")  # never reaches the cluster
    (error,) = result.errors
    assert error.document == 2 and error.where.startswith("document 2, line")


def test_invalid_object_in_document_2_rolls_back_document_1(client, cluster):
    before = Step.objects.filter(cluster=cluster).count()
    revision = type(cluster).objects.get(pk=cluster.pk).revision
    text = SERVICE + "---\n" + BAD_SELECTOR
    r = client.post("/clusters/demo/manifest/", {"text": text}, **HX)
    html = r.content.decode()
    assert "document 2" in html and "`selector` does not match template `labels`" in html
    assert "Nothing was applied" in html
    assert names(cluster, "services") == ["kubernetes"]  # document 1 was rolled back
    assert names(cluster, "deployments") == []
    assert type(cluster).objects.get(pk=cluster.pk).revision == revision
    # only the refusal is recorded, as a step 1 from the form
    steps = list(Step.objects.filter(cluster=cluster).order_by("seq"))[before:]
    assert [(s.step, s.client, s.name) for s in steps] == [(1, "form", "broken")]
    assert "refused with 422 Invalid" in steps[0].message


def test_invalid_object_error_points_at_the_field_line(cluster):
    result = manifest_apply(cluster=cluster, text=SERVICE + "---\n" + BAD_SELECTOR)
    (error,) = result.errors
    assert error.document == 2
    # SERVICE is 9 lines and "---" is line 10: the template's labels are on line 22
    assert error.line == 22
    assert any("spec.template.metadata.labels" in c for c in error.causes)


def test_every_document_is_checked_before_anything_is_written(cluster):
    text = SERVICE + "---\napiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n---\napiVersion: v1\nkind: Pod\nmetadata: {}\n"
    result = manifest_apply(cluster=cluster, text=text)
    assert [e.document for e in result.errors] == [2, 3]
    assert 'kind "Gizmo"' in result.errors[0].message
    assert "name may not be empty" in result.errors[1].message
    assert names(cluster, "services") == ["kubernetes"]


def test_aliases_are_refused(client, cluster):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: &x\n  k: v\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata: *x\n"
    r = client.post("/clusters/demo/manifest/", {"text": text}, **HX)
    html = r.content.decode()
    assert "anchors are not allowed" in html or "aliases are not allowed" in html
    assert "document 1, line 5" in html
    assert names(cluster, "configmaps") == [] or "a" not in names(cluster, "configmaps")


def test_oversize_manifest_is_refused_before_parsing(client, cluster):
    text = "# " + "x" * MAX_MANIFEST_BYTES + "\n" + SERVICE
    result = manifest_apply(cluster=cluster, text=text)
    assert not result.ok and "limit is 1048576 bytes" in result.errors[0].message
    upload = SimpleUploadedFile("big.yaml", text.encode(), content_type="application/yaml")
    r = client.post("/clusters/demo/manifest/", {"file": upload}, **HX)
    assert b"limit is 1048576 bytes" in r.content
    assert names(cluster, "services") == ["kubernetes"]


def test_file_upload_applies(client, cluster):
    upload = SimpleUploadedFile("svc.yaml", SERVICE.encode(), content_type="application/yaml")
    r = client.post("/clusters/demo/manifest/", {"file": upload, "text": ""}, **HX)
    assert b"<strong>created</strong>" in r.content
    assert "web" in names(cluster, "services")


def test_plain_post_renders_a_page_with_400_on_errors(client, cluster):
    r = client.post("/clusters/demo/manifest/", {"text": "kind: [\n"})
    assert r.status_code == 400 and b"<html" in r.content and b"Nothing was applied" in r.content
    ok = client.post("/clusters/demo/manifest/", {"text": SERVICE})
    assert ok.status_code == 200 and b"<html" in ok.content


def test_empty_manifest(cluster):
    result = manifest_apply(cluster=cluster, text="---\n# nothing\n")
    assert not result.ok and "no objects" in result.errors[0].message


def test_samples_are_offered_and_load(client, cluster):
    page = client.get("/clusters/demo/").content.decode()
    for sample in ("01-nginx-deployment-service", "04-crashloop-pod", "05-image-typo", "06-unschedulable-pod"):
        assert f'value="{sample}"' in page
    r = client.get("/clusters/demo/manifest/?sample=04-crashloop-pod", **HX)
    html = r.content.decode()
    assert html.lstrip().startswith('<section id="manifest"')
    assert "busybox" in html and "sleep 3; exit 1" in html
    assert client.get("/clusters/demo/manifest/?sample=../../settings", **HX).status_code == 200


@pytest.mark.parametrize("sample", ["01-nginx-deployment-service", "02-daemonset", "03-job", "04-crashloop-pod",
                                    "05-image-typo", "06-unschedulable-pod"])
def test_samples_apply_cleanly(cluster, sample):
    from django.conf import settings

    text = (settings.BASE_DIR / "fixtures" / "manifests" / f"{sample}.yaml").read_text()
    result = manifest_apply(cluster=cluster, text=text)
    if not result.ok and "does not serve this kind yet" in result.errors[0].message:
        pytest.skip(result.errors[0].message)
    assert result.ok, [str(e) for e in result.errors]


def test_samples_use_images_the_simulated_registry_has():
    from django.conf import settings

    from kubeviz.runtime.images import resolve

    for path in (settings.BASE_DIR / "fixtures" / "manifests").glob("*.yaml"):
        for line in path.read_text().splitlines():
            if line.strip().startswith("image:"):
                image = line.split(":", 1)[1].strip()
                assert resolve(image).exists == (image != "ngnix"), (path.name, image)


def test_a_list_is_applied_item_by_item(cluster):
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: one
  data: {a: "1"}
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: two
  data: {b: "2"}
"""
    result = manifest_apply(cluster=cluster, text=text)
    assert result.ok and [(a.document, a.name, a.action) for a in result.applied] == [(1, "one", "created"), (1, "two", "created")]
    assert {"one", "two"} <= set(names(cluster, "configmaps"))


def test_every_documents_refusals_point_at_their_field_lines(cluster):
    text = SERVICE + "---\napiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n---\napiVersion: v1\nkind: Pod\nmetadata: {}\n"
    # SERVICE is 9 lines; "---" is line 10, so document 2's kind is on line 12 and
    # document 3's metadata (which lacks a name) on line 18
    result = manifest_apply(cluster=cluster, text=text)
    assert [(e.document, e.line) for e in result.errors] == [(2, 12), (3, 18)]


def test_refusals_shown_in_the_form_quote_no_regular_expression(cluster):
    bad = SERVICE.replace("name: web", "name: Web_Service", 1)
    result = manifest_apply(cluster=cluster, text=bad)
    (error,) = result.errors
    shown = " ".join([error.message, *error.causes])
    assert "(e.g. 'example.com')" in shown
    assert "regex" not in shown and "[a-z0-9]" not in shown
