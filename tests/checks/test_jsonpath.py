"""The kubectl JSONPath subset checks use."""
from __future__ import annotations

import pytest

from kubeviz.checks.jsonpath import JsonPathError, parse

POD = {
    "metadata": {"name": "web-1", "labels": {"app": "web", "app.kubernetes.io/name": "web"}},
    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}, {"name": "sidecar", "image": "busybox"}]},
    "status": {
        "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "nginx", "restartCount": 2, "ready": True}, {"name": "sidecar", "restartCount": 0, "ready": False}],
    },
}

CASES = [
    ("{.metadata.name}", ["web-1"]),
    (".metadata.name", ["web-1"]),
    ("{$.metadata.name}", ["web-1"]),
    ("{.spec.containers[0].image}", ["nginx:1.27"]),
    ("{.spec.containers[-1].name}", ["sidecar"]),
    ("{.spec.containers[*].name}", ["nginx", "sidecar"]),
    ("{.spec.containers[0:1].name}", ["nginx"]),
    ("{.metadata.labels.*}", ["web", "web"]),
    ("{.metadata.labels['app.kubernetes.io/name']}", ["web"]),
    (r"{.metadata.labels.app\.kubernetes\.io/name}", ["web"]),
    ('{.status.conditions[?(@.type=="Ready")].status}', ["False"]),
    ("{.status.conditions[?(@.type!='Ready')].type}", ["PodScheduled"]),
    ("{.status.containerStatuses[?(@.restartCount>1)].name}", ["nginx"]),
    ("{.status.containerStatuses[?(@.ready==true)].name}", ["nginx"]),
    ("{.status.containerStatuses[?(@.ready)].name}", ["nginx", "sidecar"]),
    ("{.spec.nodeName}", []),
    ("{.spec.containers[5].name}", []),
    ("{.metadata.name.first}", []),
]


@pytest.mark.parametrize(("path", "results"), CASES)
def test_find(path, results):
    assert parse(path).find(POD) == results


@pytest.mark.parametrize(("path", "message"), [
    ("", "is empty"),
    ("{}", "is empty"),
    ("metadata.name", "must start with '.' or '[': 'metadata.name'"),
    ("{.metadata", "unclosed action: '{.metadata'"),
    ("{..name}", "recursive descent (..) is not supported"),
    ("{.spec.containers[0}", "unterminated '[' in '{.spec.containers[0}'"),
    ("{.spec.containers[?(@.name=~/x/)]}", "unsupported expression [?(@.name=~/x/)] in '{.spec.containers[?(@.name=~/x/)]}'"),
])
def test_refused(path, message):
    with pytest.raises(JsonPathError) as caught:
        parse(path)
    assert str(caught.value) == message
