"""PriorityClass (and the Priority admission plugin on pods), PodTemplate and
ControllerRevision strategies: defaults and Kubernetes' messages, table-driven."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural


def create(cluster, plural: str, body: dict, namespace: str | None = "default") -> dict:
    return registry.create(cluster, by_plural(plural), namespace if by_plural(plural).namespaced else None, body)


def pod(name: str = "p", **spec) -> dict:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], **spec}}


def test_system_classes_exist_in_a_new_cluster(cluster):
    classes = {c["metadata"]["name"]: c["value"] for c in registry.objects(cluster, "priorityclasses")}
    assert classes == {"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}


@pytest.mark.parametrize("classes,spec,priority,policy", [
    ([], {}, 0, "PreemptLowerPriority"),
    ([{"name": "high", "value": 1000}], {"priorityClassName": "high"}, 1000, "PreemptLowerPriority"),
    ([{"name": "polite", "value": 10, "preemptionPolicy": "Never"}], {"priorityClassName": "polite"}, 10, "Never"),
    ([{"name": "base", "value": 5, "globalDefault": True}], {}, 5, "PreemptLowerPriority"),
    ([], {"priorityClassName": "system-node-critical"}, 2000001000, "PreemptLowerPriority"),
])
def test_admission_resolves_the_class(cluster, classes, spec, priority, policy):
    for c in classes:
        create(cluster, "priorityclasses", {"metadata": {"name": c["name"]}, **{k: v for k, v in c.items() if k != "name"}})
    got = create(cluster, "pods", pod(**spec))["spec"]
    assert (got["priority"], got["preemptionPolicy"]) == (priority, policy)
    if any(c.get("globalDefault") for c in classes):
        assert got["priorityClassName"] == "base"


@pytest.mark.parametrize("spec,message", [
    ({"priorityClassName": "missing"}, 'pods "p" is forbidden: no PriorityClass with name missing was found'),
    ({"priority": 7}, 'pods "p" is forbidden: the integer value of priority (7) must not be provided in pod spec; '
                      "priority admission controller computed 0 from the given PriorityClass name"),
])
def test_admission_refusals(cluster, spec, message):
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "pods", pod(**spec))
    assert (exc.value.code, exc.value.message) == (403, message)


@pytest.mark.parametrize("body,message", [
    ({"metadata": {"name": "system-mine"}, "value": 5},
     "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only"),
    ({"metadata": {"name": "huge"}, "value": 1000000001},
     "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"),
    ({"metadata": {"name": "odd"}, "value": 1, "preemptionPolicy": "Sometimes"},
     'preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"'),
])
def test_priority_class_validation(cluster, body, message):
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "priorityclasses", body)
    assert message in exc.value.message


def test_only_one_global_default_and_value_is_immutable(cluster):
    create(cluster, "priorityclasses", {"metadata": {"name": "a"}, "value": 1, "globalDefault": True})
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "priorityclasses", {"metadata": {"name": "b"}, "value": 2, "globalDefault": True})
    assert "PriorityClass a is already marked as default. Only one default can exist" in exc.value.message
    with pytest.raises(errors.StatusError) as exc:
        registry.patch(cluster, by_plural("priorityclasses"), None, "a", "application/merge-patch+json", {"value": 3})
    assert "value: Forbidden: may not be changed in an update." in exc.value.message


def test_pod_template_defaults_and_validation(cluster):
    created = create(cluster, "podtemplates", {"metadata": {"name": "t"}, "template": {
        "metadata": {"labels": {"app": "t"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}})
    assert created["template"]["spec"]["restartPolicy"] == "Always"
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "podtemplates", {"metadata": {"name": "bad"}, "template": {"spec": {"containers": []}}})
    assert "template.spec.containers: Required value" in exc.value.message


def test_controller_revision_data_is_immutable(cluster):
    create(cluster, "controllerrevisions", {"metadata": {"name": "r"}, "revision": 1, "data": {"a": 1}})
    with pytest.raises(errors.StatusError) as exc:
        registry.patch(cluster, by_plural("controllerrevisions"), "default", "r", "application/merge-patch+json", {"data": {"a": 2}})
    assert "data: Invalid value" in exc.value.message and "field is immutable" in exc.value.message
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "controllerrevisions", {"metadata": {"name": "s"}, "data": {}})
    assert "revision: Required value" in exc.value.message
