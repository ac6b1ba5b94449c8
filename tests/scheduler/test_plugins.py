"""The scheduler's plugins, table-driven, without a database (as kube-scheduler's own tests)."""
from __future__ import annotations

import random

import pytest

from kubeviz.scheduler import explain, queue
from kubeviz.scheduler.algorithm import num_feasible_nodes_to_find, schedule_pod
from kubeviz.scheduler.framework import (
    SUCCESS,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    ImageState,
    NodeInfo,
    Status,
    snapshot_build,
)
from kubeviz.scheduler.plugins import (
    balanced_allocation,
    image_locality,
    node_affinity,
    node_name,
    node_ports,
    node_resources_fit,
    node_unschedulable,
    taint_toleration,
)
from kubeviz.scheduler.plugins.helpers import default_normalize_score
from kubeviz.scheduler.resources import non_zero_requests, pod_requests

GI = 2**30
MI = 2**20


def node(name="node-1", cpu="4", memory="8Gi", pods="110", labels=None, taints=None, unschedulable=False, images=None):
    spec = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
        "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": pods}, "images": images or []},
    }


def pod(name="p", cpu=None, memory=None, node_name=None, uid=None, priority=0, **spec):
    requests = {}
    if cpu is not None:
        requests["cpu"] = cpu
    if memory is not None:
        requests["memory"] = memory
    container = {"name": "c", "image": spec.pop("image", "nginx")}
    if requests:
        container["resources"] = {"requests": requests}
    if "ports" in spec:
        container["ports"] = spec.pop("ports")
    body = {"containers": [container], "priority": priority, **spec}
    if node_name:
        body["nodeName"] = node_name
    return {"kind": "Pod", "metadata": {"namespace": "default", "name": name, "uid": uid or f"uid-{name}"}, "spec": body,
            "status": {"phase": "Pending"}}


def info(n=None, pods=()):
    return NodeInfo.of(n or node(), pods)


# ---- NodeUnschedulable / NodeName ------------------------------------------------------------


@pytest.mark.parametrize("unsched, tolerations, fits", [
    (False, [], True),
    (True, [], False),
    (True, [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}], True),
    (True, [{"operator": "Exists"}], True),
    (True, [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoExecute"}], False),
])
def test_node_unschedulable(unsched, tolerations, fits):
    status = node_unschedulable.NodeUnschedulable().filter(pod(tolerations=tolerations), info(node(unschedulable=unsched)))
    assert status.ok is fits
    if not fits:
        assert status == Status(UNRESOLVABLE, ("node(s) were unschedulable",), "NodeUnschedulable")


@pytest.mark.parametrize("wanted, fits", [(None, True), ("node-1", True), ("node-2", False)])
def test_node_name(wanted, fits):
    status = node_name.NodeName().filter(pod(node_name=wanted), info())
    assert status.ok is fits
    if not fits:
        assert status.reasons == ("node(s) didn't match the requested node name",)
        assert status.code == UNRESOLVABLE


# ---- TaintToleration -------------------------------------------------------------------------

GPU = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
NOT_READY = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}


@pytest.mark.parametrize("taints, tolerations, reason", [
    ([], [], None),
    ([GPU], [], "node(s) had untolerated taint {dedicated: gpu}"),
    ([GPU], [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}], None),
    ([GPU], [{"key": "dedicated", "value": "gpu"}], None),  # empty operator is Equal, empty effect all
    ([GPU], [{"key": "dedicated", "value": "cpu"}], "node(s) had untolerated taint {dedicated: gpu}"),
    ([GPU], [{"key": "dedicated", "operator": "Exists"}], None),
    ([GPU], [{"operator": "Exists"}], None),
    ([GPU], [{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}], "node(s) had untolerated taint {dedicated: gpu}"),
    ([{"key": "k", "effect": "PreferNoSchedule"}], [], None),  # only a preference
    ([{"key": "k", "value": "v", "effect": "NoExecute"}], [], "node(s) had untolerated taint {k: v}"),
    # The default not-ready toleration is for NoExecute only.
    ([NOT_READY], [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
     "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"),
])
def test_taint_toleration_filter(taints, tolerations, reason):
    status = taint_toleration.TaintToleration().filter(pod(tolerations=tolerations), info(node(taints=taints)))
    if reason is None:
        assert status.ok
    else:
        assert status == Status(UNRESOLVABLE, (reason,), "TaintToleration")


