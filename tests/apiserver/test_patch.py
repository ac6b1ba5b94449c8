"""The three patch types: RFC 7386 merge patch, RFC 6902 JSON patch, strategic merge patch.

Strategic merge rules: kubernetes/community contributors/devel/sig-api-machinery/
strategic-merge-patch.md and the patchMergeKey/patchStrategy tags of the core/v1 types.
"""
from __future__ import annotations

import copy

import pytest

from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
    json_patch,
    merge_patch,
    strategic_merge,
)

# ---- JSON merge patch: the examples of RFC 7386, appendix A ------------------------------------


@pytest.mark.parametrize("target,patch,result", [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
])
def test_merge_patch_rfc7386(target, patch, result):
    original = copy.deepcopy(target)
    assert merge_patch(target, patch) == result
    assert target == original  # the input is not modified


def test_merge_patch_through_apply_patch_needs_an_object():
    assert apply_patch({"a": 1}, MERGE_PATCH, {"b": 2}) == {"a": 1, "b": 2}
    with pytest.raises(StatusError) as info:
        apply_patch({"a": 1}, MERGE_PATCH, [{"op": "add"}])
    assert info.value.code == 400


# ---- JSON patch ---------------------------------------------------------------------------------

DOC = {"metadata": {"name": "web", "labels": {"a/b": "1"}}, "spec": {"replicas": 1, "list": ["x", "y"]}}


@pytest.mark.parametrize("ops,result", [
    ([{"op": "add", "path": "/spec/paused", "value": True}], {**DOC, "spec": {**DOC["spec"], "paused": True}}),
    ([{"op": "add", "path": "/spec/list/1", "value": "new"}], {**DOC, "spec": {"replicas": 1, "list": ["x", "new", "y"]}}),
    ([{"op": "add", "path": "/spec/list/-", "value": "z"}], {**DOC, "spec": {"replicas": 1, "list": ["x", "y", "z"]}}),
    ([{"op": "add", "path": "/spec/list/2", "value": "z"}], {**DOC, "spec": {"replicas": 1, "list": ["x", "y", "z"]}}),
    ([{"op": "add", "path": "/spec/replicas", "value": 3}], {**DOC, "spec": {"replicas": 3, "list": ["x", "y"]}}),
    ([{"op": "remove", "path": "/spec/list/0"}], {**DOC, "spec": {"replicas": 1, "list": ["y"]}}),
    ([{"op": "remove", "path": "/metadata/labels/a~1b"}], {**DOC, "metadata": {"name": "web", "labels": {}}}),
    ([{"op": "replace", "path": "/spec/replicas", "value": 5}], {**DOC, "spec": {"replicas": 5, "list": ["x", "y"]}}),
    ([{"op": "replace", "path": "/spec/list/1", "value": "Y"}], {**DOC, "spec": {"replicas": 1, "list": ["x", "Y"]}}),
    ([{"op": "move", "from": "/spec/replicas", "path": "/spec/count"}], {**DOC, "spec": {"list": ["x", "y"], "count": 1}}),
    ([{"op": "move", "from": "/spec/list/0", "path": "/spec/list/-"}], {**DOC, "spec": {"replicas": 1, "list": ["y", "x"]}}),
    ([{"op": "copy", "from": "/metadata/name", "path": "/spec/name"}],
     {**DOC, "spec": {"replicas": 1, "list": ["x", "y"], "name": "web"}}),
    ([{"op": "test", "path": "/spec/list", "value": ["x", "y"]}, {"op": "test", "path": "/metadata/labels/a~1b", "value": "1"}],
     DOC),
    ([], DOC),
])
def test_json_patch_operations(ops, result):
    original = copy.deepcopy(DOC)
    assert json_patch(DOC, ops) == result
    assert apply_patch(DOC, JSON_PATCH, ops) == result
    assert original == DOC


def test_json_patch_operations_apply_in_order():
    ops = [
        {"op": "add", "path": "/spec/tmp", "value": {"k": "v"}},
        {"op": "copy", "from": "/spec/tmp", "path": "/spec/copy"},
        {"op": "replace", "path": "/spec/copy/k", "value": "changed"},
        {"op": "remove", "path": "/spec/tmp"},
        {"op": "test", "path": "/spec/copy", "value": {"k": "changed"}},
    ]
    assert json_patch(DOC, ops)["spec"] == {"replicas": 1, "list": ["x", "y"], "copy": {"k": "changed"}}


