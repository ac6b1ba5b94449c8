"""Fuzz the REST API from its own OpenAPI document (schemathesis), in-process over WSGI, with
the cluster's real bearer token so writes are exercised too: no 5xx, every status code and
body as documented. Bounded (a couple of dozen examples per operation, derandomized) so it
stays well under a minute."""
from __future__ import annotations

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth

from kubeviz.apiserver.tokens import cluster_token
from kubeviz.clusters.models import Cluster

# Names that exist in the demo cluster, so generated requests reach the services, not
# only the "not found" paths.
REAL = {"cluster": ["demo"], "slug": ["life-of-a-pod", "nope"], "namespace": ["default"], "name": ["node-1", "node-2", "web", "nope"],
        "snapshot": ["first", "nope"]}

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@schema.hook
def map_path_parameters(context, path_parameters):
    for key, choices in REAL.items() if path_parameters else ():
        if key in path_parameters:
            path_parameters[key] = choices[hash(str(path_parameters[key])) % len(choices)]
    return path_parameters


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_the_rest_api_keeps_its_documented_contract(case, cluster):
    current = Cluster.objects.filter(name=cluster.name).first()
    if current is None:  # an earlier example deleted it: what is left to check is the 404s
        case.call_and_validate()
        return
    # A delete that succeeded leaves nothing to try a wrong token on (it answers 404 then).
    gone = [ignored_auth] if (case.method, case.path) == ("DELETE", "/api/clusters/{cluster}/") else []
    case.call_and_validate(headers={"Authorization": f"Bearer {cluster_token(current)}"}, excluded_checks=gone or None)
