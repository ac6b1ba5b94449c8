"""Events as client-go's recorder writes them: named ``<object>.<time in ns, hex>`` so that
a list gives them in the order they happened, and a repeat counted on the first one."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.client import Client
from kubeviz.engine.events import EventCorrelator
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.kubelet.agent import Kubelet


def _events(cluster, name):
    return [e for e in registry.objects(cluster, "events", "default") if e["involvedObject"]["name"] == name]


def test_a_pods_events_list_in_the_order_the_kubelet_recorded_them(cluster):
    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "app"}, "spec": {"nodeName": "node-1", "containers": [{"name": "main", "image": "nginx:1.27"}]},
    })
    pause_clock(cluster)
    Engine(cluster, components=[Kubelet(cluster)]).settle(horizon=10)
    events = _events(cluster, "app")
    # Pulled, Created and Started happen in one simulated instant; the names still order them.
    assert [e["reason"] for e in events] == ["Pulling", "Pulled", "Created", "Started"]
    assert all(e["metadata"]["name"].startswith("app.") for e in events)
    assert all(int(e["metadata"]["name"].split(".")[1], 16) > 0 for e in events)


def test_a_repeated_event_is_counted_on_the_first_one(cluster):
    registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "crash"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}]},
    })
    pause_clock(cluster)
    Engine(cluster, components=[Kubelet(cluster)]).settle(horizon=120)
    back_offs = [e for e in _events(cluster, "crash") if e["reason"] == "BackOff"]
    assert len(back_offs) == 1
    assert back_offs[0]["count"] > 1
    assert back_offs[0]["lastTimestamp"] > back_offs[0]["firstTimestamp"]



def test_a_new_recorder_names_its_events_after_the_last_ones_on_a_paused_clock(cluster):
    """Two recorders one after the other at the same simulated instant (a paused clock; a
    new engine for the same cluster): the second names its Events after the first one's,
    so none is refused for a name in use, and the list keeps the order they happened in."""
    pod = registry.create(cluster, by_plural("pods"), "default", {
        "metadata": {"name": "app"}, "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
    })
    pause_clock(cluster)
    first = Client(cluster, "kubelet/node-1", events=EventCorrelator())
    for reason in ("Pulling", "Pulled", "Created", "Started"):
        first.event(pod, type="Normal", reason=reason, message=f"{reason} main")
    Client(cluster, "kubelet/node-1", events=EventCorrelator()).event(pod, type="Normal", reason="Killing",
                                                                       message="Stopping container main")
    assert [e["reason"] for e in _events(cluster, "app")] == ["Pulling", "Pulled", "Created", "Started", "Killing"]