@pytest.mark.parametrize("ops,code,needle", [
    ({"op": "add"}, 400, "cannot unmarshal object"),
    (["add"], 400, "cannot unmarshal"),
    ([{"op": "add", "path": "/spec/x"}], 400, 'missing value for "add" operation'),
    ([{"op": "replace", "path": "/spec/x"}], 400, 'missing value for "replace" operation'),
    ([{"op": "test", "path": "/spec/replicas", "value": 2}], 422, "testing value /spec/replicas failed"),
    ([{"op": "test", "path": "/spec/nope", "value": 1}], 422, 'doc is missing path: "/spec/nope"'),
    ([{"op": "replace", "path": "/spec/nope", "value": 1}], 422, 'doc is missing path: "/spec/nope"'),
    ([{"op": "remove", "path": "/spec/nope"}], 422, 'remove operation does not apply: doc is missing path: "/spec/nope"'),
    ([{"op": "remove", "path": "/spec/list/5"}], 422, "remove operation does not apply"),
    ([{"op": "remove", "path": ""}], 422, "remove operation does not apply"),
    ([{"op": "add", "path": "/nope/deeper", "value": 1}], 422, 'doc is missing path: "/nope/deeper"'),
    ([{"op": "add", "path": "/spec/list/9", "value": 1}], 422, "add operation does not apply"),
    ([{"op": "add", "path": "/spec/replicas/x", "value": 1}], 422, "doc is missing path"),
    ([{"op": "move", "from": "/spec/nope", "path": "/spec/x"}], 422, "doc is missing path"),
    ([{"op": "copy", "from": "/spec/nope", "path": "/spec/x"}], 422, "doc is missing path"),
    ([{"op": "add", "path": "spec/x", "value": 1}], 422, 'invalid JSON pointer "spec/x"'),
    ([{"op": "frobnicate", "path": "/spec"}], 422, "Unexpected kind: frobnicate"),
    ([{"path": "/spec"}], 422, "Unexpected kind: unknown"),
    ([{"op": "replace", "path": "", "value": {}}], 422, 'replace operation does not apply: doc is missing path: ""'),
    ([{"op": "add", "path": "", "value": [1]}], 400, "the patch must leave an object"),
])
def test_json_patch_failures(ops, code, needle):
    with pytest.raises(StatusError) as info:
        json_patch(DOC, ops)
    assert info.value.code == code
    assert info.value.reason == ("BadRequest" if code == 400 else "Invalid")
    assert needle in info.value.message


def test_a_failing_operation_leaves_the_document_alone():
    doc = copy.deepcopy(DOC)
    with pytest.raises(StatusError):
        json_patch(doc, [{"op": "replace", "path": "/spec/replicas", "value": 9}, {"op": "test", "path": "/spec/replicas", "value": 1}])
    assert doc == DOC


# ---- strategic merge patch -------------------------------------------------------------------


def smp(original, patch):
    result = apply_patch(copy.deepcopy(original), STRATEGIC_MERGE_PATCH, patch)
    return result


def pod_spec(*containers, **extra):
    return {"spec": {"containers": list(containers), **extra}}


WEB = {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "name": "http"}],
       "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "args": ["--x", "--y"]}
LOG = {"name": "log", "image": "busybox"}


