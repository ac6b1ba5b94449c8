"""User-controlled strings (annotations, images, messages) never become markup."""
from __future__ import annotations

import re

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural

from .helpers import HX, XSS, create, deployment, pod

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hostile(cluster):
    """Objects whose free-text fields carry a script tag (labels are validated, so the
    label value is a valid one that still looks odd; annotations and images are not)."""
    create(cluster, "pods", pod("evil", image=XSS, annotations={"note": XSS}, labels={"app": "evil"}))
    create(cluster, "deployments", deployment("evil-web", image=XSS))
    registry.create(cluster, by_plural("events"), "default", {
        "metadata": {"name": "evil.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "evil"},
        "reason": "Hostile", "message": XSS, "type": "Warning", "count": 1,
    })
    return cluster


def test_label_values_with_markup_are_refused_by_the_api_server(cluster):
    from kubeviz.apiserver.errors import StatusError

    with pytest.raises(StatusError) as exc:
        create(cluster, "pods", pod("labelled", labels={"app": XSS}))
    assert exc.value.code == 422


@pytest.mark.parametrize("url", [
    "/clusters/demo/",
    "/clusters/demo/?panel=pods",
    "/clusters/demo/panels/pods/",
    "/clusters/demo/panels/deployments/",
    "/clusters/demo/panels/events/",
    "/clusters/demo/panels/nodes/",
    "/clusters/demo/panels/services/",
    "/clusters/demo/objects/pods/default/evil/",
    "/clusters/demo/objects/deployments/default/evil-web/",
    "/clusters/demo/objects/events/default/evil.1/",
])
@pytest.mark.parametrize("htmx", [False, True])
def test_script_tags_are_escaped_everywhere(client, hostile, url, htmx):
    r = client.get(url, **(HX if htmx else {}))
    assert r.status_code == 200
    assert XSS.encode() not in r.content


def test_escaped_text_is_still_shown(client, hostile):
    pods = client.get("/clusters/demo/panels/pods/", **HX).content.decode()
    assert ESCAPED in pods
    events = client.get("/clusters/demo/panels/events/", **HX).content.decode()
    assert ESCAPED in events
    detail = client.get("/clusters/demo/objects/pods/default/evil/", **HX).content.decode()
    assert ESCAPED in detail  # the annotation, the image and the YAML
    # json_script escapes < and > inside the page's initial data
    page = client.get("/clusters/demo/").content.decode()
    assert "\\u003Cscript\\u003E" in page


def test_manifest_errors_and_results_are_escaped(client, cluster):
    text = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  annotations:\n    a: \"{XSS}\"\nspec:\n  containers:\n  - name: c\n    image: \"{XSS}\"\n"
    r = client.post("/clusters/demo/manifest/", {"text": text}, **HX)
    assert XSS.encode() not in r.content and ESCAPED.encode() in r.content
    bad = client.post("/clusters/demo/manifest/", {"text": f"kind: {XSS}\n"}, **HX)
    assert XSS.encode() not in bad.content


def test_templates_never_mark_data_safe():
    from django.conf import settings

    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        assert "|safe" not in text and "autoescape off" not in text, path
    for path in (settings.BASE_DIR / "static" / "js").glob("*.js"):
        code = path.read_text()
        assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", code), path
