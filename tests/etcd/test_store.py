"""The simulated etcd: one revision per cluster, entry revisions, the change log, compaction."""
from __future__ import annotations

import pytest

from kubeviz.clusters import clock
from kubeviz.clusters.models import Cluster
from kubeviz.etcd import store
from kubeviz.etcd.models import Change, Entry


def _cluster(name: str) -> Cluster:
    now = clock.real_now()
    return Cluster.objects.create(name=name, sim_time=now, sim_anchor=now)


def _index(name: str, resource: str = "configmaps", namespace: str = "default", **extra) -> store.Index:
    return store.Index(resource=resource, name=name, namespace=namespace, **extra)


def _key(name: str, resource: str = "configmaps", namespace: str = "default") -> str:
    return f"/registry/{resource}/{namespace}/{name}"


def _put(cluster: Cluster, name: str, value: dict, resource: str = "configmaps") -> store.KeyValue:
    return store.create(cluster.pk, _key(name, resource), value, _index(name, resource))


@pytest.fixture
def c1(db) -> Cluster:
    return _cluster("one")


@pytest.fixture
def c2(db) -> Cluster:
    return _cluster("two")


def test_a_new_cluster_starts_at_revision_zero(c1):
    assert store.current_revision(c1.pk) == 0
    assert store.changes(c1.pk, 0) == []


def test_every_write_bumps_the_cluster_revision_by_one_across_keys(c1):
    revisions = [
        _put(c1, "a", {"n": 1}).mod_revision,
        _put(c1, "b", {"n": 1}).mod_revision,
        store.update(c1.pk, _key("a"), {"n": 2}, _index("a")).mod_revision,
        _put(c1, "c", {"n": 1}, resource="secrets").mod_revision,
        store.delete(c1.pk, _key("b")).mod_revision,
    ]
    assert revisions == [1, 2, 3, 4, 5]
    assert store.current_revision(c1.pk) == 5


def test_create_revision_mod_revision_and_version(c1):
    _put(c1, "other", {})  # revision 1: another key moves the counter too
    created = _put(c1, "a", {"n": 1})
    assert (created.create_revision, created.mod_revision, created.version) == (2, 2, 1)

    _put(c1, "other2", {})  # revision 3
    updated = store.update(c1.pk, _key("a"), {"n": 2}, _index("a"))
    assert (updated.create_revision, updated.mod_revision, updated.version) == (2, 4, 2)
    updated = store.update(c1.pk, _key("a"), {"n": 3}, _index("a"))
    assert (updated.create_revision, updated.mod_revision, updated.version) == (2, 5, 3)

    read = store.get(c1.pk, _key("a"))
    assert read == store.KeyValue(_key("a"), {"n": 3}, 2, 5, 3)


def test_deleting_and_recreating_a_key_starts_a_new_life(c1):
    _put(c1, "a", {"n": 1})
    store.update(c1.pk, _key("a"), {"n": 2}, _index("a"))
    gone = store.delete(c1.pk, _key("a"))
    # The delete reports the last value, with the delete's own revision.
    assert (gone.value, gone.create_revision, gone.mod_revision, gone.version) == ({"n": 2}, 1, 3, 2)
    assert store.get(c1.pk, _key("a")) is None

    again = _put(c1, "a", {"n": 9})
    assert (again.create_revision, again.mod_revision, again.version) == (4, 4, 1)


def test_index_columns_are_kept_beside_the_value(c1):
    store.create(
        c1.pk, "/registry/pods/default/p", {"spec": {}}, store.Index(
            resource="pods", name="p", namespace="default", uid="u-1", node_name="node-1",
            owner_uid="o-1",
        ),
    )
    store.update(
        c1.pk, "/registry/pods/default/p", {"spec": {}}, store.Index(
            resource="pods", name="p", namespace="default", uid="u-1", node_name="node-2",
        ),
    )
    entry = Entry.objects.get(cluster=c1, key="/registry/pods/default/p")
    assert (entry.uid, entry.node_name, entry.owner_uid) == ("u-1", "node-2", "")
    assert [kv.key for kv in store.range_(c1.pk, "pods", node_name="node-2")] == ["/registry/pods/default/p"]
    assert store.range_(c1.pk, "pods", node_name="node-1") == []
    assert store.get_by_uid(c1.pk, "u-1").key == "/registry/pods/default/p"


def test_range_is_in_key_order_and_pages_with_after_key(c1):
    for name in ("c", "a", "b", "d"):
        _put(c1, name, {"name": name})
    _put(c1, "z", {}, resource="secrets")
    keys = [kv.key for kv in store.range_(c1.pk, "configmaps")]
    assert keys == [_key(n) for n in "abcd"]
    page = store.range_(c1.pk, "configmaps", after_key=_key("a"), limit=2)
    assert [kv.key for kv in page] == [_key("b"), _key("c")]
    assert store.count(c1.pk, "configmaps") == 4
    assert store.count(c1.pk, "configmaps", namespace="other") == 0


