"""The node's container processes, their network, and the probes that look at them.

``Processes`` keeps each running container instance's ``shell.Run`` (by container ID) so
its program is interpreted once, lazily, however often the kubelet asks. ``ClusterNetwork``
is what those programs reach: cluster DNS and, for ``wget``/``curl``, kube-proxy's rules
to a ready endpoint whose container answers from its files. ``probe`` runs a probe against a
container at a moment.

A program's requests to a Service are stamped with the program's own clock and kept, per
Service and second, until the kubelet's look at the pod reaches that time
(``Processes.requests_send``): then they are sent as the simulated traffic is (the serving
containers' CPU and access logs, one step in the diagram per Service and look). A program is
interpreted ahead of now (its fate is looked for), so a request it "will" make counts only
once its time has come. What the network resolves is cached for one batch (``new_batch``: a
kubelet's look at a pod), so a loop of requests costs a few reads, not a few per request.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import posixpath
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kubeviz.clusters.clock import parse_rfc3339

from .context import CLUSTER_DOMAIN, NAMESERVER, Lookup, container_context
from .images import default_argv
from .servers import listening, respond
from .shell import Fs, Run, run_command
from .shell.fs import at
from .volumes import Backing, backing, volume_read, volume_write, volume_written

Obj = dict[str, Any]
MAX_RUNS = 5000
#: a program's requests are sent to their Services at most this often
SEND_EVERY_SECONDS = 2.0


def _started(cs: Obj) -> datetime | None:
    value = ((cs.get("state") or {}).get("running") or {}).get("startedAt") or \
        ((cs.get("state") or {}).get("terminated") or {}).get("startedAt")
    return parse_rfc3339(value) if value else None


def on_volume(mounts: list[tuple[str, Backing, str]], path: str) -> tuple[Backing, str] | None:
    """The volume a container path lies on, among mounts that outlive the pod (mount path,
    backing, subPath), and the path within that volume; None when it lies on none."""
    for target, where, sub in mounts:
        prefix = target.rstrip("/") + "/"
        if path.startswith(prefix):
            rel = path[len(prefix):]
            return where, posixpath.join(sub, rel) if sub else rel
    return None


class Processes:
    """Container processes of one cluster's nodes (lost when the worker restarts, and
    rebuilt the same from the pod spec: programs are deterministic)."""

    def __init__(self, lookup: Lookup | None = None, services: Callable[[str], list[Obj]] | None = None,
                 network: Callable[[Processes, Obj], Any] | None = None, token: Callable[[Obj], str | None] | None = None,
                 read_volume: Callable[[Backing, str], dict[str, str]] | None = None,
                 write_volume: Callable[[str, list[tuple[float, Backing, str, str | None]]], int] | None = None,
                 written: Callable[[str], float | None] | None = None,
                 send: Callable[[str, str, int, str, int, datetime], None] | None = None, since: datetime | None = None):
        self.lookup = lookup
        self.services = services
        self.network = network
        self.token = token
        self.read_volume = read_volume
        self.write_volume = write_volume
        self.written = written
        self.send = send
        #: requests made before this moment were counted by an earlier worker (or are lost)
        self.since = since
        #: client pod (namespace/name) → (Service namespace, name, port) → second → requests
        self.requests: dict[str, dict[tuple[str, str, int], dict[int, int]]] = {}
        #: what the network resolved is reused while this stays the same
        self.generation = 0
        self.runs: dict[str, Run] = {}
        # Per container instance: its mounts that outlive the pod (mount path, backing,
        # subPath), how much of its journal has been looked at, and the offset up to which
        # its writes were already kept (by a process before a worker restart).
        self.mounts: dict[str, list[tuple[str, Backing, str]]] = {}
        self.persisted: dict[str, int] = {}
        self.kept_until: dict[str, float] = {}
        #: containerID → (when, exit code) once an attached shell's input has ended
        self.input_ended: Callable[[str], tuple[datetime, int] | None] = lambda cid: None
        #: containerID → what ``kubectl exec``/``cp`` wrote there, in order (None: removed)
        self.exec_writes: Callable[[str], list[tuple[str, str | None]]] = lambda cid: []

    @classmethod
    def of_cluster(cls, cluster: Any) -> Processes:
        """The processes of a cluster's nodes: Service variables and the network come from
        the cluster's data plane (read only when a command needs them)."""
        from kubeviz.apiserver import errors, registry
        from kubeviz.apiserver.satokens import pod_token
        from kubeviz.clusters import clock
        from kubeviz.proxy.traffic import MAX_REQUESTS, traffic_send

        def send(namespace: str, name: str, port: int, client: str, count: int, at: datetime) -> None:
            try:
                traffic_send(cluster=cluster, namespace=namespace, name=name, requests=min(count, MAX_REQUESTS), port=port,
                             from_pod=client, at=at)
            except errors.StatusError:
                pass  # the Service or its endpoints went away since: those requests were refused

        processes = cls(send=send, since=clock.now(cluster), services=lambda namespace: registry.objects(cluster, "services", namespace),
                        network=lambda processes, pod: ClusterNetwork(processes, cluster, pod),
                        token=lambda pod: pod_token(cluster, pod),
                        read_volume=lambda where, reader: volume_read(cluster=cluster, where=where, reader=reader),
                        write_volume=lambda writer, changes: volume_write(cluster=cluster, writer=writer, changes=changes),
                        written=lambda writer: volume_written(cluster=cluster, writer=writer))
        processes.input_ended = lambda cid: _input_ended(cluster, cid)
        processes.exec_writes = lambda cid: exec_writes(cluster, cid)
        return processes

    def new_batch(self) -> None:
        """What the network resolved may have changed: resolve again from now on."""
        self.generation += 1

    def request(self, client: str, service: tuple[str, str, int], moment: datetime) -> None:
        """A program in pod ``client`` sent a request to the Service at ``moment``."""
        if self.since is not None and moment < self.since:
            return
        seconds = self.requests.setdefault(client, {}).setdefault(service, {})
        second = int(moment.timestamp())
        seconds[second] = seconds.get(second, 0) + 1

    def requests_send(self, client: str, now: datetime, *, all_of_them: bool = False) -> float | None:
        """Send the pod's requests of the seconds that have passed by ``now`` (all of them
        but those still ahead, when the pod stops); returns in how many seconds the next
        ones are due (at least ``SEND_EVERY_SECONDS``: one traffic step per Service and look),
        None when none are waiting."""
        pending = self.requests.get(client)
        if not pending or self.send is None:
            return None
        for (namespace, name, port), seconds in list(pending.items()):
            due = sorted(s for s in seconds if s + 1 <= now.timestamp() or (all_of_them and s <= now.timestamp()))
            if not due:
                continue
            count = sum(seconds.pop(s) for s in due)
            self.send(namespace, name, port, client, count, datetime.fromtimestamp(due[-1], tz=now.tzinfo))
            if not seconds:
                del pending[(namespace, name, port)]
        if not pending:
            del self.requests[client]
            return None
        following = min(min(seconds) for seconds in pending.values()) + 1 - now.timestamp()
        return max(following, SEND_EVERY_SECONDS)

    def kept_mounts(self, pod: Obj, container: Obj) -> list[tuple[str, Backing, str]]:
        """The container's writable mounts whose files outlive the pod (PV, hostPath)."""
        volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or [] if isinstance(v, dict)}
        found = []
        for mount in container.get("volumeMounts") or []:
            volume = volumes.get(mount.get("name"))
            where = backing(pod, volume, self.lookup) if volume is not None and not mount.get("readOnly") else None
            if where is not None:
                found.append((posixpath.normpath(str(mount.get("mountPath") or "/")), where, str(mount.get("subPath") or "")))
        return found

    def _stored(self, pod: Obj, cid: str) -> Callable[[Obj], dict[str, str] | None] | None:
        if self.read_volume is None:
            return None
        read = self.read_volume
        reader = cid.rpartition("//")[2]

        def stored(volume: Obj) -> dict[str, str] | None:
            where = backing(pod, volume, self.lookup)
            return read(where, reader) if where is not None else None
        return stored

    def persist(self, cid: str, offset: float) -> int:
        """Write what the instance wrote under its kept mounts before ``offset`` (seconds
        after it started) to their volumes; returns how many writes that was."""
        run, mounts = self.runs.get(cid), self.mounts.get(cid)
        if run is None or not mounts or self.write_volume is None:
            return 0
        run.advance(offset)
        done = self.persisted.get(cid, 0)
        kept_until = self.kept_until.get(cid, -1.0)
        changes: list[tuple[float, Backing, str, str | None]] = []
        for when, path, content in run.journal[done:]:
            if when >= offset:
                break
            done += 1
            found = on_volume(mounts, path) if when > kept_until else None
            if found is not None:
                changes.append((when, *found, content))
        self.persisted[cid] = done
        return self.write_volume(cid.rpartition("//")[2], changes) if changes else 0

    def forget(self, cid: str) -> None:
        """The instance has ended: its process is no longer needed."""
        self.runs.pop(cid, None)
        self.mounts.pop(cid, None)
        self.persisted.pop(cid, None)
        self.kept_until.pop(cid, None)

    def run(self, pod: Obj, container: Obj, cs: Obj) -> Run | None:
        """The container instance's process (None before it has started)."""
        cid = cs.get("containerID", "")
        started = _started(cs)
        if not cid or started is None:
            return None
        found = self.runs.get(cid)
        if found is None:
            if len(self.runs) >= MAX_RUNS:
                self.runs.clear()
                self.mounts.clear()
                self.persisted.clear()
                self.kept_until.clear()
            namespace = (pod.get("metadata") or {}).get("namespace") or "default"
            ctx = container_context(
                pod, container, lookup=self.lookup,
                services=self.services(namespace) if self.services and container.get("command") else None,
                network=self.network(self, pod) if self.network else None, started=started,
                token=self.token if container.get("command") else None, stored=self._stored(pod, cid))
            kept = self.kept_mounts(pod, container)
            if kept:
                self.mounts[cid] = kept
                before = self.written(cid.rpartition("//")[2]) if self.written is not None else None
                if before is not None:
                    self.kept_until[cid] = before
            found = self.runs[cid] = Run(ctx, default_argv(container))
            if isinstance(ctx.network, ClusterNetwork):
                ctx.network.clock = _program_clock(found, started)
        return found

    def files_at(self, pod: Obj, container: Obj, moment: datetime) -> Fs | None:
        """The container's files at ``moment``: its image and volumes, what it wrote, and
        what the pod's other containers wrote to an ``emptyDir`` both mount."""
        statuses = {cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []}
        cs = statuses.get(container["name"]) or {}
        run = self.run(pod, container, cs)
        if run is None:
            return None
        started = _started(cs)
        assert started is not None
        offset = (moment - started).total_seconds()
        run.advance(offset)
        fs = at(run.base, run.journal, offset)
        empty = {v.get("name") for v in pod["spec"].get("volumes") or [] if "emptyDir" in v}
        mine = {m.get("name"): m.get("mountPath", "") for m in container.get("volumeMounts") or [] if m.get("name") in empty}
        for other in pod["spec"].get("containers") or []:
            if other is container or other.get("name") == container["name"] or not mine:
                continue
            theirs = {m.get("name"): m.get("mountPath", "") for m in other.get("volumeMounts") or [] if m.get("name") in mine}
            other_cs = statuses.get(other["name"]) or {}
            other_run = self.run(pod, other, other_cs) if theirs else None
            other_started = _started(other_cs)
            if other_run is None or other_started is None:
                continue
            other_offset = (moment - other_started).total_seconds()
            other_run.advance(other_offset)
            for when, path, content in other_run.journal:
                if when >= other_offset:
                    break
                for volume, root in theirs.items():
                    if path.startswith(root.rstrip("/") + "/"):
                        target = posixpath.join(mine[volume], path[len(root.rstrip("/")) + 1:])
                        if content is None:
                            fs.files.pop(target, None)
                        else:
                            fs.files[target] = content
                            fs._parents(target)
        # What a user's exec wrote is there from then on, for probes and servers too.
        for path, content in self.exec_writes(cs.get("containerID", "")):
            if content is None:
                fs.files.pop(path, None)
            else:
                fs.files[path] = content
                fs._parents(path)
        return fs

    def listens(self, pod: Obj, container: Obj, port: int, moment: datetime) -> str | None:
        """The server of the container that listens on ``port`` at ``moment``, if any."""
        statuses = {cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []}
        cs = statuses.get(container["name"]) or {}
        run = self.run(pod, container, cs)
        started = _started(cs)
        if run is None or started is None:
            return None
        run.advance((moment - started).total_seconds())
        return listening(run.serving).get(port)

    def http(self, pod: Obj, container: Obj, port: int, path: str, moment: datetime) -> tuple[int, str, str]:
        """GET ``path`` on the container's ``port``; ConnectionError when nothing listens."""
        server = self.listens(pod, container, port, moment)
        if server is None:
            raise ConnectionError("Connection refused")
        statuses = {cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []}
        started = _started(statuses.get(container["name"]) or {}) or moment
        files = self.files_at(pod, container, moment) or Fs()
        return respond(server, path, files=files, hostname=str(pod["spec"].get("hostname") or pod["metadata"].get("name")),
                       offset=(moment - started).total_seconds(), image=str(container.get("image", "")))


