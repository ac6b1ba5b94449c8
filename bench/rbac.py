"""RBAC and admission benchmarks (issue 17): what authorization and admission add per
request, in-process on SQLite, on a cluster with 20 Roles and RoleBindings in default.

- rbac_authorize_user: one RBAC decision for an impersonated user (reads the bindings);
- rbac_authorize_admin: the same for the cluster's token (system:masters, no reads);
- admission_pod_create_quota_limits: a pod create in a namespace with a ResourceQuota and
  a LimitRange, against the same create without them;
- sa_token_issue / sa_token_authenticate: a TokenRequest answered, and a request's
  ServiceAccount token verified (signature, expiry, the ServiceAccount's uid).

Prints ``name: value unit`` lines (p50 of each).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable

from bench.engine import _setup_django
from bench.figures import percentile, print_figures

RBAC = "rbac.authorization.k8s.io"


def _times(fn: Callable[[int], object], runs: int) -> list[float]:
    out = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        from kubeviz.apiserver import registry
        from kubeviz.apiserver.rbac import ADMIN, Attributes, allowed, impersonated
        from kubeviz.apiserver.resources import by_plural
        from kubeviz.clusters.services import cluster_create

        cluster = cluster_create(name="rbac-bench", fixture="demo")
        for i in range(20):
            registry.create(cluster, by_plural("roles"), "default", {"metadata": {"name": f"r{i}"}, "rules": [
                {"apiGroups": [""], "resources": [f"thing{i}"], "verbs": ["get"]}]})
            registry.create(cluster, by_plural("rolebindings"), "default", {"metadata": {"name": f"b{i}"},
                            "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": f"r{i}"},
                            "subjects": [{"kind": "User", "name": f"u{i}"}]})
        jane = impersonated("jane", [])
        attrs = Attributes("list", "pods", namespace="default")
        user_ms = _times(lambda i: allowed(cluster, jane, attrs), args.runs)
        admin_ms = _times(lambda i: allowed(cluster, ADMIN, attrs), args.runs)
        pods = by_plural("pods")

        def create(prefix: str, namespace: str) -> Callable[[int], object]:
            return lambda i: registry.create(cluster, pods, namespace, {"metadata": {"name": f"{prefix}{i}"}, "spec": {
                "containers": [{"name": "c", "image": "nginx", "resources": {"limits": {"cpu": "10m", "memory": "8Mi"}}}]}})

        registry.create(cluster, by_plural("namespaces"), None, {"metadata": {"name": "limited"}})
        registry.create(cluster, by_plural("resourcequotas"), "limited", {"metadata": {"name": "q"}, "spec": {"hard": {
            "requests.cpu": "100", "limits.memory": "100Gi", "pods": "100000"}}})
        registry.create(cluster, by_plural("limitranges"), "limited", {"metadata": {"name": "l"}, "spec": {"limits": [
            {"type": "Container", "max": {"cpu": "1"}, "defaultRequest": {"memory": "4Mi"}}]}})
        runs = min(args.runs, 100)
        plain_ms = _times(create("p", "default"), runs)
        limited_ms = _times(create("p", "limited"), runs)
        from kubeviz.apiserver.satokens import token_authenticate, token_request

        registry.create(cluster, by_plural("serviceaccounts"), "default", {"metadata": {"name": "robot"}})
        issue_ms = _times(lambda i: token_request(cluster, "default", "robot", {}), args.runs)
        token = token_request(cluster, "default", "robot", {})["status"]["token"]
        verify_ms = _times(lambda i: token_authenticate(cluster, token), args.runs)
        print_figures({
            "rbac_authorize_user_p50": (percentile(user_ms, 50), "ms"),
            "rbac_authorize_admin_p50": (percentile(admin_ms, 50), "ms"),
            "admission_pod_create_plain_p50": (percentile(plain_ms, 50), "ms"),
            "admission_pod_create_quota_limits_p50": (percentile(limited_ms, 50), "ms"),
            "sa_token_issue_p50": (percentile(issue_ms, 50), "ms"),
            "sa_token_authenticate_p50": (percentile(verify_ms, 50), "ms"),
        })


if __name__ == "__main__":
    main()
