"""Label and field selectors, parsed and matched as k8s.io/apimachinery's labels and fields."""
from __future__ import annotations

import pytest

from kubeviz.apiserver.errors import StatusError
from kubeviz.apiserver.selectors import (
    COMMON_FIELDS,
    EVERYTHING,
    NOTHING,
    LabelSelector,
    Requirement,
    from_label_selector_object,
    parse_field_selector,
    parse_label_selector,
    path_getter,
    selector_to_string,
)

WEB = {"app": "web", "tier": "front"}
DB = {"app": "db"}
EMPTY_APP = {"app": ""}
BARE: dict[str, str] = {}


@pytest.mark.parametrize("text,requirements", [
    ("", ()),
    ("   ", ()),
    ("app=web", (Requirement("app", "=", ("web",)),)),
    ("app==web", (Requirement("app", "=", ("web",)),)),
    ("app = web", (Requirement("app", "=", ("web",)),)),
    ("app!=web", (Requirement("app", "!=", ("web",)),)),
    ("app=", (Requirement("app", "=", ("",)),)),
    ("app in (web, db)", (Requirement("app", "in", ("web", "db")),)),
    ("app in(web)", (Requirement("app", "in", ("web",)),)),
    ("app notin (web)", (Requirement("app", "notin", ("web",)),)),
    ("app in ()", (Requirement("app", "in", ("",)),)),
    ("app in (web,)", (Requirement("app", "in", ("web", "")),)),
    ("app in (,web)", (Requirement("app", "in", ("", "web")),)),
    ("app", (Requirement("app", "exists"),)),
    ("!app", (Requirement("app", "!"),)),
    ("example.com/app=web", (Requirement("example.com/app", "=", ("web",)),)),
    ("app=web,tier in (front,back),!legacy,env", (
        Requirement("app", "=", ("web",)),
        Requirement("tier", "in", ("front", "back")),
        Requirement("legacy", "!"),
        Requirement("env", "exists"),
    )),
])
def test_parse_label_selector(text, requirements):
    assert parse_label_selector(text) == LabelSelector(requirements)


@pytest.mark.parametrize("text,labels,matches", [
    ("", None, True),
    ("", WEB, True),
    ("app=web", WEB, True),
    ("app=web", DB, False),
    ("app=web", BARE, False),
    ("app=web", None, False),
    ("app!=web", WEB, False),
    ("app!=web", DB, True),
    ("app!=web", BARE, True),  # a missing label is "not equal"
    ("app=", EMPTY_APP, True),
    ("app=", BARE, False),
    ("app in (web,db)", DB, True),
    ("app in (web,db)", {"app": "cache"}, False),
    ("app in (web,db)", BARE, False),
    ("app notin (web)", DB, True),
    ("app notin (web)", BARE, True),
    ("app notin (web)", WEB, False),
    ("app in ()", EMPTY_APP, True),
    ("app in ()", DB, False),
    ("app", EMPTY_APP, True),
    ("app", BARE, False),
    ("!app", BARE, True),
    ("!app", EMPTY_APP, False),
    ("app=web,tier=front", WEB, True),
    ("app=web,tier=back", WEB, False),
    ("app=web,!tier", WEB, False),
])
def test_label_selector_matching(text, labels, matches):
    assert parse_label_selector(text).matches(labels) is matches


@pytest.mark.parametrize("text,needle", [
    ("app in web", "expected: '('"),
    ("app in", "expected: '('"),
    ("app in (web", "expected: ')'"),
    ("app in (web db)", "found 'db', expected: ',' or ')'"),
    ("app IN (web)", "found 'IN'"),
    ("app web", "found 'web'"),
    ("app=web tier=db", "expected: ',' or 'end of string'"),
    ("app=web,", "expected: identifier after ','"),
    ("!", "expected: identifier"),
    ("!app=web", "expected: ',' or 'end of string'"),
    ("app=web=db", "expected: ',' or 'end of string'"),
    ("bad key=x", "found 'key'"),
    ("-app=web", "name part must consist of alphanumeric characters"),
    ("!-app", "name part must consist of alphanumeric characters"),
    ("a/b/c=x", "a qualified name must consist of"),
    ("app=-web", 'values[0][app]: Invalid value: "-web"'),
    ("app in (ok,-bad)", 'Invalid value: "-bad"'),
    ("app=" + "x" * 64, "must be no more than 63 characters"),
])
def test_bad_label_selectors_are_400(text, needle):
    with pytest.raises(StatusError) as info:
        parse_label_selector(text)
    assert (info.value.code, info.value.reason) == (400, "BadRequest")
    assert info.value.message.startswith("unable to parse requirement: ")
    assert needle in info.value.message


