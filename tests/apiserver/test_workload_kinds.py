"""DaemonSet, StatefulSet and Job: defaults on create, validation with Kubernetes' wording.

References: pkg/apis/apps/v1/defaults.go (SetDefaults_DaemonSet, SetDefaults_StatefulSet),
pkg/apis/batch/v1/defaults.go (SetDefaults_Job), pkg/registry/batch/job/strategy.go
(generateSelector), pkg/apis/apps/validation and pkg/apis/batch/validation.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from kubeviz.apiserver import registry
from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.resources import by_kind, by_plural
from kubeviz.etcd import store

REQUIRED, INVALID, NOT_SUPPORTED, FORBIDDEN = (
    "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported", "FieldValueForbidden",
)
CONTAINER = {"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 2"]}


def daemonset(**spec: Any) -> dict:
    body = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"}, "spec": {
        "selector": {"matchLabels": {"app": "agent"}},
        "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [dict(CONTAINER)]}},
    }}
    body["spec"].update(spec)
    return body


def statefulset(**spec: Any) -> dict:
    body = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"}, "spec": {
        "serviceName": "nginx",
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [dict(CONTAINER)]}},
    }}
    body["spec"].update(spec)
    return body


def job(**spec: Any) -> dict:
    body = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"}, "spec": {
        "template": {"spec": {"restartPolicy": "Never", "containers": [dict(CONTAINER)]}},
    }}
    body["spec"].update(spec)
    return body


def plural(body: dict) -> str:
    return by_kind(body["kind"]).plural


def create(cluster, body: dict) -> dict:
    return registry.create(cluster, by_plural(plural(body)), "default", copy.deepcopy(body))


def at(obj: Any, path: str) -> Any:
    cur = obj
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        cur = cur[int(part[1:-1])] if part.startswith("[") else cur[part]
    return cur


def with_(body: dict, path: str, value: Any) -> dict:
    """A copy of ``body`` with the dotted ``path`` set (or removed, for ``...``)."""
    body = copy.deepcopy(body)
    parts = path.split(".")
    cur = body
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    if value is ...:
        cur.pop(parts[-1], None)
    else:
        cur[parts[-1]] = value
    return body


def rejected(cluster, call) -> StatusError:
    rev = store.current_revision(cluster.pk)
    with pytest.raises(StatusError) as info:
        call()
    assert (info.value.code, info.value.reason) == (422, "Invalid"), info.value.message
    assert store.current_revision(cluster.pk) == rev
    return info.value


def causes(err: StatusError) -> list[tuple[str, str, str]]:
    return [(c["field"], c["reason"], c["message"]) for c in err.causes]


# ---- registration --------------------------------------------------------------------------


@pytest.mark.parametrize("kind,group,plural_,short,subresources", [
    ("DaemonSet", "apps", "daemonsets", ("ds",), ("status",)),
    ("StatefulSet", "apps", "statefulsets", ("sts",), ("status", "scale")),
    ("Job", "batch", "jobs", (), ("status",)),
])
def test_kinds_are_served(kind, group, plural_, short, subresources):
    s = by_kind(kind)
    assert (s.group, s.version, s.plural, s.short_names, s.subresources) == (group, "v1", plural_, short, subresources)
    assert s.categories == ("all",) and s.namespaced and s.tracks_generation


# ---- defaults ------------------------------------------------------------------------------

DS_DEFAULTS = [
    ("spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
    ("spec.revisionHistoryLimit", 10),
    ("spec.template.spec.restartPolicy", "Always"),
    ("spec.template.spec.dnsPolicy", "ClusterFirst"),
    ("spec.template.spec.containers[0].imagePullPolicy", "IfNotPresent"),
    ("metadata.generation", 1),
    ("status", {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0}),
    ("apiVersion", "apps/v1"),
]


@pytest.mark.parametrize("path,expected", DS_DEFAULTS, ids=[p for p, _ in DS_DEFAULTS])
def test_daemonset_defaults(cluster, path, expected):
    assert at(create(cluster, daemonset()), path) == expected


def test_daemonset_on_delete_gets_no_rolling_update(cluster):
    created = create(cluster, daemonset(updateStrategy={"type": "OnDelete"}))
    assert created["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_daemonset_template_generation_follows_template_changes(cluster):
    created = create(cluster, daemonset())
    assert created["metadata"]["annotations"] == {"deprecated.daemonset.template.generation": "1"}
    strategy = by_plural("daemonsets")
    patched = registry.patch(cluster, strategy, "default", "agent", "application/merge-patch+json", {"spec": {"minReadySeconds": 5}})
    assert patched["metadata"]["generation"] == 2
    assert patched["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "1"
    patched = registry.patch(cluster, strategy, "default", "agent", "application/merge-patch+json",
                             {"spec": {"template": {"metadata": {"labels": {"app": "agent", "v": "2"}}}}})
    assert patched["metadata"]["generation"] == 3
    assert patched["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"


STS_DEFAULTS = [
    ("spec.replicas", 1),
    ("spec.podManagementPolicy", "OrderedReady"),
    ("spec.updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
    ("spec.revisionHistoryLimit", 10),
    ("spec.persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"}),
    ("spec.serviceName", "nginx"),
    ("spec.template.spec.restartPolicy", "Always"),
    ("status", {"replicas": 0, "availableReplicas": 0}),
    ("metadata.generation", 1),
]


@pytest.mark.parametrize("path,expected", STS_DEFAULTS, ids=[p for p, _ in STS_DEFAULTS])
def test_statefulset_defaults(cluster, path, expected):
    assert at(create(cluster, statefulset()), path) == expected


def test_statefulset_partition_defaults_inside_a_given_rolling_update(cluster):
    created = create(cluster, statefulset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {}}))
    assert created["spec"]["updateStrategy"]["rollingUpdate"] == {"partition": 0}
    created = registry.create(cluster, by_plural("statefulsets"), "default",
                              with_(statefulset(updateStrategy={"type": "OnDelete"}), "metadata.name", "ondelete"))
    assert created["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_statefulset_volume_claim_templates_are_defaulted_as_claims(cluster):
    created = create(cluster, statefulset(volumeClaimTemplates=[
        {"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]))
    claim = created["spec"]["volumeClaimTemplates"][0]
    assert (claim["apiVersion"], claim["kind"], claim["spec"]["volumeMode"], claim["status"]) == (
        "v1", "PersistentVolumeClaim", "Filesystem", {"phase": "Pending"})


JOB_DEFAULTS = [
    ("spec.completions", 1),
    ("spec.parallelism", 1),
    ("spec.backoffLimit", 6),
    ("spec.completionMode", "NonIndexed"),
    ("spec.suspend", False),
    ("spec.manualSelector", False),
    ("spec.podReplacementPolicy", "TerminatingOrFailed"),
    ("spec.template.spec.restartPolicy", "Never"),
    ("status", {}),
    ("metadata.generation", 1),
]


@pytest.mark.parametrize("path,expected", JOB_DEFAULTS, ids=[p for p, _ in JOB_DEFAULTS])
def test_job_defaults(cluster, path, expected):
    assert at(create(cluster, job()), path) == expected


@pytest.mark.parametrize("given,completions,parallelism", [
    ({}, 1, 1),
    ({"parallelism": 3}, None, 3),  # a work queue: completions stays unset
    ({"completions": 5}, 5, 1),
    ({"completions": 5, "parallelism": 2}, 5, 2),
])
def test_job_completions_and_parallelism(cluster, given, completions, parallelism):
    created = create(cluster, job(**given))
    assert created["spec"].get("completions") == completions
    assert created["spec"]["parallelism"] == parallelism


def test_job_generated_selector_and_labels(cluster):
    created = create(cluster, job(template={"metadata": {"labels": {"team": "ml"}},
                                            "spec": {"restartPolicy": "OnFailure", "containers": [dict(CONTAINER)]}}))
    uid = created["metadata"]["uid"]
    assert created["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    expected = {"team": "ml", "batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
                "batch.kubernetes.io/job-name": "pi", "job-name": "pi"}
    assert created["spec"]["template"]["metadata"]["labels"] == expected
    # A Job without labels of its own takes its template's.
    assert created["metadata"]["labels"] == expected


def test_job_with_its_own_labels_keeps_them(cluster):
    created = create(cluster, with_(job(), "metadata.labels", {"owner": "me"}))
    assert created["metadata"]["labels"] == {"owner": "me"}


def test_job_with_manual_selector_is_not_generated(cluster):
    created = create(cluster, job(manualSelector=True, selector={"matchLabels": {"run": "x"}},
                                  template={"metadata": {"labels": {"run": "x"}},
                                            "spec": {"restartPolicy": "Never", "containers": [dict(CONTAINER)]}}))
    assert created["spec"]["selector"] == {"matchLabels": {"run": "x"}}
    assert created["spec"]["template"]["metadata"]["labels"] == {"run": "x"}


def test_job_with_pod_failure_policy_defaults_replacement_to_failed(cluster):
    created = create(cluster, job(podFailurePolicy={"rules": []}))
    assert created["spec"]["podReplacementPolicy"] == "Failed"


# ---- validation on create ------------------------------------------------------------------

MISMATCH = "`selector` does not match template `labels`"
PERCENT = ("a valid percent string must be a numeric string followed by an ending '%' "
           "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")

INVALID_CREATES = [
    # DaemonSet
    ("ds-no-selector", with_(daemonset(), "spec.selector", ...),
     [("spec.template.metadata.labels", INVALID, 'Invalid value: map[string]string{"app":"agent"}: ' + MISMATCH)]),
    ("ds-mismatch", with_(daemonset(), "spec.selector", {"matchLabels": {"app": "other"}}),
     [("spec.template.metadata.labels", INVALID, 'Invalid value: map[string]string{"app":"agent"}: ' + MISMATCH)]),
    ("ds-empty-selector", with_(daemonset(), "spec.selector", {}),
     [("spec.selector", INVALID, "Invalid value: map[string]string{}: empty selector is invalid for daemonset")]),
    ("ds-restart-never", with_(daemonset(), "spec.template.spec.restartPolicy", "Never"),
     [("spec.template.spec.restartPolicy", NOT_SUPPORTED, 'Unsupported value: "Never": supported values: "Always"')]),
    ("ds-deadline", with_(daemonset(), "spec.template.spec.activeDeadlineSeconds", 5),
     [("spec.template.spec.activeDeadlineSeconds", FORBIDDEN, "Forbidden: activeDeadlineSeconds in DaemonSet is not Supported")]),
    ("ds-no-image", with_(daemonset(), "spec.template.spec.containers", [{"name": "main"}]),
     [("spec.template.spec.containers[0].image", REQUIRED, "Required value")]),
    ("ds-both-zero", daemonset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}),
     [("spec.updateStrategy.rollingUpdate.maxUnavailable", REQUIRED, "Required value: cannot be 0 when maxSurge is 0")]),
    ("ds-both-set", daemonset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}),
     [("spec.updateStrategy.rollingUpdate.maxSurge", INVALID, "Invalid value: 1: may not be set when maxUnavailable is non-zero")]),
    ("ds-bad-percent", daemonset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "x%"}}),
     [("spec.updateStrategy.rollingUpdate.maxUnavailable", INVALID, f'Invalid value: "x%": {PERCENT}')]),
    ("ds-over-100", daemonset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "120%"}}),
     [("spec.updateStrategy.rollingUpdate.maxUnavailable", INVALID, 'Invalid value: "120%": must not be greater than 100%')]),
    ("ds-bad-type", daemonset(updateStrategy={"type": "Recreate"}),
     [("spec.updateStrategy", NOT_SUPPORTED, None)]),
    ("ds-negative-min-ready", daemonset(minReadySeconds=-1),
     [("spec.minReadySeconds", INVALID, "Invalid value: -1: must be greater than or equal to 0")]),
    # StatefulSet
    ("sts-no-selector", with_(statefulset(), "spec.selector", ...), [("spec.selector", REQUIRED, "Required value")]),
    ("sts-empty-selector", with_(statefulset(), "spec.selector", {}),
     [("spec.selector", INVALID, "Invalid value: map[string]string{}: empty selector is invalid for statefulset")]),
    ("sts-mismatch", with_(statefulset(), "spec.selector", {"matchLabels": {"app": "x"}}),
     [("spec.template.metadata.labels", INVALID, 'Invalid value: map[string]string{"app":"web"}: ' + MISMATCH)]),
    ("sts-policy", statefulset(podManagementPolicy="Random"),
     [("spec.podManagementPolicy", INVALID, "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'")]),
    ("sts-strategy", statefulset(updateStrategy={"type": "Recreate"}),
     [("spec.updateStrategy", INVALID, None)]),
    ("sts-ondelete-rolling", statefulset(updateStrategy={"type": "OnDelete", "rollingUpdate": {"partition": 1}}),
     [("spec.updateStrategy.rollingUpdate", INVALID, None)]),
    ("sts-negative-partition", statefulset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}),
     [("spec.updateStrategy.rollingUpdate.partition", INVALID, "Invalid value: -1: must be greater than or equal to 0")]),
    ("sts-negative-replicas", statefulset(replicas=-1),
     [("spec.replicas", INVALID, "Invalid value: -1: must be greater than or equal to 0")]),
    ("sts-restart", with_(statefulset(), "spec.template.spec.restartPolicy", "OnFailure"),
     [("spec.template.spec.restartPolicy", NOT_SUPPORTED, 'Unsupported value: "OnFailure": supported values: "Always"')]),
    ("sts-retention", statefulset(persistentVolumeClaimRetentionPolicy={"whenDeleted": "Keep"}),
     [("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", NOT_SUPPORTED, 'Unsupported value: "Keep": supported values: "Retain", "Delete"')]),
    ("sts-name-not-a-label", with_(statefulset(), "metadata.name", "web.v2"), [("metadata.name", INVALID, None)]),
    # Job
    ("job-restart-always", with_(job(), "spec.template.spec.restartPolicy", "Always"),
     [("spec.template.spec.restartPolicy", REQUIRED, 'Required value: valid values: "OnFailure", "Never"')]),
    ("job-restart-default", with_(job(), "spec.template.spec.restartPolicy", ...),
     [("spec.template.spec.restartPolicy", REQUIRED, 'Required value: valid values: "OnFailure", "Never"')]),
    ("job-negative-backoff", job(backoffLimit=-1),
     [("spec.backoffLimit", INVALID, "Invalid value: -1: must be greater than or equal to 0")]),
    ("job-negative-parallelism", job(parallelism=-2),
     [("spec.parallelism", INVALID, "Invalid value: -2: must be greater than or equal to 0")]),
    ("job-completion-mode", job(completionMode="Random"),
     [("spec.completionMode", NOT_SUPPORTED, 'Unsupported value: "Random": supported values: "NonIndexed", "Indexed"')]),
    ("job-indexed-no-completions", job(completionMode="Indexed", parallelism=2),
     [("spec.completions", REQUIRED, "Required value: when completion mode is Indexed")]),
    ("job-replacement", job(podReplacementPolicy="Sometimes"),
     [("spec.podReplacementPolicy", NOT_SUPPORTED, 'Unsupported value: "Sometimes": supported values: "Failed", "TerminatingOrFailed"')]),
    ("job-per-index-needs-indexed", job(backoffLimitPerIndex=1),
     [("spec.backoffLimitPerIndex", INVALID, "Invalid value: 1: requires indexed completion mode")]),
    ("job-conflicting-name-label", with_(job(), "spec.template.metadata", {"labels": {"job-name": "other"}}),
     [("spec.template.metadata.labels[job-name]", INVALID, None)]),
    ("job-manual-without-selector", job(manualSelector=True), [("spec.selector", REQUIRED, "Required value")]),
    ("job-manual-mismatch", job(manualSelector=True, selector={"matchLabels": {"run": "x"}}),
     [("spec.template.metadata.labels", INVALID, None)]),
    ("job-no-containers", with_(job(), "spec.template.spec.containers", []),
     [("spec.template.spec.containers", REQUIRED, "Required value")]),
]


@pytest.mark.parametrize("name,body,expected", INVALID_CREATES, ids=[c[0] for c in INVALID_CREATES])
def test_invalid_create(cluster, name, body, expected):
    err = rejected(cluster, lambda: create(cluster, body))
    got = causes(err)
    for field, reason, message in expected:
        matching = [c for c in got if c[0] == field and c[1] == reason]
        assert matching, f"no {reason} on {field} in {got}"
        if message is not None:
            assert message in [m for _, _, m in matching], got
    kind = body["kind"]
    assert err.message.startswith(f'{kind}.{"batch" if kind == "Job" else "apps"} "{body["metadata"]["name"]}" is invalid: ')


def test_statefulset_does_not_validate_the_pod_spec_like_the_real_api_server(cluster):
    # ValidatePodTemplateSpecForStatefulSet leaves the pod spec alone ("TODO" upstream):
    # the mistake shows up only when the controller creates the pod.
    created = create(cluster, with_(statefulset(), "spec.template.spec.containers", [{"name": "main"}]))
    assert created["spec"]["template"]["spec"]["containers"] == [
        {"name": "main", "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "resources": {}}]


# ---- validation on update ------------------------------------------------------------------


def update(cluster, body: dict, path: str, value: Any) -> dict:
    strategy = by_plural(plural(body))
    current = registry.get(cluster, strategy, "default", body["metadata"]["name"])
    return registry.update(cluster, strategy, "default", body["metadata"]["name"], with_(current, path, value))


INVALID_UPDATES = [
    ("ds-selector", daemonset(), "spec.selector", {"matchLabels": {"app": "agent", "x": "y"}},
     ("spec.selector", INVALID, "field is immutable")),
    ("sts-service-name", statefulset(), "spec.serviceName", "other",
     ("spec", FORBIDDEN, "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                         "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")),
    ("sts-selector", statefulset(), "spec.selector", {"matchLabels": {"app": "web", "x": "y"}}, ("spec", FORBIDDEN, None)),
    ("sts-policy", statefulset(), "spec.podManagementPolicy", "Parallel", ("spec", FORBIDDEN, None)),
    ("job-template", job(), "spec.template.spec.containers", [dict(CONTAINER, image="busybox:1.37")],
     ("spec.template", INVALID, None)),
    ("job-completions", job(), "spec.completions", 4, ("spec.completions", INVALID, "Invalid value: 4: field is immutable")),
    ("job-selector", job(), "spec.selector", {"matchLabels": {"x": "y"}}, ("spec.selector", INVALID, None)),
    ("job-completion-mode", job(), "spec.completionMode", "Indexed", ("spec.completionMode", INVALID, None)),
]


@pytest.mark.parametrize("name,body,path,value,expected", INVALID_UPDATES, ids=[c[0] for c in INVALID_UPDATES])
def test_invalid_update(cluster, name, body, path, value, expected):
    create(cluster, body)
    err = rejected(cluster, lambda: update(cluster, body, path, value))
    field, reason, message = expected
    matching = [c for c in causes(err) if c[0] == field and c[1] == reason]
    assert matching, causes(err)
    if message is not None:
        assert any(message in m for _, _, m in matching), causes(err)


VALID_UPDATES = [
    ("sts-replicas", statefulset(), "spec.replicas", 5),
    ("sts-template", statefulset(), "spec.template.spec.containers", [dict(CONTAINER, image="busybox:1.37")]),
    ("sts-strategy", statefulset(), "spec.updateStrategy", {"type": "OnDelete"}),
    ("sts-min-ready", statefulset(), "spec.minReadySeconds", 10),
    ("ds-template", daemonset(), "spec.template.spec.containers", [dict(CONTAINER, image="busybox:1.37")]),
    ("job-parallelism", job(), "spec.parallelism", 3),
    ("job-suspend", job(), "spec.suspend", True),
    ("job-backoff", job(), "spec.backoffLimit", 2),
]


@pytest.mark.parametrize("name,body,path,value", VALID_UPDATES, ids=[c[0] for c in VALID_UPDATES])
def test_valid_update(cluster, name, body, path, value):
    created = create(cluster, body)
    updated = update(cluster, body, path, value)
    assert updated["metadata"]["generation"] == created["metadata"]["generation"] + 1


def test_suspended_job_that_never_started_may_change_its_scheduling_directives(cluster):
    create(cluster, job(suspend=True))
    updated = update(cluster, job(), "spec.template.spec.nodeSelector", {"disk": "ssd"})
    assert updated["spec"]["template"]["spec"]["nodeSelector"] == {"disk": "ssd"}
    err = rejected(cluster, lambda: update(cluster, job(), "spec.template.spec.containers", [dict(CONTAINER, image="busybox:1.37")]))
    assert ("spec.template", INVALID) in [(f, r) for f, r, _ in causes(err)]


def test_indexed_job_completions_change_only_with_parallelism(cluster):
    create(cluster, job(completionMode="Indexed", completions=3, parallelism=3))
    err = rejected(cluster, lambda: update(cluster, job(), "spec.completions", 4))
    assert ("spec.completions", INVALID, "Invalid value: 4: can only be modified in tandem with spec.parallelism") in causes(err)
    strategy = by_plural("jobs")
    current = registry.get(cluster, strategy, "default", "pi")
    current["spec"].update(completions=5, parallelism=5)
    assert registry.update(cluster, strategy, "default", "pi", current)["spec"]["completions"] == 5
