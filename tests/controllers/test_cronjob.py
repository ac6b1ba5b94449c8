"""The CronJob controller on the simulated clock: Jobs on schedule, concurrency policies,
suspend, history limits, missed start times."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kubeviz.apiserver import errors
from kubeviz.apiserver.cron import CronError, parse_standard
from kubeviz.clusters import clock
from kubeviz.clusters.clock import parse_rfc3339
from kubeviz.clusters.models import Cluster
from kubeviz.controllers.cronjob import CronJobController
from kubeviz.controllers.garbagecollector import GarbageCollector
from kubeviz.controllers.job import JobController
from kubeviz.engine.runner import pause_clock, settle_cluster
from kubeviz.kubelet.agent import Kubelet

from .workload_support import create, events, get, patch, scheduler


def cronjob(name: str = "hello", schedule: str = "*/1 * * * *", script: str = "sleep 2", **spec) -> dict:
    body = {
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
        "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [{"name": "hello", "image": "busybox:1.36", "command": ["sh", "-c", script]}]}}}}},
    }
    body["spec"].update(spec)
    return body


def settle(cluster, horizon: float):
    return settle_cluster(cluster, components=[
        CronJobController(cluster), JobController(cluster), GarbageCollector(cluster), Kubelet(cluster), scheduler(cluster),
    ], horizon=horizon)


def jobs(cluster) -> list[dict]:
    from kubeviz.apiserver import registry

    return sorted((j for j in registry.objects(cluster, "jobs", "default") if not j["metadata"].get("deletionTimestamp")),
                  key=lambda j: j["metadata"]["name"])


def reasons(cluster, name: str = "hello") -> list[str]:
    return [reason for _, reason, _ in events(cluster, name)]


def start_at_minute(cluster, second: int = 10) -> None:
    """Put the paused clock ``second`` seconds past a whole minute, so runs are predictable."""
    pause_clock(cluster)
    now = clock.now(cluster)
    due = now.replace(second=second, microsecond=0) + timedelta(minutes=1)
    Cluster.objects.filter(pk=cluster.pk).update(sim_time=due, sim_anchor=clock.real_now())
    cluster.refresh_from_db()


@pytest.mark.parametrize("schedule,error", [
    ("x", "expected exactly 5 fields, found 1: [x]"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'),
])
def test_unparseable_schedules_carry_robfig_cron_messages(schedule, error):
    with pytest.raises(CronError) as exc:
        parse_standard(schedule)
    assert str(exc.value) == error


@pytest.mark.parametrize("schedule,after,expected", [
    ("*/5 * * * *", "2026-01-01T00:03:00Z", "2026-01-01T00:05:00Z"),
    ("@hourly", "2026-01-01T00:03:00Z", "2026-01-01T01:00:00Z"),
    ("@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),  # the next Sunday
    ("30 9 * * mon-fri", "2026-01-02T10:00:00Z", "2026-01-05T09:30:00Z"),  # Friday evening → Monday
    ("0 0 13 * 5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),  # day-of-month OR day-of-week
    ("0 12 1 */3 *", "2026-02-01T00:00:00Z", "2026-04-01T12:00:00Z"),
])
def test_next_start_time(schedule, after, expected):
    assert parse_standard(schedule).next(parse_rfc3339(after)) == parse_rfc3339(expected)


def test_time_zone_moves_the_start_time():
    from zoneinfo import ZoneInfo

    got = parse_standard("0 9 * * *").next(parse_rfc3339("2026-07-01T00:00:00Z"), ZoneInfo("Europe/Paris"))
    assert got == parse_rfc3339("2026-07-01T07:00:00Z")  # 09:00 CEST


def test_defaults(cluster):
    cj = create(cluster, "cronjobs", cronjob())
    spec = cj["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"], spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (
        "Allow", False, 3, 1)
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30


@pytest.mark.parametrize("change,message", [
    ({"schedule": "bad"}, 'spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]'),
    ({"schedule": ""}, "spec.schedule: Required value"),
    ({"schedule": "TZ=UTC * * * * *"}, 'spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'),
    ({"timeZone": "Mars/Olympus"}, 'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'),
    ({"concurrencyPolicy": "Sometimes"}, 'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'),
    ({"startingDeadlineSeconds": -1}, "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0"),
    ({"successfulJobsHistoryLimit": -2}, "spec.successfulJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0"),
])
def test_validation_messages(cluster, change, message):
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "cronjobs", cronjob(**change))
    assert exc.value.code == 422
    assert message in exc.value.message


def test_name_longer_than_52_characters_is_refused(cluster):
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "cronjobs", cronjob(name="a" * 53))
    assert 'metadata.name: Invalid value: "' + "a" * 53 + '": must be no more than 52 characters' in exc.value.message


def test_restart_policy_always_is_refused(cluster):
    body = cronjob()
    body["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    with pytest.raises(errors.StatusError) as exc:
        create(cluster, "cronjobs", body)
    assert 'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"' in exc.value.message


def test_every_minute_creates_named_jobs_and_keeps_three_successful(cluster):
    start_at_minute(cluster)
    cj = create(cluster, "cronjobs", cronjob())
    settle(cluster, horizon=300)  # five start times, each a minute apart
    found = jobs(cluster)
    assert len(found) == 3
    for job in found:
        minutes = int(job["metadata"]["name"].rsplit("-", 1)[1])
        scheduled = job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
        assert parse_rfc3339(scheduled).timestamp() == minutes * 60
        assert job["metadata"]["ownerReferences"][0]["uid"] == cj["metadata"]["uid"]
    status = get(cluster, "cronjobs", "hello")["status"]
    assert "active" not in status
    assert status["lastScheduleTime"] == found[-1]["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert parse_rfc3339(status["lastSuccessfulTime"]) > parse_rfc3339(status["lastScheduleTime"])
    got = reasons(cluster)
    assert got.count("SuccessfulCreate") == 5
    assert got.count("SawCompletedJob") == 5
    assert got.count("SuccessfulDelete") == 2
    created = [m for _, r, m in events(cluster, "hello") if r == "SuccessfulCreate"]
    assert created[0] == f"Created job hello-{int(parse_rfc3339(status['lastScheduleTime']).timestamp()) // 60 - 4}"
    assert [m for _, r, m in events(cluster, "hello") if r == "SawCompletedJob"][0].endswith(", condition: Complete")


@pytest.mark.parametrize("policy,running,reason", [
    ("Allow", 3, None),
    ("Forbid", 1, "JobAlreadyActive"),
    ("Replace", 1, "SuccessfulDelete"),
])
def test_concurrency_policy_with_a_job_longer_than_the_period(cluster, policy, running, reason):
    start_at_minute(cluster)
    create(cluster, "cronjobs", cronjob(script="sleep 600", concurrencyPolicy=policy))
    settle(cluster, horizon=180)  # three start times
    active = get(cluster, "cronjobs", "hello")["status"].get("active") or []
    assert len(active) == running
    assert len(jobs(cluster)) == running
    if reason:
        assert reason in reasons(cluster)


def test_suspended_cronjob_starts_nothing_until_resumed(cluster):
    start_at_minute(cluster)
    create(cluster, "cronjobs", cronjob(suspend=True))
    settle(cluster, horizon=130)
    assert jobs(cluster) == []
    patch(cluster, "cronjobs", "hello", {"spec": {"suspend": False}})
    settle(cluster, horizon=5)
    assert len(jobs(cluster)) == 1  # the most recent missed start, at once


@pytest.mark.parametrize("deadline,warned", [(None, True), (30, False)])
def test_too_many_missed_start_times(cluster, deadline, warned):
    start_at_minute(cluster)
    create(cluster, "cronjobs", cronjob(suspend=True, **({"startingDeadlineSeconds": deadline} if deadline else {})))
    later = clock.now(cluster) + timedelta(hours=3, seconds=5)
    Cluster.objects.filter(pk=cluster.pk).update(sim_time=later, sim_anchor=clock.real_now())
    cluster.refresh_from_db()
    patch(cluster, "cronjobs", "hello", {"spec": {"suspend": False}})
    settle(cluster, horizon=1)
    assert ("TooManyMissedTimes" in reasons(cluster)) is warned
    assert len(jobs(cluster)) == 1


def test_start_past_the_deadline_is_missed(cluster):
    start_at_minute(cluster, second=50)
    create(cluster, "cronjobs", cronjob(startingDeadlineSeconds=5, suspend=True))
    later = clock.now(cluster) + timedelta(seconds=30)  # hh:01:20, 20 s after the start time
    Cluster.objects.filter(pk=cluster.pk).update(sim_time=later, sim_anchor=clock.real_now())
    cluster.refresh_from_db()
    patch(cluster, "cronjobs", "hello", {"spec": {"suspend": False}})
    settle(cluster, horizon=1)
    assert jobs(cluster) == []