@pytest.mark.parametrize("patch,containers", [
    # Containers merge by name: only the named one changes, the others stay.
    ({"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}},
     [{**WEB, "image": "nginx:1.28"}, LOG]),
    # A new name is appended.
    ({"spec": {"containers": [{"name": "new", "image": "envoy"}]}},
     [WEB, LOG, {"name": "new", "image": "envoy"}]),
    # $patch: delete removes the element with that key.
    ({"spec": {"containers": [{"name": "log", "$patch": "delete"}]}}, [WEB]),
    ({"spec": {"containers": [{"name": "absent", "$patch": "delete"}]}}, [WEB, LOG]),
    # $patch: replace in a list replaces the whole list.
    ({"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}, [{"name": "only", "image": "x"}]),
    # Any element carrying $patch: replace makes the list the patch's plain elements; the
    # marked element itself is dropped (mergeSliceWithSpecialElements).
    ({"spec": {"containers": [{"name": "web", "image": "nginx", "$patch": "replace"}, {"name": "b", "image": "x"}]}},
     [{"name": "b", "image": "x"}]),
    # Nested lists merge by their own keys: env by name, ports by containerPort.
    ({"spec": {"containers": [{"name": "web", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}},
     [{**WEB, "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}, LOG]),
    ({"spec": {"containers": [{"name": "web", "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}]}]}},
     [{**WEB, "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 443}]}, LOG]),
    ({"spec": {"containers": [{"name": "web", "ports": [{"containerPort": 80, "$patch": "delete"}]}]}},
     [{**WEB, "ports": []}, LOG]),
    # Lists without a merge key (args) are replaced.
    ({"spec": {"containers": [{"name": "web", "args": ["--z"]}]}}, [{**WEB, "args": ["--z"]}, LOG]),
    # null deletes a field.
    ({"spec": {"containers": [{"name": "web", "args": None, "env": None}]}},
     [{k: v for k, v in WEB.items() if k not in ("args", "env")}, LOG]),
])
def test_strategic_merge_of_containers(patch, containers):
    assert smp(pod_spec(WEB, LOG), patch)["spec"]["containers"] == containers


@pytest.mark.parametrize("order,patch_containers,names", [
    ([{"name": "log"}, {"name": "web"}], [], ["log", "web"]),
    ([{"name": "log"}, {"name": "new"}, {"name": "web"}], [{"name": "new", "image": "x"}], ["log", "new", "web"]),
    ([{"name": "web"}, {"name": "log"}], [{"name": "web", "image": "nginx:2"}], ["web", "log"]),
])
def test_set_element_order(order, patch_containers, names):
    patch = {"spec": {"$setElementOrder/containers": order, "containers": patch_containers}}
    result = smp(pod_spec(WEB, LOG), patch)
    assert [c["name"] for c in result["spec"]["containers"]] == names
    assert not any(k.startswith("$") for k in result["spec"])


def test_set_element_order_without_changes_to_the_list():
    result = smp(pod_spec(WEB, LOG), {"spec": {"$setElementOrder/containers": [{"name": "log"}, {"name": "web"}]}})
    assert result["spec"]["containers"] == [LOG, WEB]


def test_patch_replace_and_delete_on_maps():
    original = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "replicas": 2}}
    replaced = smp(original, {"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}})
    assert replaced["spec"] == {"strategy": {"type": "Recreate"}, "replicas": 2}
    deleted = smp(original, {"spec": {"strategy": {"$patch": "delete"}}})
    assert deleted["spec"] == {"replicas": 2}


def test_retain_keys_clears_the_other_fields():
    original = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}
    result = smp(original, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})
    assert result["spec"]["strategy"] == {"type": "Recreate"}
    volumes = {"spec": {"volumes": [{"name": "data", "emptyDir": {}}]}}
    result = smp(volumes, {"spec": {"volumes": [{"name": "data", "$retainKeys": ["name", "hostPath"], "hostPath": {"path": "/d"}}]}})
    assert result["spec"]["volumes"] == [{"name": "data", "hostPath": {"path": "/d"}}]


@pytest.mark.parametrize("original,patch,finalizers", [
    (["a"], {"finalizers": ["b", "a"]}, ["a", "b"]),  # finalizers merge as a set union
    (["a", "b"], {"finalizers": ["b"]}, ["a", "b"]),
    ([], {"finalizers": ["a"]}, ["a"]),
    (["a", "b", "c"], {"$deleteFromPrimitiveList/finalizers": ["b", "x"]}, ["a", "c"]),
    (["a", "b"], {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["c"]}, ["b", "c"]),
])
def test_finalizers(original, patch, finalizers):
    result = smp({"metadata": {"name": "x", "finalizers": original}}, {"metadata": patch})
    assert result["metadata"]["finalizers"] == finalizers


def test_service_ports_merge_by_port():
    original = {"spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}, {"name": "https", "port": 443}]}}
    result = smp(original, {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})
    assert result["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 9090}, {"name": "https", "port": 443}]


@pytest.mark.parametrize("field,key,original,patch,merged", [
    ("volumes", "name", [{"name": "a", "emptyDir": {}}], [{"name": "b", "emptyDir": {}}],
     [{"name": "a", "emptyDir": {}}, {"name": "b", "emptyDir": {}}]),
    ("conditions", "type", [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}],
     [{"type": "Ready", "status": "True"}],
     [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]),
    ("tolerations", None, [{"key": "a", "operator": "Exists"}], [{"key": "b", "operator": "Exists"}],
     [{"key": "b", "operator": "Exists"}]),  # no merge key: replaced
])
def test_other_merge_keys(field, key, original, patch, merged):
    assert smp({"spec": {field: original}}, {"spec": {field: patch}})["spec"][field] == merged


def test_volume_mounts_merge_by_mount_path():
    c = {"name": "web", "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "cfg", "mountPath": "/etc/cfg"}]}
    result = smp(pod_spec(c), {"spec": {"containers": [{"name": "web", "volumeMounts": [
        {"mountPath": "/data", "readOnly": True}, {"mountPath": "/etc/cfg", "$patch": "delete"},
    ]}]}})
    assert result["spec"]["containers"][0]["volumeMounts"] == [{"name": "data", "mountPath": "/data", "readOnly": True}]


def test_maps_merge_recursively_and_null_deletes():
    original = {"metadata": {"labels": {"a": "1", "b": "2"}, "annotations": {"x": "y"}}}
    result = smp(original, {"metadata": {"labels": {"b": None, "c": "3"}, "annotations": None}})
    assert result == {"metadata": {"labels": {"a": "1", "c": "3"}}}


def test_strategic_merge_into_missing_fields():
    assert strategic_merge({}, {"spec": {"containers": [{"name": "a", "$patch": "delete"}, {"name": "b"}]}}, ()) == {
        "spec": {"containers": [{"name": "b"}]},
    }


def test_strategic_merge_needs_an_object_and_keeps_the_original():
    original = pod_spec(WEB, LOG)
    snapshot = copy.deepcopy(original)
    apply_patch(original, STRATEGIC_MERGE_PATCH, {"spec": {"containers": [{"name": "web", "image": "changed"}]}})
    assert original == snapshot
    with pytest.raises(StatusError) as info:
        apply_patch(original, STRATEGIC_MERGE_PATCH, [1])
    assert info.value.code == 400


def test_an_unknown_patch_type_is_415():
    with pytest.raises(StatusError) as info:
        apply_patch({}, "application/apply-patch+yaml", {})
    assert (info.value.code, info.value.reason) == (415, "UnsupportedMediaType")
