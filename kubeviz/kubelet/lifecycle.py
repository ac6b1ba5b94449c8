"""How a pod's containers move through their states, as a pure function of time.

``advance`` takes the pod as stored, what the runtime knows (pull start times, images on
the node) and the time now, and returns the new status, the Events and runtime actions
that happened, and when to look again. The kubelet component applies the result.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kubeviz.apiserver.jsoncopy import deep_copy
from kubeviz.clusters.clock import parse_rfc3339, rfc3339
from kubeviz.runtime.containers import Fate, backoff_seconds, fate
from kubeviz.runtime.images import Resolved, resolve

from .podconfig import Missing

if TYPE_CHECKING:
    from kubeviz.runtime.processes import Processes

CRASH_AT = "kubeviz.io/crash-at"
#: How long an exited container shows as terminated (Error, OOMKilled, Completed) before
#: the kubelet's next look puts it in CrashLoopBackOff (the PLEG relists every second).
TERMINATED_SHOWN_SECONDS = 1.0
#: How long the kubelet waits before trying again a pod it could not start for want of a
#: ConfigMap or Secret (the pod workers' backOffPeriod; the real volume manager's mount
#: retries back off further, up to about two minutes).
CONFIG_RETRY_SECONDS = 10.0
CONFIG_ERROR = "CreateContainerConfigError"

Obj = dict[str, Any]


@dataclass
class Outcome:
    status: Obj
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (type, reason, message)
    #: what passed between the kubelet and the runtime: (what, details), ``what`` one of
    #: pull, image present, start, restart, exit, pull failed (the kubelet words each step)
    runtime: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    next_in: float | None = None

    def wake(self, seconds: float) -> None:
        self.next_in = seconds if self.next_in is None else min(self.next_in, seconds)


@dataclass
class RuntimeState:
    """The node's runtime memory: pulls in flight and pull back-offs (lost on restart, as
    a real kubelet loses them; the pull then simply starts again)."""

    pulls: dict[tuple[str, str], datetime] = field(default_factory=dict)
    pull_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    retry_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    #: when a pod (key ``(uid, "")``) or container waiting for a ConfigMap or Secret is looked at again
    config_retry: dict[tuple[str, str], datetime] = field(default_factory=dict)


def container_id(pod_uid: str, name: str, restarts: int) -> str:
    return "containerd://" + hashlib.sha256(f"{pod_uid}/{name}/{restarts}".encode()).hexdigest()


def _ts(value: str | None) -> datetime | None:
    return parse_rfc3339(value) if value else None


def _condition(conditions: list[Obj], ctype: str, status: str, now: str, reason: str | None = None, message: str | None = None) -> None:
    for c in conditions:
        if c["type"] == ctype:
            if c["status"] != status:
                c["lastTransitionTime"] = now
            c["status"] = status
            if reason:
                c["reason"] = reason
            else:
                c.pop("reason", None)
            if message:
                c["message"] = message
            else:
                c.pop("message", None)
            return
    entry: Obj = {"type": ctype, "status": status, "lastProbeTime": None, "lastTransitionTime": now}
    if reason:
        entry["reason"] = reason
    if message:
        entry["message"] = message
    conditions.append(entry)


def advance(pod: Obj, images_on_node: set[str], runtime: RuntimeState, now: datetime, pod_ip: str, host_ip: str,
            missing: Missing | None = None, processes: Processes | None = None) -> Outcome:
    """``missing``: the ConfigMaps and Secrets the pod references that do not exist (podconfig);
    ``processes``: the containers' simulated processes, which probes look at (without
    them only the ``kubeviz.io/fail-*`` annotations make probes fail)."""
    missing = missing or Missing()
    spec = pod["spec"]
    status = deep_copy(pod.get("status") or {})
    stamp = rfc3339(now)
    out = Outcome(status)
    status.setdefault("startTime", stamp)
    status["hostIP"] = host_ip
    status["hostIPs"] = [{"ip": host_ip}]
    restart_policy = spec.get("restartPolicy", "Always")
    by_name = {c["name"]: c for c in status.get("containerStatuses") or []}
    mounting = bool(missing.volumes) and not any(
        (cs.get("state") or {}).get("waiting", {}).get("reason") != "ContainerCreating" for cs in by_name.values())
    if mounting:
        # No sandbox yet (volumes are mounted first), so no pod IP either.
        _wait_for_volumes(pod, missing, runtime, now, out)
    else:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    statuses = []
    for container in spec.get("containers") or []:
        name = container["name"]
        cs = by_name.get(name) or {
            "name": name, "image": container["image"], "imageID": "", "ready": False,
            "restartCount": 0, "started": False, "state": {"waiting": {"reason": "ContainerCreating"}},
        }
        cs["image"] = container["image"]
        if not mounting:
            _advance_container(pod, container, cs, images_on_node, runtime, now, out, restart_policy, missing.env.get(name),
                               processes)
        statuses.append(cs)
    status["containerStatuses"] = statuses
    _ephemeral(pod, status, images_on_node, runtime, now, out, mounting)
    _phase(status, statuses, restart_policy, stamp, sandbox=not mounting)
    return out


def _ephemeral(pod: Obj, status: Obj, images: set[str], runtime: RuntimeState, now: datetime, out: Outcome,
               mounting: bool) -> None:
    """Ephemeral containers (kubectl debug) start like the others but are never restarted
    and never count towards the pod's readiness or phase."""
    wanted = pod["spec"].get("ephemeralContainers") or []
    if not wanted:
        return
    by_name = {c["name"]: c for c in status.get("ephemeralContainerStatuses") or []}
    statuses = []
    for container in wanted:
        cs = by_name.get(container["name"]) or {
            "name": container["name"], "image": container["image"], "imageID": "", "ready": False,
            "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}},
        }
        if not mounting:
            _advance_container(pod, container, cs, images, runtime, now, out, "Never")
        statuses.append(cs)
    status["ephemeralContainerStatuses"] = statuses


