"""The engine's settle loop: each action is all or nothing, inside a shared transaction."""
from __future__ import annotations

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural
from kubeviz.engine.runner import Engine, pause_clock
from kubeviz.etcd import store
from kubeviz.flow.models import Step


class _Writer:
    """Writes a ConfigMap per key; the key ``bad`` writes one and then fails."""

    name = actor = "test/writer"
    watches = ()

    def handle(self, cache, plural, event, obj, old):
        return ()

    def sync(self, cache, api, key):
        api.create("configmaps", "default", {"metadata": {"name": key}, "data": {"k": "v"}})
        if key == "bad":
            raise errors.conflict("configmaps", key, "made to fail after its write")
        return None


def test_a_failed_action_leaves_nothing_and_the_others_keep_theirs(cluster):
    pause_clock(cluster)
    engine = Engine(cluster, components=[_Writer()])
    engine.settle(horizon=1)
    before = store.current_revision(cluster.pk)
    for key in ("first", "bad", "last"):
        engine.enqueue("test/writer", key)
    # The failed key is retried at once (a conflict): let it fail a few times, then stop.
    engine.settle(max_actions=5)
    names = {cm["metadata"]["name"] for cm in registry.objects(cluster, "configmaps", "default")}
    assert {"first", "last"} <= names and "bad" not in names
    # Two creates landed, so the revision moved by two; the failed one's steps are gone too.
    assert store.current_revision(cluster.pk) == before + 2
    assert not Step.objects.filter(cluster=cluster, name="bad").exists()
    seqs = list(Step.objects.filter(cluster=cluster).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))  # no gaps where the failed action's steps were
    assert registry.get(cluster, by_plural("configmaps"), "default", "last")["metadata"]["resourceVersion"] == str(before + 2)
