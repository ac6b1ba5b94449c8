"""parse_check: every problem, by its path inside the spec."""
from __future__ import annotations

import pytest

from kubeviz.checks import CheckError, parse_check
from kubeviz.checks.language import AllCheck, FieldCheck, NotCheck, PodsCheck

W = "steps[2].wait"

ERRORS = [
    # (spec, [(path, message), ...])
    ({"pods": {"selector": "app=web", "count": "three"}}, [(f"{W}.pods.count", "must be a whole number, not a string")]),
    ({"pods": {"count": -1}}, [(f"{W}.pods.count", "must be 0 or more")]),
    ({"pods": {"count": 3, "min": 1}}, [(f"{W}.pods.count", "give count, or min and/or max, not both")]),
    ({"pods": {"min": 4, "max": 2}}, [(f"{W}.pods.min", "is more than max (4 > 2)")]),
    ({"pods": {"phase": "running"}}, [(f"{W}.pods.phase", "must be one of Pending, Running, Succeeded, Failed, not 'running'")]),
    ({"pods": {"ready": "yes"}}, [(f"{W}.pods.ready", "must be true or false, not a string")]),
    ({"pods": {"selector": "app in web"}}, [(f"{W}.pods.selector", "unable to parse requirement: found 'web', expected: '(': \"app in web\"")]),
    ({"pods": {"labels": "app=web"}}, [(f"{W}.pods.labels", "unknown key (allowed: namespace, selector, phase, ready, node, terminating, count, min, max)")]),
    ({"pods": ["app=web"]}, [(f"{W}.pods", "must be a mapping, not a list")]),
    ({"pod": {}}, [(f"{W}.pod", "unknown check kind (kinds: field, pods, objects, event, step, log, traffic, scheduled, history, all, any, not)")]),
    ({"title": "x"}, [(W, "needs a check kind (one of field, pods, objects, event, step, log, traffic, scheduled, history, all, any, not)")]),
    ({"pods": {}, "objects": {"kind": "Pod"}}, [(W, "has 2 check kinds (pods, objects): give exactly one, or combine them with all")]),
    ({"pods": {}, "title": 3}, [(f"{W}.title", "must be a string, not a number")]),
    ("pods", [(W, "must be a mapping with one check kind, not a string")]),
    ({"field": {"kind": "deployment", "name": "web", "path": "{.spec}", "exists": True}},
     [(f"{W}.field.kind", 'no kind "deployment" is served by kubeviz (kinds are capitalised: Deployment, Pod)')]),
    ({"field": {"kind": "Deployment", "path": "{.spec}", "exists": True}}, [(f"{W}.field.name", "is required")]),
    ({"field": {"kind": "Deployment", "name": "web", "path": "{.spec..image}", "exists": True}},
     [(f"{W}.field.path", "is not a JSONPath kubectl takes: recursive descent (..) is not supported")]),
    ({"field": {"kind": "Deployment", "name": "web", "path": "{.spec", "exists": True}},
     [(f"{W}.field.path", "is not a JSONPath kubectl takes: unclosed action: '{.spec'")]),
    ({"field": {"kind": "Deployment", "name": "web", "path": "{.spec}"}},
     [(f"{W}.field", "needs exactly one comparison (equals, not_equals, exists, contains, matches, gt, gte, lt, lte)")]),
    ({"field": {"kind": "Deployment", "name": "web", "path": "{.spec}", "equals": 1, "gt": 0}},
     [(f"{W}.field", "needs exactly one comparison (equals, not_equals, exists, contains, matches, gt, gte, lt, lte), not 2")]),
    ({"field": {"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "gt": "three"}},
     [(f"{W}.field.gt", "must be a number or a quantity such as 500m or 1Gi, not 'three'")]),
    ({"field": {"kind": "Deployment", "name": "web", "path": "{.spec}", "exists": "yes"}}, [(f"{W}.field.exists", "must be true or false")]),
    ({"objects": {"selector": "app=web"}}, [(f"{W}.objects.kind", "is required")]),
    ({"objects": {"kind": "Pod", "name": "a", "selector": "app=web"}}, [(f"{W}.objects.selector", "give name or selector, not both")]),
    ({"all": []}, [(f"{W}.all", "must be a non-empty list of checks")]),
    ({"event": {"count": 1}}, [(f"{W}.event", "needs reason, kind, name, type or message to say which Events")]),
    ({"event": {"reason": "BackOff", "selector": "app=web"}}, [(f"{W}.event.selector", "needs kind (whose objects the selector picks)")]),
    ({"event": {"reason": "BackOff", "type": "Error"}}, [(f"{W}.event.type", "must be one of Normal, Warning, not 'Error'")]),
    ({"step": {"number": 10, "kind": "Pod", "name": "web"}}, [(f"{W}.step.number", "must be from 1 to 9")]),
    ({"step": {"kind": "Pod", "name": "web"}}, [(f"{W}.step", "needs number, action, source, target or category to say which steps")]),
    ({"step": {"number": 4, "kind": "Pod"}}, [(f"{W}.step", "name or selector is required")]),
    ({"log": {"selector": "app=web"}}, [(f"{W}.log.contains", "is required")]),
    ({"log": {"contains": "x", "kind": "Pod", "name": "a"}}, [(f"{W}.log.kind", "unknown key (allowed: name, selector, namespace, container, previous, contains)")]),
    ({"traffic": {"service": "web"}}, [(f"{W}.traffic", "needs reaches (exactly) or min")]),
    ({"traffic": {"reaches": 2}}, [(f"{W}.traffic.service", "is required")]),
    ({"scheduled": {"name": "web"}}, [(f"{W}.scheduled.by", "is required (scheduler or nodeName)")]),
    ({"scheduled": {"name": "web", "by": "kubelet"}}, [(f"{W}.scheduled.by", "must be one of scheduler, nodeName, not 'kubelet'")]),
    ({"history": {"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "never_below": 3, "ever_equals": 2}},
     [(f"{W}.history", "needs exactly one of never_below, never_above, ever_equals")]),
    ({"history": {"kind": "Deployment", "name": "web", "path": "{.status.readyReplicas}", "never_above": "lots"}},
     [(f"{W}.history.never_above", "must be a number or a quantity such as 500m or 1Gi, not 'lots'")]),
    ({"all": [{"pods": {"count": "x"}}, {"not": {"pods": {"phase": "Up"}}}]},
     [(f"{W}.all[0].pods.count", "must be a whole number, not a string"),
      (f"{W}.all[1].not.pods.phase", "must be one of Pending, Running, Succeeded, Failed, not 'Up'")]),
]


@pytest.mark.parametrize(("spec", "problems"), ERRORS)
def test_every_problem_with_its_path(spec, problems):
    with pytest.raises(CheckError) as caught:
        parse_check(spec, where=W)
    assert caught.value.problems == problems


def test_problems_without_a_where_start_at_the_kind():
    with pytest.raises(CheckError) as caught:
        parse_check({"pods": {"count": "x"}})
    assert caught.value.problems == [("pods.count", "must be a whole number, not a string")]
    assert str(caught.value) == "pods.count: must be a whole number, not a string"


def test_typed_checks():
    check = parse_check({"all": [
        {"pods": {"selector": "app=web", "ready": True, "min": 2}, "title": "Web is ready"},
        {"not": {"field": {"kind": "Node", "name": "node-1", "namespace": "x", "path": ".spec.unschedulable", "equals": True}}},
    ], "advice": "Try again."})
    assert isinstance(check, AllCheck) and check.advice == "Try again."
    pods, negated = check.parts
    assert isinstance(pods, PodsCheck) and pods.title == "Web is ready" and pods.count.min == 2 and pods.ready is True
    assert pods.selector.matches({"app": "web"}) and not pods.selector.matches({"app": "db"})
    assert isinstance(negated, NotCheck) and isinstance(negated.part, FieldCheck)
    assert negated.part.path.find({"spec": {"unschedulable": True}}) == [True]