def _wait_for_volumes(pod: Obj, missing: Missing, runtime: RuntimeState, now: datetime, out: Outcome) -> None:
    """Volumes are mounted before any container starts: until every ConfigMap and Secret a
    volume reads exists, the pod waits in ContainerCreating with FailedMount events."""
    key = (pod["metadata"].get("uid", ""), "")
    retry = runtime.config_retry.get(key)
    if retry is not None and now < retry:
        out.wake((retry - now).total_seconds())
        return
    runtime.config_retry[key] = now + timedelta(seconds=CONFIG_RETRY_SECONDS)
    for volume, error in missing.volumes.items():
        out.events.append(("Warning", "FailedMount", f'MountVolume.SetUp failed for volume "{volume}" : {error}'))
    out.wake(CONFIG_RETRY_SECONDS)


def _advance_container(pod: Obj, container: Obj, cs: Obj, images: set[str], runtime: RuntimeState,
                       now: datetime, out: Outcome, restart_policy: str, env_error: str | None = None,
                       processes: Processes | None = None) -> None:
    ref = resolve(container["image"])
    state = cs["state"]
    waiting = state.get("waiting")
    if waiting and waiting.get("reason") in ("ContainerCreating", "ErrImagePull", "ImagePullBackOff"):
        _advance_pull(pod, container, cs, images, runtime, now, out, ref, env_error)
        return
    if waiting and waiting.get("reason") == CONFIG_ERROR:
        retry = runtime.config_retry.get((pod["metadata"].get("uid", ""), container["name"]), now)
        if now < retry:
            out.wake((retry - now).total_seconds())
            return
        out.events.append(("Normal", "Pulled", f'Container image "{container["image"]}" already present on machine'))
        _create(pod, container, cs, now, out, ref, runtime, env_error)
        return
    if waiting and waiting.get("reason") == "CrashLoopBackOff":
        last = (cs.get("lastState") or {}).get("terminated") or {}
        finished = _ts(last.get("finishedAt")) or now
        until = finished + timedelta(seconds=backoff_seconds(cs.get("restartCount", 1) - 1))
        if now < until:
            out.wake((until - now).total_seconds())
            return
        _create(pod, container, cs, now, out, ref, runtime, env_error)
        return
    terminated = state.get("terminated")
    if terminated and _restarts(restart_policy, terminated.get("exitCode", 0)):
        _back_off(pod, container, cs, now, out, ref)
        return
    running = state.get("running")
    if running:
        _advance_running(pod, container, cs, running, now, out, processes)


