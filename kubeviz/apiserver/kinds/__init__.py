"""One strategy per kind. Importing this package registers them all.

Adding a kind is writing its strategy module and importing it here.
"""
from . import (  # noqa: F401
    configmap,
    daemonset,
    deployment,
    endpoints,
    endpointslice,
    event,
    job,
    lease,
    namespace,
    node,
    pod,
    poddisruptionbudget,
    rbac,
    replicaset,
    resourcequota,
    reviews,
    service,
    statefulset,
)