@pytest.mark.parametrize("selector,labels,matches", [
    (None, WEB, False),  # a nil selector selects nothing
    ({}, WEB, True),  # an empty one selects everything
    ({"matchLabels": {"app": "web"}}, WEB, True),
    ({"matchLabels": {"app": "web"}}, DB, False),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "db"]}]}, DB, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, DB, True),
    ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, WEB, True),
    ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, WEB, False),
    ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]},
     WEB, False),
    ({"matchExpressions": [{"key": "app", "operator": "Like", "values": ["w"]}]}, WEB, False),
])
def test_label_selector_objects(selector, labels, matches):
    assert from_label_selector_object(selector).matches(labels) is matches


def test_nothing_and_everything():
    assert NOTHING.matches(WEB) is False
    assert EVERYTHING.matches(None) is True
    assert EVERYTHING.empty and not NOTHING.empty and not parse_label_selector("app").empty


@pytest.mark.parametrize("selector,text", [
    (None, ""),
    ({}, ""),
    ({"matchLabels": {"tier": "front", "app": "web"}}, "app=web,tier=front"),
    ({"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "env", "operator": "In", "values": ["prod", "dev"]},
        {"key": "zone", "operator": "NotIn", "values": ["a"]},
        {"key": "gpu", "operator": "Exists"},
        {"key": "legacy", "operator": "DoesNotExist"},
    ]}, "app=web,env in (dev,prod),zone notin (a),gpu,!legacy"),
])
def test_selector_to_string_round_trips(selector, text):
    assert selector_to_string(selector) == text
    if selector:
        for labels in (WEB, DB, {"app": "web", "env": "dev", "gpu": "1"}):
            assert parse_label_selector(text).matches(labels) is from_label_selector_object(selector).matches(labels)


# ---- field selectors -------------------------------------------------------------------------

POD_FIELDS = {**COMMON_FIELDS, "spec.nodeName": path_getter("spec", "nodeName"), "status.phase": path_getter("status", "phase")}
POD = {"metadata": {"name": "web-1", "namespace": "default"}, "spec": {"nodeName": "node-1"}, "status": {"phase": "Running"}}
UNBOUND = {"metadata": {"name": "a,b", "namespace": "default"}, "spec": {}, "status": {"phase": "Pending"}}


@pytest.mark.parametrize("text,obj,matches", [
    ("", POD, True),
    ("metadata.name=web-1", POD, True),
    ("metadata.name==web-1", POD, True),
    ("metadata.name!=web-1", POD, False),
    ("metadata.namespace=default,spec.nodeName=node-1", POD, True),
    ("metadata.namespace=default,spec.nodeName=node-2", POD, False),
    ("spec.nodeName=", UNBOUND, True),
    ("spec.nodeName=", POD, False),
    ("spec.nodeName!=", POD, True),
    ("status.phase!=Running", UNBOUND, True),
    (r"metadata.name=a\,b", UNBOUND, True),
])
def test_field_selector_matching(text, obj, matches):
    assert parse_field_selector(text, POD_FIELDS, "pods").matches(obj) is matches


def test_field_selector_exact_values_drive_index_lookups():
    sel = parse_field_selector("spec.nodeName=node-1,metadata.name!=x", POD_FIELDS, "pods")
    assert sel.exact("spec.nodeName") == "node-1"
    assert sel.exact("metadata.name") is None
    assert sel.exact("status.phase") is None


@pytest.mark.parametrize("text,supported,message", [
    ("spec.image=x", POD_FIELDS, "field label not supported: spec.image"),
    ("data=x", COMMON_FIELDS, '"data" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("metadata.name", COMMON_FIELDS, "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
    ("metadata.name=a,nonsense", COMMON_FIELDS, "invalid selector: 'metadata.name=a,nonsense'; can't understand 'nonsense'"),
])
def test_bad_field_selectors_are_400(text, supported, message):
    with pytest.raises(StatusError) as info:
        parse_field_selector(text, supported, "pods")
    assert (info.value.code, info.value.reason, info.value.message) == (400, "BadRequest", message)