#: how often the kubelet looks whether a ``stdin: true`` container's attached shell has exited
STDIN_LOOK_SECONDS = 2.0
#: a program whose end is looked for is worked out 30 s ahead (shell.program.AHEAD_SECONDS):
#: looking again at least this often keeps an exit in view
LOOK_AGAIN_SECONDS = 15.0


def _restarts(restart_policy: str, exit_code: int) -> bool:
    return restart_policy == "Always" or (restart_policy == "OnFailure" and exit_code != 0)


def _advance_running(pod: Obj, container: Obj, cs: Obj, running: Obj, now: datetime, out: Outcome,
                     processes: Processes | None = None) -> None:
    """Probes, then whichever ends the run first: a teacher's crash, a failed startup or
    liveness probe, the OOM killer or the process's own exit."""
    name = container["name"]
    annotations = pod["metadata"].get("annotations") or {}
    started = _ts(running.get("startedAt")) or now
    probes = None
    if processes is not None:
        # The pod as this look sees it: this container's status is the one being worked out.
        others = [c for c in (pod.get("status") or {}).get("containerStatuses") or [] if c.get("name") != name]
        probes = _Prober(processes, {**pod, "status": {**(pod.get("status") or {}), "containerStatuses": [*others, cs]}}, container)
    startup_ok, startup_kill, startup_message = _startup(container, started, annotations, probes)
    endings: list[tuple[datetime, Fate, list[tuple[str, str, str]]]] = []
    if startup_ok is not None and now >= startup_ok:
        cs["started"] = True
        _probe_readiness(container, cs, started, startup_ok, now, out, annotations, probes)
        killed = _liveness_kill_at(container, started, startup_ok, annotations, probes, now, out)
        if killed is not None:
            killed_at, message = killed
            endings.append((killed_at, Fate(None, 137, "Error"), [
                ("Warning", "Unhealthy", f"Liveness probe failed: {message}"),
                ("Normal", "Killing", f"Container {name} failed liveness probe, will be restarted"),
            ]))
    else:
        # Until the startup probe succeeds, liveness and readiness probes do not run.
        cs["started"] = False
        cs["ready"] = False
        if startup_ok is not None:
            out.wake((startup_ok - now).total_seconds())
        if startup_kill is not None:
            endings.append((startup_kill, Fate(None, 137, "Error"), [
                ("Warning", "Unhealthy", f"Startup probe failed: {startup_message}"),
                ("Normal", "Killing", f"Container {name} failed startup probe, will be restarted"),
            ]))
    crash_at = _ts(annotations.get(CRASH_AT))
    last_exit = _ts(((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt"))
    if crash_at is not None and started <= crash_at <= now and (last_exit is None or last_exit < crash_at):
        # (A restart in the same second as the crash starts a run the crash is done with.)
        # A crash injected by a teacher: this run of the container dies now, once.
        endings.append((crash_at, Fate(None, 1, "Error"), []))
    if container.get("stdin") and processes is not None:
        # An attached shell may read the end of its input in the API server's process: look again soon.
        ended = processes.input_ended(cs.get("containerID", ""))
        if ended is not None:
            endings.append((max(ended[0], started), Fate(None, ended[1], "Completed" if ended[1] == 0 else "Error"), []))
        else:
            out.wake(STDIN_LOOK_SECONDS)
    f = fate(container, annotations, (lambda: processes.run(pod, container, cs)) if processes is not None else None,
             (now - started).total_seconds())
    run = processes.runs.get(cs.get("containerID", "")) if processes is not None and f.runs_for is None else None
    again = run.look_again_at() if run is not None else None
    if again is not None:
        # The program was worked out only so far ahead: look further when that time comes.
        out.wake(max(again - (now - started).total_seconds(), LOOK_AGAIN_SECONDS))
    if f.runs_for is not None:
        ends = started + timedelta(seconds=f.runs_for)
        if f.reason == "OOMKilled" and ends < now:
            # Memory use raised (by a teacher) while it ran: the OOM killer acts now.
            ends = now
        endings.append((ends, f, []))
    if not endings:
        return
    ends, f, events = min(endings, key=lambda e: e[0])
    if now < ends:
        out.wake((ends - now).total_seconds())
        return
    out.events.extend(events)
    cs["state"] = {"terminated": {
        "exitCode": f.exit_code, "reason": f.reason, "startedAt": running.get("startedAt"),
        "finishedAt": rfc3339(ends), "containerID": cs.get("containerID", ""),
    }}
    cs["ready"] = False
    cs["started"] = False
    out.runtime.append(("exit", {"container": name, "code": f.exit_code, "reason": f.reason}))
    # The kubelet shows the exit (Error, OOMKilled) until its next look, then backs off.
    out.wake(TERMINATED_SHOWN_SECONDS)


def _back_off(pod: Obj, container: Obj, cs: Obj, now: datetime, out: Outcome, ref: Resolved) -> None:
    """A container that exited and will restart: at once the first time, and whenever its
    run outlasted the current back-off; otherwise it waits in CrashLoopBackOff.

    The kubelet's back-off (``doBackOff``: ``IsInBackOffSince(finishedAt)``, then ``Next``)
    has no entry at the first exit, so the first restart is immediate and sets 10 s; each
    later quick exit waits the current delay, which doubles to 5 minutes. A run longer than
    the delay (measured from its start, when ``Next`` was last called) restarts at once.
    """
    name = container["name"]
    terminated = cs["state"]["terminated"]
    restarts = cs.get("restartCount", 0)
    cs["lastState"] = {"terminated": terminated}
    cs["restartCount"] = restarts + 1
    finished = _ts(terminated.get("finishedAt")) or now
    started = _ts(terminated.get("startedAt")) or finished
    delay = backoff_seconds(restarts)
    if restarts == 0 or (finished - started).total_seconds() >= delay:
        _start(pod, container, cs, now, out, ref)
        return
    pod_ref = f"{pod['metadata']['name']}_{pod['metadata'].get('namespace', '')}({pod['metadata'].get('uid', '')})"
    cs["state"] = {"waiting": {
        "reason": "CrashLoopBackOff",
        "message": f"back-off {int(delay)}s restarting failed container={name} pod={pod_ref}",
    }}
    out.events.append(("Warning", "BackOff", f"Back-off restarting failed container {name} in pod {pod_ref}"))
    out.wake(max((finished + timedelta(seconds=delay) - now).total_seconds(), 0.0))


def _advance_pull(pod: Obj, container: Obj, cs: Obj, images: set[str], runtime: RuntimeState,
                  now: datetime, out: Outcome, ref: Resolved, env_error: str | None = None) -> None:
    """ContainerCreating → pulling → started, or ErrImagePull → ImagePullBackOff → retry."""
    key = (pod["metadata"].get("uid", ""), container["name"])
    image = container["image"]
    state = cs["state"]
    reason = state["waiting"].get("reason")
    started = runtime.pulls.get(key)
    if started is not None:
        done_at = started + timedelta(seconds=ref.pull_seconds)
        if now < done_at:
            out.wake((done_at - now).total_seconds())
            return
        del runtime.pulls[key]
        if ref.exists:
            runtime.pull_failures.pop(key, None)
            out.events.append((
                "Normal", "Pulled",
                f'Successfully pulled image "{image}" in {ref.pull_seconds:g}s ({ref.pull_seconds:g}s including waiting). '
                f"Image size: {ref.image.size} bytes.",
            ))
            images.add(ref.full_name)
            _create(pod, container, cs, now, out, ref, runtime, env_error)
            return
        failures = runtime.pull_failures.get(key, 0) + 1
        runtime.pull_failures[key] = failures
        runtime.retry_at[key] = now + timedelta(seconds=backoff_seconds(failures))
        qualified = _qualified(image)
        message = (
            f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image '
            f'"{qualified}": failed to resolve reference "{qualified}": {qualified}: not found'
        )
        state["waiting"] = {"reason": "ErrImagePull", "message": message}
        out.events.append(("Warning", "Failed", message))
        out.events.append(("Warning", "Failed", "Error: ErrImagePull"))
        out.runtime.append(("pull failed", {"image": image}))
        out.wake(1.0)
        return
    if reason == "ErrImagePull":
        state["waiting"] = {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}
        out.events.append(("Normal", "BackOff", f'Back-off pulling image "{image}"'))
        out.events.append(("Warning", "Failed", "Error: ImagePullBackOff"))
    if reason in ("ErrImagePull", "ImagePullBackOff"):
        retry = runtime.retry_at.get(key, now)
        if now < retry:
            out.wake((retry - now).total_seconds())
            return
    present = ref.exists and ref.full_name in images
    policy = container.get("imagePullPolicy", "IfNotPresent")
    if present and policy != "Always":
        out.events.append(("Normal", "Pulled", f'Container image "{image}" already present on machine'))
        out.runtime.append(("image present", {"image": image}))
        _create(pod, container, cs, now, out, ref, runtime, env_error)
        return
    if policy == "Never":
        message = f'Container image "{image}" is not present with pull policy of Never'
        state["waiting"] = {"reason": "ErrImageNeverPull", "message": message}
        out.events.append(("Warning", "ErrImageNeverPull", message))
        return
    runtime.pulls[key] = now
    out.events.append(("Normal", "Pulling", f'Pulling image "{image}"'))
    size = f"{ref.image.size / 1e6:.0f} MB, " if ref.image and ref.exists else ""
    out.runtime.append(("pull", {"image": image, "size": size, "seconds": f"{ref.pull_seconds:g}"}))
    out.wake(ref.pull_seconds)


FAIL_READINESS = "kubeviz.io/fail-readiness"
FAIL_LIVENESS = "kubeviz.io/fail-liveness"
FAIL_STARTUP = "kubeviz.io/fail-startup"


def _failing(annotations: dict[str, str], key: str, container: str) -> bool:
    """A teacher makes probes fail with an annotation: ``"true"`` or container names."""
    value = annotations.get(key, "")
    return value == "true" or container in [v.strip() for v in value.split(",")]


def _probe_failure(probe: Obj) -> str:
    if probe.get("httpGet"):
        return "HTTP probe failed with statuscode: 503"
    if probe.get("tcpSocket"):
        port = probe["tcpSocket"].get("port")
        return f"dial tcp: connect: connection refused (port {port})"
    return "command exited with non-zero code 1"


def _seconds(probe: Obj, field_name: str, default: int) -> int:
    return int(probe.get(field_name) or default)


#: how many probes ahead the kubelet works out (it looks again after them)
PROBE_HORIZON = 30


class _Prober:
    """Runs one container's probes against its simulated process (remembering results:
    the same probe at the same moment gives the same answer)."""

    def __init__(self, processes: Processes, pod: Obj, container: Obj):
        self.processes = processes
        self.pod = pod
        self.container = container
        self.results: dict[tuple[int, datetime], str | None] = {}

    def handles(self, probe: Obj) -> bool:
        return any(isinstance(probe.get(k), dict) for k in ("exec", "httpGet", "tcpSocket"))

    def result(self, probe: Obj, moment: datetime) -> str | None:
        from kubeviz.runtime.processes import probe as run_probe

        key = (id(probe), moment)
        if key not in self.results:
            self.results[key] = run_probe(self.processes, self.pod, self.container, probe, moment)
        return self.results[key]


def _startup(container: Obj, started: datetime, annotations: dict[str, str],
             probes: _Prober | None = None) -> tuple[datetime | None, datetime | None, str]:
    """(when the container counts as started, when a failing startup probe gets it killed,
    the probe's failure message).

    Without a startup probe it is started at once. A probe succeeds at its first passing
    check; one that fails failureThreshold checks in a row, periodSeconds apart, kills."""
    probe = container.get("startupProbe")
    if not probe:
        return started, None, ""
    first = started + timedelta(seconds=_seconds(probe, "initialDelaySeconds", 0))
    period = _seconds(probe, "periodSeconds", 10)
    threshold = _seconds(probe, "failureThreshold", 3)
    if _failing(annotations, FAIL_STARTUP, container["name"]):
        return None, first + timedelta(seconds=period * threshold), _probe_failure(probe)
    if probes is None or not probes.handles(probe):
        return first, None, ""
    message = ""
    for k in range(threshold):
        moment = first + timedelta(seconds=k * period)
        found = probes.result(probe, moment)
        if found is None:
            return moment, None, ""
        message = found
    return None, first + timedelta(seconds=(threshold - 1) * period), message


def _probe_readiness(container: Obj, cs: Obj, started: datetime, startup_ok: datetime, now: datetime,
                     out: Outcome, annotations: dict[str, str], probes: _Prober | None = None) -> None:
    """Readiness: ready once a check passes (after the initial delay and the startup
    probe); unready after failureThreshold failed checks in a row; made to fail by a
    teacher's annotation. The kubelet looks again when the answer next changes."""
    probe = container.get("readinessProbe")
    if not probe:
        cs["ready"] = True
        return
    failing = _failing(annotations, FAIL_READINESS, container["name"])
    first_check = max(started + timedelta(seconds=_seconds(probe, "initialDelaySeconds", 0)), startup_ok)
    if now < first_check:
        cs["ready"] = False
        out.wake((first_check - now).total_seconds())
        return
    if failing:
        out.events.append(("Warning", "Unhealthy", f"Readiness probe failed: {_probe_failure(probe)}"))
        cs["ready"] = False
        return
    if probes is None or not probes.handles(probe):
        cs["ready"] = True
        return
    period = _seconds(probe, "periodSeconds", 10)
    threshold = _seconds(probe, "failureThreshold", 3)
    latest = int((now - first_check).total_seconds() // period)
    window = [probes.result(probe, first_check + timedelta(seconds=k * period)) for k in range(max(latest - threshold + 1, 0), latest + 1)]
    was_ready = bool(cs.get("ready"))
    if window[-1] is None:
        cs["ready"] = True
    elif all(r is not None for r in window) and (len(window) == threshold or latest < threshold):
        cs["ready"] = False
        if was_ready or latest == 0:
            out.events.append(("Warning", "Unhealthy", f"Readiness probe failed: {window[-1]}"))
    current = window[-1] is None
    for k in range(latest + 1, latest + 1 + PROBE_HORIZON):
        moment = first_check + timedelta(seconds=k * period)
        if (probes.result(probe, moment) is None) != current:
            out.wake(max((moment - now).total_seconds(), 0.001))
            return
    out.wake(PROBE_HORIZON * period)


def _liveness_kill_at(container: Obj, started: datetime, startup_ok: datetime, annotations: dict[str, str],
                      probes: _Prober | None = None, now: datetime | None = None,
                      out: Outcome | None = None) -> tuple[datetime, str] | None:
    """When failing liveness checks (failureThreshold in a row) get the container killed,
    and the last failure's message."""
    probe = container.get("livenessProbe")
    if not probe:
        return None
    first_check = max(started + timedelta(seconds=_seconds(probe, "initialDelaySeconds", 0)), startup_ok)
    period = _seconds(probe, "periodSeconds", 10)
    threshold = _seconds(probe, "failureThreshold", 3)
    if _failing(annotations, FAIL_LIVENESS, container["name"]):
        return first_check + timedelta(seconds=period * threshold), _probe_failure(probe)
    if probes is None or now is None or not probes.handles(probe):
        return None
    # Earlier checks were worked out at earlier looks: start a few checks before now.
    begin = max(int((now - first_check).total_seconds() // period) - threshold, 0)
    fails = 0
    for k in range(begin, begin + threshold + PROBE_HORIZON):
        moment = first_check + timedelta(seconds=k * period)
        found = probes.result(probe, moment)
        fails = 0 if found is None else fails + 1
        if fails >= threshold:
            return moment, found or ""
    if out is not None:
        out.wake(max((first_check + timedelta(seconds=(begin + threshold + PROBE_HORIZON) * period) - now).total_seconds(), 1.0))
    return None


def _qualified(reference: str) -> str:
    name = reference if ":" in reference.rsplit("/", 1)[-1] else reference + ":latest"
    if "/" not in name.split(":")[0]:
        return f"docker.io/library/{name}"
    return name


def _create(pod: Obj, container: Obj, cs: Obj, now: datetime, out: Outcome, ref: Resolved,
            runtime: RuntimeState, env_error: str | None) -> None:
    """Start the container, unless its environment cannot be built (a missing ConfigMap,
    Secret or key): then it waits in CreateContainerConfigError and is tried again later."""
    key = (pod["metadata"].get("uid", ""), container["name"])
    if env_error:
        cs["state"] = {"waiting": {"reason": CONFIG_ERROR, "message": env_error}}
        out.events.append(("Warning", "Failed", f"Error: {env_error}"))
        runtime.config_retry[key] = now + timedelta(seconds=CONFIG_RETRY_SECONDS)
        out.wake(CONFIG_RETRY_SECONDS)
        return
    runtime.config_retry.pop(key, None)
    _start(pod, container, cs, now, out, ref)


def _start(pod: Obj, container: Obj, cs: Obj, now: datetime, out: Outcome, ref: Resolved) -> None:
    name = container["name"]
    restarts = cs.get("restartCount", 0)
    cid = container_id(pod["metadata"].get("uid", ""), name, restarts)
    cs["containerID"] = cid
    cs["imageID"] = ref.image_id or cs.get("imageID", "")
    cs["image"] = ref.full_name if ref.image else container["image"]
    cs["state"] = {"running": {"startedAt": rfc3339(now)}}
    gate = container.get("startupProbe")
    cs["started"] = not gate
    cs["ready"] = not gate and not container.get("readinessProbe")
    probe = gate or container.get("readinessProbe")
    if probe:
        out.wake(max(float(probe.get("initialDelaySeconds", 0) or 0), 0.5))
    out.events.append(("Normal", "Created", f"Created container: {name}"))
    out.events.append(("Normal", "Started", f"Started container {name}"))
    if restarts:
        out.runtime.append(("restart", {"container": name, "image": container["image"], "restarts": restarts}))
    else:
        out.runtime.append(("start", {"container": name, "image": container["image"]}))
    f = fate(container, pod["metadata"].get("annotations"))
    if f.runs_for is not None:
        out.wake(f.runs_for)


def _phase(status: Obj, statuses: list[Obj], restart_policy: str, stamp: str, sandbox: bool = True) -> None:
    conditions = status.setdefault("conditions", [])
    all_running_ready = bool(statuses) and all(cs.get("ready") for cs in statuses)
    terminated = [cs["state"]["terminated"] for cs in statuses if "terminated" in cs["state"]]
    # An exited container that will be restarted keeps the pod Running.
    final = [t for t in terminated if not _restarts(restart_policy, t.get("exitCode", 0))]
    if statuses and len(final) == len(statuses):
        status["phase"] = "Succeeded" if all(t["exitCode"] == 0 for t in final) else "Failed"
    elif terminated or any("running" in cs["state"] for cs in statuses) or any(cs.get("restartCount") for cs in statuses):
        status["phase"] = "Running"
    else:
        status["phase"] = "Pending"
    _condition(conditions, "PodReadyToStartContainers", "True" if sandbox else "False", stamp)
    _condition(conditions, "Initialized", "True", stamp)
    unready = [cs["name"] for cs in statuses if not cs.get("ready")]
    if status["phase"] in ("Succeeded", "Failed"):
        _condition(conditions, "Ready", "False", stamp, "PodCompleted")
        _condition(conditions, "ContainersReady", "False", stamp, "PodCompleted")
    elif all_running_ready:
        _condition(conditions, "Ready", "True", stamp)
        _condition(conditions, "ContainersReady", "True", stamp)
    else:
        msg = f"containers with unready status: [{' '.join(unready)}]"
        _condition(conditions, "Ready", "False", stamp, "ContainersNotReady", msg)
        _condition(conditions, "ContainersReady", "False", stamp, "ContainersNotReady", msg)
    order = {"PodReadyToStartContainers": 0, "Initialized": 1, "Ready": 2, "ContainersReady": 3, "PodScheduled": 4}
    conditions.sort(key=lambda c: order.get(c["type"], 9))