def test_taint_toleration_score_prefers_fewer_intolerable_prefer_no_schedule_taints():
    prefer = [{"key": f"k{i}", "effect": "PreferNoSchedule"} for i in range(2)]
    plugin = taint_toleration.TaintToleration()
    nodes = {"a": info(node("a")), "b": info(node("b", taints=prefer[:1])), "c": info(node("c", taints=prefer))}
    p = pod()
    raw = {n: plugin.score(p, i, None) for n, i in nodes.items()}
    assert raw == {"a": 0, "b": 1, "c": 2}
    assert plugin.normalize(raw) == {"a": 100, "b": 50, "c": 0}
    # A PreferNoSchedule toleration removes the penalty; a NoSchedule one does not count.
    tolerant = pod(tolerations=[{"key": "k0", "operator": "Exists", "effect": "PreferNoSchedule"},
                                {"key": "k1", "operator": "Exists", "effect": "NoSchedule"}])
    assert plugin.score(tolerant, nodes["c"], None) == 1
    assert plugin.normalize({"a": 0, "b": 0}) == {"a": 100, "b": 100}


# ---- NodeAffinity ----------------------------------------------------------------------------


def required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def expr(key, op, *values):
    return {"matchExpressions": [{"key": key, "operator": op, **({"values": list(values)} if values else {})}]}


LABELS = {"zone": "a", "disk": "ssd", "cores": "8"}


@pytest.mark.parametrize("spec, fits", [
    ({}, True),
    ({"nodeSelector": {"zone": "a"}}, True),
    ({"nodeSelector": {"zone": "b"}}, False),
    ({"nodeSelector": {"zone": "a", "disk": "hdd"}}, False),
    ({"affinity": required(expr("zone", "In", "a", "b"))}, True),
    ({"affinity": required(expr("zone", "In", "b"))}, False),
    ({"affinity": required(expr("zone", "NotIn", "b"))}, True),
    ({"affinity": required(expr("zone", "NotIn", "a"))}, False),
    ({"affinity": required(expr("gpu", "NotIn", "x"))}, True),  # absent label: NotIn holds
    ({"affinity": required(expr("disk", "Exists"))}, True),
    ({"affinity": required(expr("gpu", "Exists"))}, False),
    ({"affinity": required(expr("gpu", "DoesNotExist"))}, True),
    ({"affinity": required(expr("disk", "DoesNotExist"))}, False),
    ({"affinity": required(expr("cores", "Gt", "4"))}, True),
    ({"affinity": required(expr("cores", "Gt", "8"))}, False),
    ({"affinity": required(expr("cores", "Lt", "16"))}, True),
    ({"affinity": required(expr("zone", "Lt", "16"))}, False),  # not an integer
    ({"affinity": required(expr("zone", "In", "b"), expr("disk", "In", "ssd"))}, True),  # terms are ORed
    ({"affinity": required({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]},
                                                 {"key": "disk", "operator": "In", "values": ["hdd"]}]})}, False),  # ANDed
    ({"affinity": required({})}, False),  # an empty term matches nothing
    ({"affinity": required()}, False),  # no terms: nothing
    ({"affinity": required({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]})}, True),
    ({"affinity": required({"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-1"]}]})}, False),
    ({"nodeSelector": {"zone": "b"}, "affinity": required(expr("zone", "In", "a"))}, False),  # both must hold
])
def test_node_affinity_filter(spec, fits):
    status = node_affinity.NodeAffinity().filter(pod(**spec), info(node(labels=LABELS)))
    assert status.ok is fits
    if not fits:
        assert status == Status(UNRESOLVABLE, ("node(s) didn't match Pod's node affinity/selector",), "NodeAffinity")


def fields(*names):
    return {"matchFields": [{"key": "metadata.name", "operator": "In", "values": list(names)}]}