def test_a_transaction_counts_its_own_creates_and_deletes(c1):
    """The count a write transaction keeps moves with its creates and deletes, survives a
    released savepoint, and is what the table says after a savepoint is rolled back."""
    from django.db import transaction

    _put(c1, "a", {})
    with transaction.atomic():
        store.hold(c1.pk)
        assert store.count(c1.pk, "configmaps") == 1
        _put(c1, "b", {})
        _put(c1, "z", {}, resource="secrets")
        assert (store.count(c1.pk, "configmaps"), store.count(c1.pk, "secrets")) == (2, 1)
        with transaction.atomic():
            store.delete(c1.pk, _key("a"))
        assert store.count(c1.pk, "configmaps") == 1
        try:
            with transaction.atomic():
                _put(c1, "c", {})
                _put(c1, "d", {})
                assert store.count(c1.pk, "configmaps") == 3
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        assert store.count(c1.pk, "configmaps") == 1
        store.wipe(c1.pk)
        assert store.count(c1.pk, "configmaps") == 0
        _put(c1, "e", {})
        assert store.count(c1.pk, "configmaps") == 1
    assert store.count(c1.pk, "configmaps") == Entry.objects.filter(cluster=c1, resource="configmaps").count() == 1


def test_range_narrowed_by_a_top_level_string_field(c1):
    _put(c1, "a", {"reason": "BackOff", "type": "Warning"})
    _put(c1, "b", {"reason": "Pulled", "type": "Normal"})
    _put(c1, "c", {"reason": "BackOff", "type": "Normal", "odd key": "x"})
    _put(c1, "d", {"note": "no reason"})
    assert [kv.key for kv in store.range_(c1.pk, "configmaps", fields={"reason": "BackOff"})] == [_key("a"), _key("c")]
    both = store.range_(c1.pk, "configmaps", fields={"reason": "BackOff", "type": "Normal"})
    assert [kv.key for kv in both] == [_key("c")]
    assert [kv.key for kv in store.range_(c1.pk, "configmaps", fields={"odd key": "x"})] == [_key("c")]
    assert store.range_(c1.pk, "configmaps", fields={"reason": "Killing"}) == []


@pytest.mark.parametrize("operation,error", [
    ("create-existing", store.KeyExists),
    ("update-missing", store.KeyNotFound),
    ("delete-missing", store.KeyNotFound),
    ("update-stale", store.RevisionMismatch),
    ("delete-stale", store.RevisionMismatch),
])
def test_refused_writes_change_nothing(c1, operation, error):
    _put(c1, "a", {"n": 1})  # revision 1
    store.update(c1.pk, _key("a"), {"n": 2}, _index("a"))  # revision 2
    before = store.current_revision(c1.pk)
    calls = {
        "create-existing": lambda: _put(c1, "a", {"n": 3}),
        "update-missing": lambda: store.update(c1.pk, _key("nope"), {}, _index("nope")),
        "delete-missing": lambda: store.delete(c1.pk, _key("nope")),
        "update-stale": lambda: store.update(c1.pk, _key("a"), {"n": 3}, _index("a"), expected_mod_revision=1),
        "delete-stale": lambda: store.delete(c1.pk, _key("a"), expected_mod_revision=1),
    }
    with pytest.raises(error) as info:
        calls[operation]()
    if error is store.RevisionMismatch:
        assert (info.value.expected, info.value.actual) == (1, 2)
    # Like a failed etcd transaction: no revision used, nothing stored, nothing logged.
    # (The store is usable afterwards in the same transaction.)
    assert store.current_revision(c1.pk) == before
    assert store.get(c1.pk, _key("a")) == store.KeyValue(_key("a"), {"n": 2}, 1, 2, 2)
    assert Change.objects.filter(cluster=c1).count() == 2


def test_compare_and_swap_succeeds_with_the_current_mod_revision(c1):
    created = _put(c1, "a", {"n": 1})
    updated = store.update(c1.pk, _key("a"), {"n": 2}, _index("a"), expected_mod_revision=created.mod_revision)
    assert updated.mod_revision == 2
    gone = store.delete(c1.pk, _key("a"), expected_mod_revision=updated.mod_revision)
    assert gone.mod_revision == 3