def _program_clock(run: Run, started: datetime) -> Callable[[], datetime]:
    return lambda: started + timedelta(seconds=run.shell.clock)


def exec_writes(cluster: Any, container_id: str) -> list[tuple[str, str | None]]:
    """What execs wrote in one container instance (``containerd://…`` or the bare ID)."""
    from .models import ExecWrite

    cid = container_id.rsplit("/", 1)[-1]
    if not cid:
        return []
    return list(ExecWrite.objects.filter(cluster=cluster, container_id=cid).order_by("id").values_list("path", "content"))


def _input_ended(cluster: Any, container_id: str) -> tuple[datetime, int] | None:
    from .models import InputEnded

    found = InputEnded.objects.filter(cluster=cluster, container_id=container_id.rsplit("/", 1)[-1]).first()
    return (found.time, found.code) if found else None


# ---- probes ----------------------------------------------------------------------------------


def _port(container: Obj, port: object) -> int:
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        return int(port)
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return int(p.get("containerPort") or 0)
    return 0


def probe(processes: Processes, pod: Obj, container: Obj, spec: Obj, moment: datetime) -> str | None:
    """Run a probe at ``moment``: None when it succeeds, else the kubelet's failure message."""
    ip = (pod.get("status") or {}).get("podIP") or ""
    cs = next((c for c in (pod.get("status") or {}).get("containerStatuses") or [] if c.get("name") == container["name"]), {})
    started = _started(cs)
    if started is not None and moment <= started:
        # A probe's own process starts after the container's first instructions have run
        # (a `touch /tmp/healthy` first thing is there for a probe with no initial delay).
        moment = started + timedelta(milliseconds=1)
    if isinstance(spec.get("exec"), dict):
        files = processes.files_at(pod, container, moment)
        statuses = {cs.get("name"): cs for cs in (pod.get("status") or {}).get("containerStatuses") or []}
        run = processes.run(pod, container, statuses.get(container["name"]) or {})
        if files is None or run is None:
            return None
        ctx = dataclasses.replace(run.ctx, fs=files)
        out, err, code = run_command(ctx, [str(w) for w in spec["exec"].get("command") or []])
        if code == 0:
            return None
        return (out + err).rstrip("\n") or f"command {spec['exec'].get('command')} exited with {code}"
    if isinstance(spec.get("httpGet"), dict):
        get = spec["httpGet"]
        port = _port(container, get.get("port"))
        path = str(get.get("path") or "/")
        try:
            status, _, _ = processes.http(pod, container, port, path, moment)
        except ConnectionError:
            return f'Get "http://{ip}:{port}{path}": dial tcp {ip}:{port}: connect: connection refused'
        return None if 200 <= status < 400 else f"HTTP probe failed with statuscode: {status}"
    if isinstance(spec.get("tcpSocket"), dict):
        port = _port(container, spec["tcpSocket"].get("port"))
        if processes.listens(pod, container, port, moment) is None:
            return f"dial tcp {ip}:{port}: connect: connection refused"
        return None
    return None