@pytest.mark.parametrize("affinity, names, code", [
    (None, None, SUCCESS),
    (required(expr("zone", "In", "a")), None, SUCCESS),
    (required(fields("node-1")), {"node-1"}, SUCCESS),
    (required(fields("node-1"), fields("node-2")), {"node-1", "node-2"}, SUCCESS),
    (required(fields("node-1"), expr("zone", "In", "a")), None, SUCCESS),  # a term without names: any node
    (required({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]},
                               {"key": "metadata.name", "operator": "In", "values": ["node-2"]}]}), None, UNRESOLVABLE),
])
def test_node_affinity_pre_filter(affinity, names, code):
    got, status = node_affinity.pre_filter(pod(**({"affinity": affinity} if affinity else {})))
    assert got == names
    assert status.code == code
    if code != SUCCESS:
        assert status.reasons == ("pod affinity terms conflict",)


def test_node_affinity_preferred_score_sums_weights_and_normalizes():
    preferred = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "preference": expr("zone", "In", "a")},
        {"weight": 30, "preference": expr("disk", "In", "ssd")},
        {"weight": 50, "preference": {}},  # empty preference: matches nothing
    ]}}
    plugin = node_affinity.NodeAffinity()
    p = pod(affinity=preferred)
    nodes = {
        "both": info(node("both", labels={"zone": "a", "disk": "ssd"})),
        "zone": info(node("zone", labels={"zone": "a"})),
        "none": info(node("none")),
    }
    raw = {n: plugin.score(p, i, None) for n, i in nodes.items()}
    assert raw == {"both": 40, "zone": 10, "none": 0}
    assert plugin.normalize(raw) == {"both": 100, "zone": 25, "none": 0}
    assert plugin.pre_score(p) and not plugin.pre_score(pod())


# ---- NodePorts -------------------------------------------------------------------------------


