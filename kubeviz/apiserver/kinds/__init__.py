"""One strategy per kind. Importing this package registers them all.

Adding a kind is writing its strategy module and importing it here. ``versionviews``
(served versions converted from a stored one) must stay last, after what it converts.
"""
from . import (  # noqa: F401
    configmap,
    controllerrevision,
    cronjob,
    daemonset,
    deployment,
    endpoints,
    endpointslice,
    event,
    horizontalpodautoscaler,
    job,
    lease,
    namespace,
    networking,
    node,
    pod,
    poddisruptionbudget,
    podtemplate,
    priorityclass,
    rbac,
    replicaset,
    resourcequota,
    reviews,
    service,
    statefulset,
    storage,
    versionviews,
)
