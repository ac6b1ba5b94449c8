"""The Job controller: pods to completion, counting, back-off, failure and success."""
from __future__ import annotations

import pytest

from kubeviz.clusters.clock import parse_rfc3339
from kubeviz.controllers.job import (
    TRACKING_FINALIZER,
    JobController,
    format_indexes,
    parse_indexes,
)
from kubeviz.engine.runner import settle_cluster
from kubeviz.flow.models import Step
from kubeviz.kubelet.agent import Kubelet

from .workload_support import condition, create, events, get, patch, pods, scheduler


def job(name: str = "pi", script: str = "sleep 2", restart: str = "Never", **spec) -> dict:
    body = {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {"template": {"spec": {"restartPolicy": restart, "containers": [
            {"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", script]}]}}},
    }
    body["spec"].update(spec)
    return body


def settle(cluster, horizon: float = 120):
    return settle_cluster(cluster, components=[JobController(cluster), Kubelet(cluster), scheduler(cluster)], horizon=horizon)


def job_pods(cluster, name: str = "pi") -> list[dict]:
    return [p for p in pods(cluster) if p["metadata"].get("labels", {}).get("job-name") == name]


@pytest.mark.parametrize("indexes,text", [([], ""), ([0], "0"), ([0, 1, 2], "0-2"), ([4, 0, 1, 2, 6, 7], "0-2,4,6-7")])
def test_completed_indexes_round_trip(indexes, text):
    assert format_indexes(indexes) == text
    assert parse_indexes(text) == set(indexes)


def test_job_with_completions_3_parallelism_2_completes_with_3_succeeded(cluster):
    create(cluster, "jobs", job(completions=3, parallelism=2))
    settle(cluster)
    j = get(cluster, "jobs", "pi")
    status = j["status"]
    assert status["succeeded"] == 3 and "failed" not in status and "active" not in status
    assert (status["ready"], status["terminating"], status["uncountedTerminatedPods"]) == (0, 0, {})
    criteria, complete = condition(j, "SuccessCriteriaMet"), condition(j, "Complete")
    for cond in (criteria, complete):
        assert (cond["status"], cond["reason"], cond["message"]) == ("True", "CompletionsReached", "Reached expected number of succeeded pods")
    assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert status["completionTime"] == complete["lastTransitionTime"]
    assert parse_rfc3339(status["startTime"]) < parse_rfc3339(status["completionTime"])

    finished = job_pods(cluster)
    assert len(finished) == 3 and all(p["status"]["phase"] == "Succeeded" for p in finished)
    # Counted pods lose the tracking finalizer; the pods themselves stay (Completed).
    assert all(TRACKING_FINALIZER not in (p["metadata"].get("finalizers") or []) for p in finished)
    for p in finished:
        assert p["metadata"]["generateName"] == "pi-" and len(p["metadata"]["name"]) == len("pi-") + 5
        labels = p["metadata"]["labels"]
        assert labels["batch.kubernetes.io/controller-uid"] == labels["controller-uid"] == j["metadata"]["uid"]
        assert labels["batch.kubernetes.io/job-name"] == labels["job-name"] == "pi"
        assert p["metadata"]["ownerReferences"][0]["kind"] == "Job"

    # Never more than parallelism (2) pods at a time: the third is created after one finished.
    created = list(Step.objects.filter(cluster=cluster, kind="Pod", action="create", source="apiserver").order_by("seq"))
    assert len(created) == 3
    first_done = Step.objects.filter(cluster=cluster, kind="Pod", step=9, name__in=[s.name for s in created[:2]],
                                     message__contains="status").order_by("seq")
    assert created[1].seq < created[2].seq
    assert any(s.seq < created[2].seq for s in first_done)

    evs = events(cluster, "pi")
    assert sorted(m for _, r, m in evs if r == "SuccessfulCreate") == sorted(f"Created pod: {p['metadata']['name']}" for p in finished)
    assert evs[-1] == ("Normal", "Completed", "Job completed")


def test_job_whose_pods_exit_1_fails_with_backoff_limit_exceeded(cluster):
    create(cluster, "jobs", job("fail", script="sleep 1; exit 1", backoffLimit=2))
    settle(cluster, horizon=300)
    j = get(cluster, "jobs", "fail")
    status = j["status"]
    failed = condition(j, "Failed")
    assert failed is not None
    assert (failed["reason"], failed["message"]) == ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
    target = condition(j, "FailureTarget")
    assert target is not None and target["reason"] == "BackoffLimitExceeded"
    assert [c["type"] for c in status["conditions"]] == ["FailureTarget", "Failed"]
    # backoffLimit 2: the third failure is one too many.
    assert status["failed"] == 3 and "succeeded" not in status and "active" not in status
    assert "completionTime" not in status
    assert len(job_pods(cluster, "fail")) == 3
    assert all(p["status"]["phase"] == "Failed" for p in job_pods(cluster, "fail"))
    assert ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit") in events(cluster, "fail")

    # The replacements waited for the back-off: 10 s after the first failure, 20 s after the second.
    created = sorted(job_pods(cluster, "fail"), key=lambda p: p["metadata"]["creationTimestamp"])
    finished = [parse_rfc3339(p["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"]) for p in created]
    starts = [parse_rfc3339(p["metadata"]["creationTimestamp"]) for p in created]
    assert (starts[1] - finished[0]).total_seconds() >= 10
    assert (starts[2] - finished[1]).total_seconds() >= 20


