"""The EndpointSlice strategy: defaults and validation (pkg/apis/discovery/validation)."""
from __future__ import annotations

import pytest

from kubeviz.apiserver import errors, registry
from kubeviz.apiserver.resources import by_plural, lookup


def _slice(**fields):
    return {"metadata": {"name": "web-abcde"}, "addressType": "IPv4", **fields}


def _create(cluster, body):
    return registry.create(cluster, by_plural("endpointslices"), "default", body)


def _causes(cluster, body):
    with pytest.raises(errors.StatusError) as err:
        _create(cluster, body)
    assert err.value.code == 422
    return {(c["field"], c["reason"]) for c in err.value.causes}


def test_served_as_discovery_v1_without_short_names_or_subresources():
    s = lookup("discovery.k8s.io", "v1", "endpointslices")
    assert s.kind == "EndpointSlice" and s.short_names == () and s.subresources == ()
    assert s.key("default", "web-abcde") == "/registry/endpointslices/default/web-abcde"


def test_defaults_port_name_and_protocol(cluster):
    created = _create(cluster, _slice(ports=[{"port": 80}], endpoints=[{"addresses": ["10.244.1.2"]}]))
    assert created["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
    assert created["apiVersion"] == "discovery.k8s.io/v1"
    assert _create(cluster, {**_slice(), "metadata": {"name": "empty"}})["endpoints"] == []


@pytest.mark.parametrize("body,cause", [
    ({"metadata": {"name": "x"}}, ("addressType", "FieldValueRequired")),
    (_slice(addressType="IP"), ("addressType", "FieldValueNotSupported")),
    (_slice(endpoints=[{"addresses": []}]), ("endpoints[0].addresses", "FieldValueRequired")),
    (_slice(endpoints=[{"addresses": ["10.244.1.300"]}]), ("endpoints[0].addresses[0]", "FieldValueInvalid")),
    (_slice(endpoints=[{"addresses": ["127.0.0.1"]}]), ("endpoints[0].addresses[0]", "FieldValueInvalid")),
    (_slice(addressType="FQDN", endpoints=[{"addresses": ["localhost"]}]), ("endpoints[0].addresses[0]", "FieldValueInvalid")),
    (_slice(ports=[{"name": "Http", "port": 80}]), ("ports[0].name", "FieldValueInvalid")),
    (_slice(ports=[{"name": "a", "port": 80}, {"name": "a", "port": 81}]), ("ports[1].name", "FieldValueDuplicate")),
    (_slice(ports=[{"port": 80, "protocol": "HTTP"}]), ("ports[0].protocol", "FieldValueNotSupported")),
])
def test_validation(cluster, body, cause):
    assert cause in _causes(cluster, body)


def test_address_type_is_immutable(cluster):
    created = _create(cluster, _slice(endpoints=[{"addresses": ["10.244.1.2"]}]))
    created["addressType"] = "IPv6"
    created["endpoints"] = [{"addresses": ["fd00::2"]}]
    with pytest.raises(errors.StatusError) as err:
        registry.update(cluster, by_plural("endpointslices"), "default", "web-abcde", created)
    assert ("addressType", "FieldValueInvalid") in {(c["field"], c["reason"]) for c in err.value.causes}
