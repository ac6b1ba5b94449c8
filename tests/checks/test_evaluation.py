"""evaluate and evaluate_many: a check never changes the cluster, and objectives evaluated
together read each list of objects once."""
from __future__ import annotations

from kubeviz.apiserver import registry
from kubeviz.checks import Scope, evaluate, evaluate_many, parse_check
from kubeviz.clusters.models import Cluster

OBJECTIVES = [
    {"pods": {"selector": "app=web", "ready": True, "count": 3}},
    {"step": {"number": 8, "kind": "Pod", "selector": "app=web"}},
    {"scheduled": {"selector": "app=web", "by": "scheduler"}},
    {"log": {"selector": "app=web", "contains": "start worker process"}},
]



def test_objectives_together_read_the_pods_once(web, monkeypatch):
    lists: list[str] = []
    real = registry.objects

    def counted(cluster, plural, namespace=None, **index):
        lists.append(plural)
        return real(cluster, plural, namespace, **index)

    monkeypatch.setattr(registry, "objects", counted)
    checks = [parse_check(spec) for spec in OBJECTIVES]
    outcomes = evaluate_many(web, checks, Scope())
    assert [o.passed for o in outcomes] == [True, True, True, True]
    assert lists == ["pods"]
    lists.clear()
    assert [o.found for o in outcomes] == [evaluate(web, c, Scope()).found for c in checks]
    assert lists == ["pods"] * 4


def test_evaluating_changes_nothing(web):
    before = Cluster.objects.filter(pk=web.pk).values_list("revision", "step_seq").get()
    evaluate_many(web, [parse_check(spec) for spec in OBJECTIVES] + [parse_check({"traffic": {"service": "web", "min": 0}})], Scope())
    assert Cluster.objects.filter(pk=web.pk).values_list("revision", "step_seq").get() == before


def test_scope_now_is_the_clusters_position(web):
    scope = Scope.now(web)
    web.refresh_from_db()
    assert (scope.since_seq, scope.since_revision) == (web.step_seq, web.revision)
    assert scope.since_time is not None
