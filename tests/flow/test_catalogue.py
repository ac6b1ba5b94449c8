"""The teaching text: every step message reads as one sentence, and each step is explained
by what actually happened (the numbering rule in kubeviz.flow.catalogue)."""
from __future__ import annotations

import re

import pytest

from kubeviz.flow.catalogue import CATALOGUE, COMPONENT_INFO, MESSAGES, TOPIC_INFO, catalogue_data, say, step_explain

#: words that may follow "asked … to": what a component asks another to do
VERBS = {"create", "update", "delete", "patch", "finalize", "pull", "start", "stop", "bind", "get", "list", "watch"}
COMPONENTS = tuple(COMPONENT_INFO) + ("controller-manager/", "kubelet/", "etcd")


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_step_message_reads_as_one_sentence(key):
    text = say(key, **MESSAGES[key].sample)
    assert text[0].isupper() or text.startswith(COMPONENTS), text
    assert text.endswith("."), text
    assert "{" not in text and "}" not in text, text
    words = re.findall(r"[\w.:/-]+", text.lower())
    assert not [a for a, b in zip(words, words[1:], strict=False) if a == b], f"doubled word in {text!r}"
    for asked in re.finditer(r"\basked [\w -]+? to (\w+)", text):
        assert asked.group(1) in VERBS, f"asked … to {asked.group(1)!r} in {text!r}"
    assert not re.search(r"\bto (image|container|pull of)\b", text), text


def test_the_garbled_kubelet_messages_are_sentences_now():
    assert say("kubelet.image present", node="node-1", image="nginx:1.27") == (
        "The kubelet on node-1 found image nginx:1.27 already on the node, so nothing is pulled.")
    assert say("runtime.exit", node="node-1", container="app", code=1, reason="Error") == (
        "Container app on node-1 exited with code 1 (Error).")
    assert say("runtime.pull failed", node="node-1", image="nginx:9") == (
        "The container runtime on node-1 could not pull image nginx:9: the registry has no such image.")


@pytest.mark.parametrize("source,target,action,title", [
    ("apiserver", "etcd", "update", "A change is stored in etcd"),
    ("apiserver", "etcd", "delete", "The object is removed from etcd"),
    ("apiserver", "etcd", "terminate", "The object is marked for deletion"),
    ("apiserver", "etcd", "update status", "A status is stored in etcd"),
    ("kubelet/node-1", "apiserver", "update status", "The kubelet reports what it sees"),
    ("kubelet/node-1", "runtime/node-1", "stop", "The kubelet stops a container"),
    ("kubelet/node-1", "runtime/node-1", "restart", "The kubelet restarts a container"),
    ("runtime/node-1", "kubelet/node-1", "exit", "A container exited"),
    ("runtime/node-1", "kubelet/node-1", "pull failed", "An image pull failed"),
    ("controller-manager/nodelifecycle", "kubelet/node-2", "check lease", "The node lifecycle controller watches a silent node"),
    ("scheduler", "apiserver", "unschedulable", "Why the pod fits nowhere"),
])
def test_unnumbered_steps_are_explained_by_what_happened(source, target, action, title):
    info = step_explain(step=None, category="flow", source=source, target=target, action=action)
    assert info["title"] == title
    assert "Nothing runs yet" not in info["explanation"] and "sees it Running" not in info["explanation"]
    assert catalogue_data()["topics"][f"{source.split('/')[0]}>{target.split('/')[0]}:{action}"]["title"] == title


def test_texts_say_what_a_real_cluster_does():
    every = " ".join(
        [s.explanation + s.real for s in CATALOGUE.values()] + [t.explanation + t.real for t in TOPIC_INFO.values()]
        + [c["explanation"] + c["real"] for c in catalogue_data()["categories"].values()]
    )
    # Silent nodes become Unknown, not NotReady; the grace period is 50 s since v1.32.
    assert "NotReady" not in every and "40 seconds" not in every
    assert "NodeStatusUnknown" in every and "node.kubernetes.io/unreachable" in every and "50 s" in every
    # Probes are simulated, and only readiness shows in the pod's conditions.
    assert "containerStatuses[].started" in CATALOGUE[8].real and "Ready and ContainersReady" in CATALOGUE[8].real
    assert "runs probes" not in every