def test_failing_job_deletes_its_active_pods(cluster):
    # Two pods run in parallel; one fails at once, the other would run for a long time.
    create(cluster, "jobs", job("mixed", script="sleep 1; exit 1", backoffLimit=0, parallelism=2, completions=2))
    engine = settle(cluster, horizon=0.1)
    assert len(job_pods(cluster, "mixed")) == 2
    engine.settle(horizon=120)
    j = get(cluster, "jobs", "mixed")
    assert condition(j, "Failed")["reason"] == "BackoffLimitExceeded"
    assert j["status"]["failed"] == 2 and "active" not in j["status"]
    assert all(TRACKING_FINALIZER not in (p["metadata"].get("finalizers") or []) for p in job_pods(cluster, "mixed"))


def test_long_running_pod_is_deleted_when_the_job_fails(cluster):
    create(cluster, "jobs", job("slow", script="sleep 1000", backoffLimit=0, activeDeadlineSeconds=15))
    settle(cluster, horizon=120)
    j = get(cluster, "jobs", "slow")
    failed = condition(j, "Failed")
    assert (failed["reason"], failed["message"]) == ("DeadlineExceeded", "Job was active longer than specified deadline")
    assert job_pods(cluster, "slow") == []  # its running pod was deleted
    assert j["status"]["failed"] == 1
    reasons = [r for _, r, _ in events(cluster, "slow")]
    assert "SuccessfulDelete" in reasons and reasons[-1] == "DeadlineExceeded"


def test_suspended_job_creates_nothing_until_resumed(cluster):
    create(cluster, "jobs", job("later", suspend=True))
    engine = settle(cluster, horizon=30)
    j = get(cluster, "jobs", "later")
    assert job_pods(cluster, "later") == []
    assert condition(j, "Suspended")["reason"] == "JobSuspended" and "startTime" not in j["status"]
    patch(cluster, "jobs", "later", {"spec": {"suspend": False}})
    engine.settle(horizon=60)
    j = get(cluster, "jobs", "later")
    assert condition(j, "Suspended")["status"] == "False" and condition(j, "Suspended")["reason"] == "JobResumed"
    assert condition(j, "Complete") is not None and j["status"]["succeeded"] == 1
    assert [r for _, r, _ in events(cluster, "later")][:1] == ["Suspended"]


def test_indexed_job_runs_one_pod_per_index(cluster):
    create(cluster, "jobs", job("idx", completionMode="Indexed", completions=3, parallelism=3))
    settle(cluster)
    j = get(cluster, "jobs", "idx")
    assert condition(j, "Complete") is not None
    assert (j["status"]["succeeded"], j["status"]["completedIndexes"]) == (3, "0-2")
    by_index = {p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p for p in job_pods(cluster, "idx")}
    assert sorted(by_index) == ["0", "1", "2"]
    pod = by_index["1"]
    assert pod["metadata"]["name"].startswith("idx-1-") and pod["spec"]["hostname"] == "idx-1"
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == "1"
    env = pod["spec"]["containers"][0]["env"]
    assert {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}} in env


def test_deleting_a_job_releases_its_pods_finalizers(cluster):
    """Without it, the garbage collector could never remove the orphaned pods."""
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural

    create(cluster, "jobs", job("gone", script="sleep 1000"))
    engine = settle(cluster, horizon=20)
    [pod] = job_pods(cluster, "gone")
    assert TRACKING_FINALIZER in pod["metadata"]["finalizers"]
    registry.delete(cluster, by_plural("jobs"), "default", "gone", options={"propagationPolicy": "Background"})
    engine.settle(horizon=30)
    left = get(cluster, "pods", pod["metadata"]["name"])
    assert TRACKING_FINALIZER not in (left["metadata"].get("finalizers") or [])


def test_deleted_job_takes_its_running_pods_with_it_through_the_garbage_collector(cluster):
    from kubeviz.apiserver import registry
    from kubeviz.apiserver.resources import by_plural
    from kubeviz.controllers.garbagecollector import GarbageCollector

    create(cluster, "jobs", job("gone", script="sleep 1000", parallelism=2, completions=4))
    engine = settle_cluster(cluster, components=[JobController(cluster), Kubelet(cluster), scheduler(cluster),
                                                 GarbageCollector(cluster)], horizon=20)
    assert len(job_pods(cluster, "gone")) == 2
    registry.delete(cluster, by_plural("jobs"), "default", "gone", options={"propagationPolicy": "Background"})
    engine.settle(horizon=60)
    assert job_pods(cluster, "gone") == []
