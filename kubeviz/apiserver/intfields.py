"""The int32 and int64 fields of the served kinds, checked as Kubernetes' decoder checks them.

Go decodes JSON into typed structs, so ``replicas: 2147483648`` never reaches validation:
the decoder refuses it and the request is a 400 ("json: cannot unmarshal number … into Go
struct field DeploymentSpec.spec.replicas of type int32"). Python would take any integer,
and a controller would then try to make two billion pods. One table per kind, walked
generically, says which paths are which width.
"""
from __future__ import annotations

import functools
from typing import Any

from . import errors
from .strategy import Strategy

# (path, Go struct that holds the field, bits). "*" is every item of a list; a field that
# is an IntOrString (ports, maxUnavailable…) is checked only when it is a number.
Field = tuple[str, str, int]

_PROBE = [
    ("initialDelaySeconds", 32), ("timeoutSeconds", 32), ("periodSeconds", 32),
    ("successThreshold", 32), ("failureThreshold", 32), ("terminationGracePeriodSeconds", 64),
    ("httpGet.port", 32), ("tcpSocket.port", 32), ("grpc.port", 32),
]


def _container_fields(prefix: str) -> list[Field]:
    fields: list[Field] = [
        (f"{prefix}.ports.*.containerPort", "ContainerPort", 32),
        (f"{prefix}.ports.*.hostPort", "ContainerPort", 32),
    ]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        fields += [(f"{prefix}.{probe}.{name}", "Probe", bits) for name, bits in _PROBE]
    for hook in ("postStart", "preStop"):
        fields += [(f"{prefix}.lifecycle.{hook}.{h}.port", "LifecycleHandler", 32) for h in ("httpGet", "tcpSocket")]
    return fields


def _pod_spec(prefix: str) -> list[Field]:
    fields: list[Field] = [
        (f"{prefix}.terminationGracePeriodSeconds", "PodSpec", 64),
        (f"{prefix}.activeDeadlineSeconds", "PodSpec", 64),
        (f"{prefix}.priority", "PodSpec", 32),
    ]
    for containers in ("containers", "initContainers"):
        fields += _container_fields(f"{prefix}.{containers}.*")
    return fields


_TEMPLATE = _pod_spec("spec.template.spec")

INT_FIELDS: dict[str, list[Field]] = {
    "Pod": _pod_spec("spec"),
    "Deployment": [
        ("spec.replicas", "DeploymentSpec", 32), ("spec.minReadySeconds", "DeploymentSpec", 32),
        ("spec.revisionHistoryLimit", "DeploymentSpec", 32), ("spec.progressDeadlineSeconds", "DeploymentSpec", 32),
        ("spec.strategy.rollingUpdate.maxUnavailable", "RollingUpdateDeployment", 32),
        ("spec.strategy.rollingUpdate.maxSurge", "RollingUpdateDeployment", 32),
        *_TEMPLATE,
    ],
    "ReplicaSet": [
        ("spec.replicas", "ReplicaSetSpec", 32), ("spec.minReadySeconds", "ReplicaSetSpec", 32), *_TEMPLATE,
    ],
    "StatefulSet": [
        ("spec.replicas", "StatefulSetSpec", 32), ("spec.minReadySeconds", "StatefulSetSpec", 32),
        ("spec.revisionHistoryLimit", "StatefulSetSpec", 32),
        ("spec.updateStrategy.rollingUpdate.partition", "RollingUpdateStatefulSetStrategy", 32),
        ("spec.updateStrategy.rollingUpdate.maxUnavailable", "RollingUpdateStatefulSetStrategy", 32),
        *_TEMPLATE,
    ],
    "DaemonSet": [
        ("spec.minReadySeconds", "DaemonSetSpec", 32), ("spec.revisionHistoryLimit", "DaemonSetSpec", 32),
        ("spec.updateStrategy.rollingUpdate.maxUnavailable", "RollingUpdateDaemonSet", 32),
        ("spec.updateStrategy.rollingUpdate.maxSurge", "RollingUpdateDaemonSet", 32),
        *_TEMPLATE,
    ],
    "Job": [
        ("spec.parallelism", "JobSpec", 32), ("spec.completions", "JobSpec", 32),
        ("spec.activeDeadlineSeconds", "JobSpec", 64), ("spec.backoffLimit", "JobSpec", 32),
        ("spec.backoffLimitPerIndex", "JobSpec", 32), ("spec.maxFailedIndexes", "JobSpec", 32),
        ("spec.ttlSecondsAfterFinished", "JobSpec", 32), *_TEMPLATE,
    ],
    "Service": [
        ("spec.ports.*.port", "ServicePort", 32), ("spec.ports.*.nodePort", "ServicePort", 32),
        ("spec.ports.*.targetPort", "ServicePort", 32), ("spec.healthCheckNodePort", "ServiceSpec", 32),
        ("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "ClientIPConfig", 32),
    ],
    "Endpoints": [("subsets.*.ports.*.port", "EndpointPort", 32)],
    "EndpointSlice": [("ports.*.port", "EndpointPort", 32)],
    "PodDisruptionBudget": [
        ("spec.minAvailable", "PodDisruptionBudgetSpec", 32), ("spec.maxUnavailable", "PodDisruptionBudgetSpec", 32),
    ],
    "Lease": [("spec.leaseDurationSeconds", "LeaseSpec", 32), ("spec.leaseTransitions", "LeaseSpec", 32)],
    "Event": [("count", "Event", 32)],
}

_BOUNDS = {32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}


def _values(obj: Any, parts: tuple[str, ...]) -> list[Any]:
    """The values at ``parts`` (``*``: every item of a list), level by level: most paths
    end at their first or second step, and every object written is walked for all of its
    kind's paths."""
    current = [obj]
    for head in parts:
        found: list[Any] = []
        if head == "*":
            for item in current:
                if isinstance(item, list):
                    found.extend(item)
        else:
            for item in current:
                if isinstance(item, dict) and head in item:
                    found.append(item[head])
        if not found:
            return found
        current = found
    return current


def _fits(value: Any, bits: int) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True  # strings (IntOrString), nulls and wrong types are others' to judge
    if isinstance(value, float) and not value.is_integer():
        return False
    low, high = _BOUNDS[bits]
    return low <= value <= high


def check_int_fields(strategy: Strategy, obj: Any) -> None:
    """Raise the decoder's 400 for the first int32/int64 field whose number does not fit."""
    for parts, struct, bits in _split(strategy.kind):
        for value in _values(obj, parts):
            if not _fits(value, bits):
                go_path = ".".join(p for p in parts if p != "*")
                raise errors.bad_request(
                    f'{strategy.kind} in version "{strategy.version}" cannot be handled as a {strategy.kind}: '
                    f"json: cannot unmarshal number {value!r} into Go struct field {struct}.{go_path} of type int{bits}"
                )


@functools.cache
def _split(kind: str) -> tuple[tuple[tuple[str, ...], str, int], ...]:
    return tuple((tuple(path.split(".")), struct, bits) for path, struct, bits in INT_FIELDS.get(kind, []))
