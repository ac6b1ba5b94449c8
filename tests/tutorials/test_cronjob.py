"""kubernetes.io: Running Automated Tasks with a CronJob
(https://kubernetes.io/docs/tasks/job/automated-tasks-with-cron-jobs/)."""
from __future__ import annotations

import re

import pytest

from .conftest import LIVE, PAUSED, Step, columns, table, walk

pytestmark = pytest.mark.kubectl

CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command:
            - /bin/sh
            - -c
            - date; echo Hello from the Kubernetes cluster
          restartPolicy: OnFailure
"""
DATE = r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}"


def cronjob_row(out: str) -> dict[str, str]:
    # kubectl 1.27+ prints a TIMEZONE column the page's older output lacks.
    assert [c for c in columns(out) if c != "TIMEZONE"] == ["NAME", "SCHEDULE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"]
    return table(out)[0]


def a_completed_job(out: str) -> dict[str, str] | None:
    done = [r for r in table(out) if re.fullmatch(r"hello-\d+", r["NAME"]) and r["COMPLETIONS"] == "1/1"]
    return {"job": done[0]["NAME"]} if done else None


STEPS = [
    Step("kubectl create -f cronjob.yaml", lambda out: out.strip() == "cronjob.batch/hello created", clock=PAUSED),
    Step("kubectl get cronjob hello", lambda out: (r := cronjob_row(out)) and
         (r["NAME"], r["SCHEDULE"], r["SUSPEND"], r["ACTIVE"], r["LAST SCHEDULE"]) == ("hello", "* * * * *", "False", "0", "<none>")),
    # "Watch for the job to be created in around one minute": its name is hello-<minutes since the epoch>.
    Step("kubectl get jobs", a_completed_job, wait=True, clock=LIVE),
    # The clock stops here: at top speed the history limit (3) would soon delete this Job.
    Step("kubectl get cronjob hello", lambda out: re.fullmatch(r"\d+s|\d+m\d*s?", cronjob_row(out)["LAST SCHEDULE"]), wait=True,
         clock=PAUSED),
    Step("kubectl get pods --selector=job-name={job} --output=jsonpath={{.items[*].metadata.name}}",
         lambda out: re.fullmatch(r"hello-\d+-[a-z0-9]{5}", out.strip()) and {"pods": out.strip()}),
    Step("kubectl logs {pods}", lambda out: len(lines := out.splitlines()) == 2 and re.fullmatch(DATE, lines[0])
         and lines[1] == "Hello from the Kubernetes cluster"),
    Step("kubectl delete cronjob hello", lambda out: out.strip() == 'cronjob.batch "hello" deleted'),
    # "Deleting the cron job removes all the jobs and pods it created."
    Step("kubectl get jobs,pods -o name", lambda out: out.strip() == "", wait=True, clock=LIVE),
]


def test_running_automated_tasks_with_a_cronjob(tutorial):
    tutorial.manifest("cronjob.yaml", CRONJOB)
    walk(tutorial, STEPS)