@pytest.mark.parametrize("existing, wanted, fits", [
    ([], [{"containerPort": 80, "hostPort": 8080}], True),
    ([{"containerPort": 80, "hostPort": 8080}], [{"containerPort": 80, "hostPort": 8080}], False),
    ([{"containerPort": 80, "hostPort": 8080}], [{"containerPort": 80, "hostPort": 8081}], True),
    ([{"containerPort": 80, "hostPort": 8080}], [{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}], True),
    ([{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.1"}], [{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.2"}], True),
    ([{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.1"}], [{"containerPort": 80, "hostPort": 8080}], False),
    ([{"containerPort": 80, "hostPort": 8080}], [{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.2"}], False),
    ([{"containerPort": 80}], [{"containerPort": 80}], True),  # no host port: no conflict
])
def test_node_ports(existing, wanted, fits):
    ni = info(pods=[pod("old", node_name="node-1", ports=existing)])
    status = node_ports.NodePorts().filter(pod(ports=wanted), ni)
    assert status.ok is fits
    if not fits:
        assert status == Status(UNSCHEDULABLE, ("node(s) didn't have free ports for the requested pod ports",), "NodePorts")


# ---- NodeResourcesFit ------------------------------------------------------------------------


def test_pod_requests_init_containers_max_rule_and_sidecars():
    p = pod(cpu="1", memory="1Gi")
    p["spec"]["containers"].append({"name": "d", "image": "x", "resources": {"requests": {"cpu": "500m"}}})
    assert pod_requests(p) == {"cpu": 1500, "memory": GI}
    # An init container bigger than the sum wins, resource by resource.
    p["spec"]["initContainers"] = [{"name": "i", "image": "x", "resources": {"requests": {"cpu": "2", "memory": "512Mi"}}}]
    assert pod_requests(p) == {"cpu": 2000, "memory": GI}
    # A sidecar (restartable init container) adds to the pod and to later init containers.
    p["spec"]["initContainers"].insert(0, {"name": "s", "image": "x", "restartPolicy": "Always",
                                           "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}}})
    assert pod_requests(p) == {"cpu": 2100, "memory": GI + 100 * MI}
    p["spec"]["overhead"] = {"cpu": "250m"}
    assert pod_requests(p)["cpu"] == 2350


def test_non_zero_requests_fill_missing_container_requests():
    assert non_zero_requests(pod()) == {"cpu": 100, "memory": 200 * MI}
    assert non_zero_requests(pod(cpu="0")) == {"cpu": 0, "memory": 200 * MI}  # explicit zero stays zero
    assert pod_requests(pod()) == {}


@pytest.mark.parametrize("existing, wanted, reasons", [
    ([], {"cpu": "1"}, []),
    ([], {"cpu": "4"}, []),
    ([], {"cpu": "4001m"}, ["Insufficient cpu"]),
    ([("3", "1Gi")], {"cpu": "1"}, []),
    ([("3", "1Gi")], {"cpu": "1001m"}, ["Insufficient cpu"]),
    ([("1", "7Gi")], {"memory": "2Gi"}, ["Insufficient memory"]),
    ([("3", "7Gi")], {"cpu": "2", "memory": "2Gi"}, ["Insufficient cpu", "Insufficient memory"]),
    ([], {"cpu": "1", "example.com/gpu": "1"}, ["Insufficient example.com/gpu"]),
])
def test_node_resources_fit_filter(existing, wanted, reasons):
    ni = info(pods=[pod(f"old-{i}", cpu=c, memory=m, node_name="node-1") for i, (c, m) in enumerate(existing)])
    p = pod(**{})
    p["spec"]["containers"][0]["resources"] = {"requests": wanted}
    status = node_resources_fit.NodeResourcesFit().filter(p, ni)
    assert list(status.reasons) == reasons
    assert status.code == (UNSCHEDULABLE if reasons else SUCCESS)


def test_node_resources_fit_counts_pods():
    ni = info(node(pods="2"), pods=[pod("a", node_name="node-1"), pod("b", node_name="node-1")])
    status = node_resources_fit.NodeResourcesFit().filter(pod(), ni)  # even a pod asking for nothing
    assert status == Status(UNSCHEDULABLE, ("Too many pods",), "NodeResourcesFit")
    assert node_resources_fit.NodeResourcesFit().filter(pod(cpu="5"), ni).reasons == ("Too many pods", "Insufficient cpu")


@pytest.mark.parametrize("existing, incoming, score", [
    ([], ("1", "2Gi"), 75),  # cpu (4000-1000)*100/4000 = 75, memory 75
    ([], ("2", "2Gi"), 62),  # (50 + 75) / 2 = 62 (integer division)
    ([("2", "4Gi")], ("1", "2Gi"), 25),
    ([], (None, None), 97),  # counted as 100m / 200Mi: (97 + 97) / 2
    ([], ("5", None), 48),  # more than allocatable: cpu 0, memory 97
])
def test_least_allocated(existing, incoming, score):
    ni = info(pods=[pod(f"old-{i}", cpu=c, memory=m, node_name="node-1") for i, (c, m) in enumerate(existing)])
    assert node_resources_fit.least_allocated(pod(cpu=incoming[0], memory=incoming[1]), ni) == score


@pytest.mark.parametrize("requested, allocatable, score", [
    ([1000, 2 * GI], [4000, 8 * GI], 100),  # 25% and 25%
    ([2000, 2 * GI], [4000, 8 * GI], 87),  # 50% and 25%: std 0.125
    ([4000, 0], [4000, 8 * GI], 50),
    ([8000, 0], [4000, 8 * GI], 50),  # a fraction is capped at 1
    ([1000, GI], [4000, 0], 100),  # a resource the node lacks is left out
])
def test_balanced_allocation(requested, allocatable, score):
    assert balanced_allocation.balanced_score(requested, allocatable) == score


def test_balanced_allocation_uses_actual_requests():
    ni = info(pods=[pod("old", cpu="1", memory="1Gi", node_name="node-1")])
    assert balanced_allocation.balanced_allocation(pod(cpu="1", memory="1Gi"), ni) == 87  # 50% cpu, 25% memory


# ---- ImageLocality ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, normalized", [
    ("nginx", "nginx:latest"),
    ("nginx:1.27", "nginx:1.27"),
    ("docker.io/library/nginx", "docker.io/library/nginx:latest"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("localhost:5000/app:v1", "localhost:5000/app:v1"),
])
def test_image_locality_normalized_name(name, normalized):
    assert image_locality.normalized_image_name(name) == normalized


@pytest.mark.parametrize("size, on_nodes, total, containers, score", [
    (0, 0, 3, 1, 0),
    (500 * MI, 3, 3, 1, 48),  # (500-23)*100/(1000-23)
    (500 * MI, 1, 3, 1, 14),  # spread 1/3: 166 MB
    (2000 * MI, 3, 3, 1, 100),  # capped at 1000 MB per container
    (10 * MI, 3, 3, 1, 0),  # below 23 MB counts nothing
    (500 * MI, 3, 3, 2, 24),  # the ceiling doubles with two containers
])
def test_image_locality_score(size, on_nodes, total, containers, score):
    p = pod(image="docker.io/library/big:1")
    p["spec"]["containers"] += [{"name": f"x{i}", "image": "other"} for i in range(containers - 1)]
    states = {"docker.io/library/big:1": ImageState(size, on_nodes)} if on_nodes else {}
    assert image_locality.image_locality(p, states, total) == score


def test_snapshot_counts_image_spread_over_nodes():
    images = [{"names": ["docker.io/library/nginx:1.27", "docker.io/library/nginx@sha256:abc"], "sizeBytes": 72_000_000}]
    snap = snapshot_build([node("a", images=images), node("b", images=images), node("c")], [])
    assert snap.get("a").image_states["docker.io/library/nginx:1.27"] == ImageState(72_000_000, 2)
    assert snap.get("c").image_states == {}


def test_default_normalize_score():
    assert default_normalize_score({"a": 2, "b": 1, "c": 0}, reverse=False) == {"a": 100, "b": 50, "c": 0}
    assert default_normalize_score({"a": 3, "b": 1}, reverse=True) == {"a": 0, "b": 67}
    assert default_normalize_score({"a": 0}, reverse=False) == {"a": 0}


# ---- the FailedScheduling message ------------------------------------------------------------


def cpu_status(*reasons, code=UNSCHEDULABLE):
    return Status(code, reasons, "NodeResourcesFit")


def test_fit_error_message_counts_and_sorts_reasons_as_strings():
    statuses = {f"n{i}": cpu_status("Insufficient cpu") for i in range(10)}
    statuses |= {"m1": cpu_status("Insufficient cpu", "Insufficient memory"), "t": Status(UNRESOLVABLE, ("node(s) were unschedulable",))}
    statuses |= {"x": Status(UNRESOLVABLE, ("node(s) had untolerated taint {a: }",)), "y": Status(UNRESOLVABLE, ("node(s) had untolerated taint {a: }",))}
    message = explain.fit_error_message(14, statuses)
    # "11 …" sorts before "2 …" and "1 …" before both, exactly as Go's sort.Strings.
    assert message == ("0/14 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 11 Insufficient cpu, "
                       "2 node(s) had untolerated taint {a: }.")


def test_fit_error_message_absent_nodes_prefilter_and_postfilter():
    absent = Status(UNRESOLVABLE, ("node(s) didn't satisfy plugin(s) [NodeAffinity]",))
    assert explain.fit_error_message(3, {"a": cpu_status("Too many pods")}, absent) == (
        "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].")
    assert explain.fit_error_message(3, {}, absent, prefilter_msg="pod affinity terms conflict",
                                     postfilter_msg="preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.") == (
        "0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    assert explain.event_message("x" * 2000).endswith(" ...")
    assert len(explain.event_message("x" * 2000)) == 1024


# ---- whole cycles over a snapshot ------------------------------------------------------------


def three_nodes(**kw):
    return [node(f"node-{i}", **kw) for i in (1, 2, 3)]


def test_cycle_too_big_pod_message_with_preemption():
    attempt = schedule_pod(pod(cpu="5"), snapshot_build(three_nodes(), []), rng=random.Random(1))
    assert attempt.chosen is None
    assert explain.failed_scheduling_message(attempt) == (
        "0/3 nodes are available: 3 Insufficient cpu. "
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
    assert attempt.unschedulable_plugins == {"NodeResourcesFit"}


def test_cycle_mixed_reasons_and_preemption_not_helpful():
    nodes = [node("node-1", taints=[GPU]), node("node-2", unschedulable=True), node("node-3", cpu="1")]
    attempt = schedule_pod(pod(cpu="2"), snapshot_build(nodes, []), rng=random.Random(1))
    assert explain.failed_scheduling_message(attempt) == (
        "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, "
        "1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling.")
    never = pod(cpu="2", preemptionPolicy="Never")
    attempt = schedule_pod(never, snapshot_build(nodes, []), rng=random.Random(1))
    assert explain.failed_scheduling_message(attempt).endswith(
        "1 node(s) were unschedulable. preemption: not eligible due to preemptionPolicy=Never.")


def test_cycle_daemonset_style_pinning_counts_other_nodes_as_absent():
    pinned = pod(cpu="5", affinity=required(fields("node-2")))
    attempt = schedule_pod(pinned, snapshot_build(three_nodes(), []), rng=random.Random(1))
    assert explain.failed_scheduling_message(attempt) == (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
        "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling.")
    fits = schedule_pod(pod(cpu="1", affinity=required(fields("node-2"))), snapshot_build(three_nodes(), []), rng=random.Random(1))
    assert fits.chosen == "node-2" and fits.feasible == ["node-2"]


def test_cycle_spreads_by_least_allocated_and_scores_are_explained():
    bound = [pod("a", cpu="2", memory="2Gi", node_name="node-1"), pod("b", cpu="1", memory="1Gi", node_name="node-2")]
    attempt = schedule_pod(pod(cpu="1", memory="1Gi"), snapshot_build(three_nodes(), bound), rng=random.Random(1))
    assert attempt.chosen == "node-3"
    totals = {n: attempt.nodes[n].total for n in attempt.feasible}
    assert totals["node-3"] > totals["node-2"] > totals["node-1"]
    scores = attempt.scores_of("node-3")
    assert scores["TaintToleration"].weighted == 300 and scores["NodeResourcesFit"].raw == 81
    assert "NodeAffinity" in attempt.skipped_scores
    assert explain.binding_summary(attempt).startswith("bound default/p to node-3: 3 nodes feasible; scores node-3 ")


def test_cycle_tie_break_is_seeded():
    snap = snapshot_build(three_nodes(), [])
    choices = {schedule_pod(pod(cpu="1"), snap, rng=random.Random(seed)).chosen for seed in range(20)}
    assert choices == {"node-1", "node-2", "node-3"}  # a real tie, broken at random …
    assert len({schedule_pod(pod(cpu="1"), snap, rng=random.Random(7)).chosen for _ in range(5)}) == 1  # … but seeded


def test_cycle_single_feasible_node_is_not_scored():
    nodes = [node("node-1", cpu="1"), node("node-2", cpu="1"), node("node-3")]
    attempt = schedule_pod(pod(cpu="2"), snapshot_build(nodes, []), rng=random.Random(1))
    assert attempt.chosen == "node-3" and attempt.scores_of("node-3") == {}
    assert explain.binding_summary(attempt) == (
        "bound default/p to node-3: 1 of 3 nodes feasible (node-1: Insufficient cpu; node-2: Insufficient cpu), "
        "so no scoring was needed")


def test_cycle_filters_stop_at_first_rejection_but_all_are_shown():
    attempt = schedule_pod(pod(cpu="5"), snapshot_build([node("node-1", taints=[GPU])], []), rng=random.Random(1))
    verdicts = {v.plugin: (v.status.ok, v.ran) for v in attempt.nodes["node-1"].verdicts}
    assert verdicts["TaintToleration"] == (False, True)
    assert verdicts["NodeResourcesFit"] == (False, False)  # would fail too, but is not counted
    assert attempt.node_statuses["node-1"].plugin == "TaintToleration"


def test_cycle_preemption_picks_victims_of_lower_priority():
    bound = [
        pod("low-1", cpu="3", node_name="node-1", priority=0),
        pod("low-2", cpu="1", node_name="node-1", priority=0),
        pod("mid", cpu="3", node_name="node-2", priority=50),
        pod("high", cpu="3", node_name="node-3", priority=1000),
    ]
    attempt = schedule_pod(pod("vip", cpu="3", priority=100), snapshot_build(three_nodes(), bound), rng=random.Random(1))
    result = attempt.preemption
    assert result.code == SUCCESS and result.nominated_node == "node-1"
    # Only as many as needed: low-2 (1 CPU) can stay.
    assert [v["metadata"]["name"] for v in result.victims] == ["low-1"]
    assert result.node_statuses["node-3"].reasons == ("No preemption victims found for incoming pod",)
    # When preemption found a node, the message has no preemption part.
    assert explain.failed_scheduling_message(attempt) == "0/3 nodes are available: 3 Insufficient cpu."


def test_cycle_nominated_node_is_tried_first_and_reserved_for_its_pod():
    snap = snapshot_build(three_nodes(), [])
    nominated = pod("vip", cpu="3", priority=100)
    nominated["status"]["nominatedNodeName"] = "node-2"
    attempt = schedule_pod(nominated, snap, rng=random.Random(1))
    assert attempt.chosen == "node-2" and attempt.nominated_fast_path
    # A less important pod must leave room for the nominated one.
    other = schedule_pod(pod("other", cpu="2"), snapshot_build([node("node-2")], []), rng=random.Random(1), nominated=[nominated])
    assert other.chosen is None
    assert explain.failed_scheduling_message(other).startswith("0/1 nodes are available: 1 Insufficient cpu.")


def test_cycle_no_nodes():
    attempt = schedule_pod(pod(), snapshot_build([], []), rng=random.Random(1))
    assert explain.failed_scheduling_message(attempt) == "no nodes available to schedule pods"


# ---- the queue -------------------------------------------------------------------------------


def test_backoff_doubles_to_ten_seconds():
    assert [queue.backoff_seconds(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_queue_waits_backoff_then_until_an_event_or_five_minutes():
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    q = queue.SchedulingQueue()
    assert q.begin("u", "default/p") == 1
    assert q.failed("u", t0, {"NodeResourcesFit"}) == 1.0
    assert q.wait("u", t0) == 300.0  # nothing happened that could help
    assert q.move({queue.NODE_LABEL}) == []  # a label change cannot fix a lack of CPU
    assert q.move({queue.NODE_ADD}) == ["default/p"]
    assert q.wait("u", t0) == 1.0 and q.wait("u", t0 + timedelta(seconds=1)) == 0.0


@pytest.mark.parametrize("change, events", [
    ({"metadata": {"name": "n", "labels": {"a": "b"}}}, {queue.NODE_LABEL}),
    ({"spec": {"unschedulable": True}}, {queue.NODE_TAINT}),
    ({"status": {"allocatable": {"cpu": "8"}}}, {queue.NODE_ALLOCATABLE}),
    ({"status": {"conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "later"}]}}, set()),
])
def test_node_changes(change, events):
    old = {"metadata": {"name": "n"}, "spec": {}, "status": {"allocatable": {"cpu": "4"},
                                                             "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "t"}]}}
    new = {**old, **{k: {**old[k], **v} for k, v in change.items()}}
    assert queue.node_changes(old, new) == events


@pytest.mark.parametrize("num_nodes,to_find", [
    (3, 3), (99, 99), (100, 100), (199, 100), (250, 120), (1000, 420), (5000, 500), (6000, 300),
])
def test_num_feasible_nodes_to_find(num_nodes, to_find):
    assert num_feasible_nodes_to_find(num_nodes) == to_find


def test_a_large_cluster_stops_filtering_once_enough_nodes_fit_and_the_next_cycle_goes_on():
    nodes = [node(f"node-{i:04d}", cpu="8", memory="16Gi") for i in range(1000)]
    snap = snapshot_build(nodes, [])
    first = schedule_pod(pod(cpu="1"), snap, rng=random.Random(1))
    assert (first.processed, len(first.feasible), first.nodes_to_find) == (420, 420, 420)
    assert first.chosen in first.feasible
    second = schedule_pod(pod(cpu="1"), snap, rng=random.Random(1), start_index=first.start_index + first.processed)
    assert not set(second.feasible) & set(first.feasible)
    assert "percentageOfNodesToScore" in explain.binding_summary(first)


def test_binding_summary_stays_short_on_a_large_cluster():
    """Past ten nodes the one-line summary counts rejections by reason and names only the
    best ten scores: the explanation keeps the rest."""
    nodes = [node(f"node-{i:02d}", cpu="1") for i in range(12)] + [node(f"big-{i:02d}") for i in range(12)]
    attempt = schedule_pod(pod(cpu="2"), snapshot_build(nodes, []), rng=random.Random(1))
    summary = explain.binding_summary(attempt)
    assert "12 of 24 nodes feasible (12 rejected: 12 Insufficient cpu)" in summary
    assert summary.endswith(", and 2 more (every score is in the scheduling explanation); "
                            "12 nodes tied for the best score and one was picked at random")
    assert summary.count("big-") == 11  # the chosen node, then ten scores