def test_changes_after_n_are_exactly_the_later_writes_in_order(c1):
    _put(c1, "a", {"n": 1})  # 1
    _put(c1, "b", {"n": 1})  # 2
    store.update(c1.pk, _key("a"), {"n": 2}, _index("a"))  # 3
    store.delete(c1.pk, _key("b"))  # 4
    _put(c1, "s", {"x": 1}, resource="secrets")  # 5

    events = store.changes(c1.pk, 2)
    assert events == [
        store.Event("PUT", _key("a"), 3, {"n": 2}, {"n": 1}),
        store.Event("DELETED", _key("b"), 4, {"n": 1}, {"n": 1}),
        store.Event("PUT", _key("s", "secrets"), 5, {"x": 1}, None),
    ]
    assert [e.revision for e in store.changes(c1.pk, 0)] == [1, 2, 3, 4, 5]
    assert store.changes(c1.pk, 5) == []
    assert store.changes(c1.pk, 0)[0] == store.Event("PUT", _key("a"), 1, {"n": 1}, None)


@pytest.mark.parametrize("kwargs,revisions", [
    ({"resources": ["configmaps"]}, [1, 2, 3]),
    ({"resources": ["secrets"]}, [4]),
    ({"resources": ["configmaps", "secrets"]}, [1, 2, 3, 4]),
    ({"namespace": "other"}, [3]),
    ({"up_to": 2}, [1, 2]),
    ({"limit": 3}, [1, 2, 3]),
])
def test_changes_can_be_narrowed(c1, kwargs, revisions):
    _put(c1, "a", {})
    _put(c1, "b", {})
    store.create(c1.pk, _key("c", namespace="other"), {}, _index("c", namespace="other"))
    _put(c1, "s", {}, resource="secrets")
    assert [e.revision for e in store.changes(c1.pk, 0, **kwargs)] == revisions


def test_compaction_forgets_history_at_and_below_the_revision(c1):
    for name in "abcdef":
        _put(c1, name, {})  # revisions 1..6
    store.compact(c1.pk, 4)

    with pytest.raises(store.Compacted) as info:
        store.changes(c1.pk, 3)
    assert (info.value.requested, info.value.compacted) == (3, 4)
    with pytest.raises(store.Compacted):
        store.changes(c1.pk, 0)
    # From the compacted revision on, nothing is missing.
    assert [e.revision for e in store.changes(c1.pk, 4)] == [5, 6]
    assert [e.revision for e in store.changes(c1.pk, 5)] == [6]
    # The current values are untouched by compaction.
    assert len(store.range_(c1.pk, "configmaps")) == 6
    assert Change.objects.filter(cluster=c1, revision__lte=4).count() == 0


def test_compaction_never_moves_backwards(c1):
    for name in "abc":
        _put(c1, name, {})
    store.compact(c1.pk, 2)
    store.compact(c1.pk, 1)
    assert Cluster.objects.get(pk=c1.pk).compacted_revision == 2
    with pytest.raises(store.Compacted):
        store.changes(c1.pk, 1)
    assert [e.revision for e in store.changes(c1.pk, 2)] == [3]


def test_two_clusters_never_see_each_other(c1, c2):
    _put(c1, "a", {"cluster": 1})
    _put(c1, "b", {"cluster": 1})
    _put(c2, "a", {"cluster": 2})  # the same key in another cluster is another entry

    assert store.current_revision(c1.pk) == 2
    assert store.current_revision(c2.pk) == 1
    assert store.get(c1.pk, _key("a")).value == {"cluster": 1}
    assert store.get(c2.pk, _key("a")) == store.KeyValue(_key("a"), {"cluster": 2}, 1, 1, 1)
    assert store.get(c2.pk, _key("b")) is None
    assert [kv.key for kv in store.range_(c2.pk, "configmaps")] == [_key("a")]
    assert [e.value for e in store.changes(c2.pk, 0)] == [{"cluster": 2}]

    store.delete(c2.pk, _key("a"))
    assert store.get(c1.pk, _key("a")).value == {"cluster": 1}
    store.compact(c1.pk, 2)
    assert [e.type for e in store.changes(c2.pk, 0)] == ["PUT", "DELETED"]
    with pytest.raises(store.KeyNotFound):
        store.update(c2.pk, _key("b"), {}, _index("b"))
    assert store.current_revision(c1.pk) == 2


def test_the_revision_kept_by_a_transaction_agrees_with_savepoints_and_the_orm(c1):
    """Inside a write transaction SQLite's store keeps the revision in memory: the ORM still
    reads it as it stands, and rolling back to a savepoint brings back the one it had."""
    from django.db import transaction

    _put(c1, "a", {"n": 1})
    with pytest.raises(RuntimeError), transaction.atomic():
        _put(c1, "b", {"n": 1})
        _put(c1, "c", {"n": 1})
        raise RuntimeError("roll back")
    assert store.current_revision(c1.pk) == 1 and store.get(c1.pk, _key("b")) is None
    assert _put(c1, "d", {}).mod_revision == 2
    assert Cluster.objects.values_list("revision", flat=True).get(pk=c1.pk) == 2