# ---- the network -----------------------------------------------------------------------------


class ClusterNetwork:
    """Cluster DNS and kube-proxy, seen from ``pod``: reads Services, Endpoints, Pods and
    NetworkPolicies through the registry only when a program uses the network. A query or
    connection that a NetworkPolicy drops raises TimeoutError: nothing answers, as on a
    cluster whose network plugin enforces policies (kubeviz.proxy.netpol)."""

    nameserver = NAMESERVER

    def __init__(self, processes: Processes, cluster: Any, pod: Obj):
        self.processes = processes
        self.cluster = cluster
        self.pod = pod
        self.namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        #: the program's own clock (a container's process); None: an exec, whose requests are now
        self.clock: Callable[[], datetime] | None = None
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._generation = processes.generation

    def _cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()`` once per batch (``Processes.new_batch``)."""
        if self._generation != self.processes.generation:
            self._cache.clear()
            self._generation = self.processes.generation
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _verdict(self, destination: Obj | None, port: int, protocol: str) -> Any:
        """The NetworkPolicy verdict for a connection from this pod to ``destination`` (a
        pod; None for cluster DNS): egress from here, then ingress there."""
        key = ("verdict", None if destination is None else destination["metadata"].get("uid"), port, protocol)
        return self._cached(key, lambda: self._verdict_now(destination, port, protocol))

    def _verdict_now(self, destination: Obj | None, port: int, protocol: str) -> Any:
        from kubeviz.proxy.netpol import DNS_PEER, Verdict, egress_verdict, ingress_verdict, peer_of

        outgoing = self._objects("networkpolicies", self.namespace)
        incoming = [] if destination is None else \
            self._objects("networkpolicies", (destination.get("metadata") or {}).get("namespace"))
        if not outgoing and not incoming:
            return Verdict(True)
        namespaces = {n["metadata"]["name"]: n for n in self._objects("namespaces")}
        peer = DNS_PEER if destination is None else peer_of(destination)
        if outgoing:
            verdict = egress_verdict(outgoing, namespaces, self.pod, peer, port, protocol, destination)
            if not verdict.allowed or destination is None:
                return verdict
        return ingress_verdict(incoming, namespaces, destination, port, protocol, peer_of(self.pod)) if incoming else Verdict(True)

    def _dropped(self, what: str, verdict: Any) -> TimeoutError:
        from kubeviz.flow.services import step_record

        me = f"{self.namespace}/{(self.pod.get('metadata') or {}).get('name')}"
        policies = ", ".join(verdict.isolating)
        why = (f"pod {me} is isolated for egress by {policies}, which allow nothing to it" if verdict.direction == "Egress"
               else f"the destination is isolated by {policies}, which allow nothing from pod {me}")
        step_record(cluster=self.cluster, step=None, source="client", target="network", action="traffic", obj=self.pod,
                    category="proxy", message=f"pod {me}'s {what} was dropped by the network policy: {why}; "
                                          f"nothing answers, so the client waits until it times out")
        return TimeoutError(f"{what} dropped")

    def _objects(self, plural: str, namespace: str | None = None) -> list[Obj]:
        from kubeviz.apiserver import registry

        return self._cached(("objects", plural, namespace), lambda: registry.objects(self.cluster, plural, namespace))

    def lookup(self, name: str) -> tuple[str, list[str]] | None:
        name = name.rstrip(".")
        if name == "localhost":
            return name, ["127.0.0.1"]
        try:
            ipaddress.ip_address(name)
            return name, [name]
        except ValueError:
            pass
        dns = self._verdict(None, 53, "UDP")
        if not dns.allowed:
            raise self._dropped(f"DNS query for {name} (UDP port 53 to kube-dns)", dns)
        return self._cached(("lookup", name), lambda: self._resolve(name))

    def _resolve(self, name: str) -> tuple[str, list[str]] | None:
        candidates = [name] if name.count(".") >= 5 else []
        candidates += [f"{name}.{self.namespace}.svc.{CLUSTER_DOMAIN}", f"{name}.svc.{CLUSTER_DOMAIN}", f"{name}.{CLUSTER_DOMAIN}", name]
        for fqdn in candidates:
            found = self._answer(fqdn)
            if found:
                return fqdn, found
        return None

    def _answer(self, fqdn: str) -> list[str]:
        suffix = f".svc.{CLUSTER_DOMAIN}"
        if not fqdn.endswith(suffix):
            return []
        parts = fqdn[: -len(suffix)].split(".")
        if len(parts) == 2:
            service, namespace = parts
            from kubeviz.proxy.rules import dns_records

            services = [s for s in self._objects("services", namespace) if s["metadata"]["name"] == service]
            if not services:
                return []
            endpoints = [e for e in self._objects("endpoints", namespace) if e["metadata"]["name"] == service]
            return [a for a in dns_records(services, endpoints).get(f"{service}.{namespace}{suffix}", []) if a]
        if len(parts) == 3:
            host, subdomain, namespace = parts
            return [p["status"]["podIP"] for p in self._objects("pods", namespace)
                    if p["spec"].get("hostname") == host and p["spec"].get("subdomain") == subdomain and (p.get("status") or {}).get("podIP")]
        return []

    def _target(self, ip: str, port: int) -> tuple[Obj, int, Obj | None, str] | None:
        """(pod, port, Service or None, node) a connection to ``ip:port`` reaches: through a
        Service's rule to one of its ready endpoints (picked per connection, as iptables
        does), or a pod's own IP."""
        from kubeviz.proxy.traffic import iptables_pick

        route = self._cached(("route", ip, port), lambda: self._route(ip, port))
        if route is None or route[0] is None:
            return route[1] if route else None
        svc, node, backends, pods = route
        rng = self._cached(("rng",), lambda: random.Random(f"{self.cluster.seed}:network:{self._now().isoformat()}"))
        backend = iptables_pick(backends, rng)
        pod = pods.get(backend.pod)
        return (pod, backend.port, svc, node) if pod is not None else None

    def _now(self) -> datetime:
        from kubeviz.clusters import clock

        return clock.now(self.cluster)

    def _route(self, ip: str, port: int) -> tuple[Any, ...] | None:
        """(Service, node, its rule's backends, their pods by name), (None, (pod, port, None,
        "")) for a pod's own IP, or None: nothing there."""
        from kubeviz.proxy.selectors import rules_of_service

        for svc in self._objects("services"):
            spec = svc.get("spec") or {}
            if ip not in (spec.get("clusterIPs") or [spec.get("clusterIP")]):
                continue
            node, rules = rules_of_service(self.cluster, svc)
            rule = next((r for r in (rules.rules if rules else []) if r.kind == "ClusterIP" and r.port == port), None)
            if rule is None or not rule.backends:
                return None
            wanted = {b.pod for b in rule.backends}
            pods = {p["metadata"]["name"]: p for p in self._objects("pods", svc["metadata"].get("namespace"))
                    if p["metadata"]["name"] in wanted}
            return svc, node, rule.backends, pods
        for pod in self._objects("pods"):
            if (pod.get("status") or {}).get("podIP") == ip:
                return None, (pod, port, None, "")
        return None

    def _record(self, svc: Obj, node: str, pod: str, port: int) -> None:
        from kubeviz.flow.services import step_record

        key = f"{svc['metadata'].get('namespace')}/{svc['metadata']['name']}"
        step_record(cluster=self.cluster, step=None, source="client", target=f"kube-proxy/{node}", action="traffic", obj=svc,
                    category="proxy", message=f"a container's request to {key} was sent by kube-proxy to pod {pod} (port {port})")

    def _serve(self, ip: str, port: int, path: str | None) -> tuple[int, str, str]:
        target = self._target(ip, port)
        if target is None:
            raise ConnectionError("Connection refused")
        pod, target_port, svc, node = target
        verdict = self._verdict(pod, target_port, "TCP")
        if not verdict.allowed:
            raise self._dropped(f"connection to {ip}:{port} (pod {pod['metadata'].get('namespace')}/{pod['metadata']['name']} "
                                f"port {target_port})", verdict)
        answer = self._cached(("answer", pod["metadata"].get("uid"), target_port, path), lambda: self._answer_now(pod, target_port, path))
        if svc is not None:
            if self.clock is None:
                self._record(svc, node, pod["metadata"]["name"], target_port)
            elif path is not None and answer is not None:
                me = f"{self.namespace}/{(self.pod.get('metadata') or {}).get('name')}"
                self.processes.request(me, (svc["metadata"].get("namespace") or "default", svc["metadata"]["name"], port), self.clock())
        if answer is None:
            raise ConnectionError("Connection refused")
        return answer

    def _answer_now(self, pod: Obj, port: int, path: str | None) -> tuple[int, str, str] | None:
        """What the pod's listening container answers now (None: nothing listens)."""
        moment = self._now()
        for container in pod["spec"].get("containers") or []:
            if self.processes.listens(pod, container, port, moment) is not None:
                if path is None:
                    return 200, "OK", ""
                return self.processes.http(pod, container, port, path, moment)
        return None

    def http(self, host: str, port: int, path: str) -> tuple[int, str, str]:
        return self._serve(host, port, path)

    def connect(self, host: str, port: int) -> bool:
        try:
            self._serve(host, port, None)
        except (ConnectionError, TimeoutError):
            return False
        return True
