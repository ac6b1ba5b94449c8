"""One manifest of every kind added since the first 16, as the kubernetes.io tutorials and
task pages write them, and a typo at depth for each: shared by the field-validation and
describe tests."""
from __future__ import annotations

from typing import Any

import yaml

from kubeviz.apiserver.resources import all_resources
from kubeviz.apiserver.strategy import Strategy

MANIFESTS = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command: [/bin/sh, -c, date; echo Hello from the Kubernetes cluster]
          restartPolicy: OnFailure
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: php-apache}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: php-apache}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 50}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies: [{type: Percent, value: 100, periodSeconds: 15}]
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web-v1}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  targetCPUUtilizationPercentage: 60
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high-priority}
value: 1000000
globalDefault: false
description: "This priority class should be used for XYZ service pods only."
---
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: hello.17}
eventTime: "2024-05-01T10:00:00.000000Z"
reportingController: example.com/tutorial
reportingInstance: tutorial-1
action: Greeting
reason: Hello
regarding: {kind: Pod, name: hello, namespace: default}
note: Said hello
type: Normal
---
apiVersion: v1
kind: PodTemplate
metadata: {name: web-template}
template:
  metadata: {labels: {app: web}}
  spec:
    containers: [{name: web, image: nginx:1.27, ports: [{containerPort: 80}]}]
---
apiVersion: apps/v1
kind: ControllerRevision
metadata: {name: agent-1}
revision: 1
data:
  spec:
    template:
      metadata: {labels: {app: agent}}
      spec: {containers: [{name: agent, image: busybox:1.36}]}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: kubernetes.io/no-provisioner
parameters: {type: ssd}
reclaimPolicy: Retain
allowVolumeExpansion: true
volumeBindingMode: WaitForFirstConsumer
allowedTopologies:
- matchLabelExpressions:
  - {key: topology.kubernetes.io/zone, values: [zone-a]}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
  labels: {type: local}
spec:
  storageClassName: manual
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /mnt/data}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: task-pv-claim}
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 3Gi}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: example-ingress}
spec:
  ingressClassName: nginx
  tls:
  - hosts: [hello-world.example]
    secretName: hello-tls
  rules:
  - host: hello-world.example
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port: {number: 8080}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: external-lb}
spec:
  controller: example.com/ingress-controller
  parameters: {apiGroup: k8s.example.com, kind: IngressParameters, name: external-lb}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: test-network-policy}
spec:
  podSelector:
    matchLabels: {role: db}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except: [172.17.1.0/24]
    - namespaceSelector:
        matchLabels: {project: myproject}
    - podSelector:
        matchLabels: {role: frontend}
    ports:
    - {protocol: TCP, port: 6379}
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/24}
    ports:
    - {protocol: TCP, port: 5978}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: build-robot}
automountServiceAccountToken: false
imagePullSecrets: [{name: regcred}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, watch, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods}
subjects:
- {kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: read-secrets-global}
subjects:
- {kind: Group, name: manager, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: secret-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: pods-high}
spec:
  hard: {cpu: "1000", memory: 200Gi, pods: "10"}
  scopeSelector:
    matchExpressions:
    - {operator: In, scopeName: PriorityClass, values: [high]}
---
apiVersion: v1
kind: LimitRange
metadata: {name: cpu-resource-constraint}
spec:
  limits:
  - default: {cpu: 500m}
    defaultRequest: {cpu: 500m}
    max: {cpu: "1"}
    min: {cpu: 100m}
    type: Container
---
apiVersion: authorization.k8s.io/v1
kind: SelfSubjectAccessReview
spec:
  resourceAttributes: {group: apps, resource: deployments, verb: create, namespace: default}
---
apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec:
  user: jane
  groups: [developers]
  resourceAttributes: {namespace: default, verb: get, resource: pods}
---
apiVersion: authorization.k8s.io/v1
kind: SelfSubjectRulesReview
spec: {namespace: default}
---
apiVersion: authentication.k8s.io/v1
kind: SelfSubjectReview
"""

# (kind, name, path of the mapping the typo goes into, the misspelt field)
TYPOS = [
    ("CronJob", "hello", "spec.jobTemplate.spec", "templat"),
    ("HorizontalPodAutoscaler", "php-apache", "spec.metrics[0].resource", "targt"),
    ("HorizontalPodAutoscaler", "web-v1", "spec.scaleTargetRef", "nam"),
    ("PriorityClass", "high-priority", "metadata", "lables"),
    ("Event", "hello.17", "regarding", "nam"),
    ("PodTemplate", "web-template", "template.spec.containers[0]", "imagee"),
    ("ControllerRevision", "agent-1", "metadata", "annotatons"),
    ("StorageClass", "fast", "allowedTopologies[0].matchLabelExpressions[0]", "valuess"),
    ("PersistentVolume", "task-pv-volume", "spec.hostPath", "paht"),
    ("PersistentVolumeClaim", "task-pv-claim", "spec.resources", "request"),
    ("Ingress", "example-ingress", "spec.rules[0].http.paths[0].backend.service", "prot"),
    ("IngressClass", "external-lb", "spec.parameters", "nmae"),
    ("NetworkPolicy", "test-network-policy", "spec.ingress[0].from[2]", "podSelectr"),
    ("ServiceAccount", "build-robot", "imagePullSecrets[0]", "nam"),
    ("Role", "pod-reader", "rules[0]", "verb"),
    ("ClusterRole", "monitoring", "aggregationRule.clusterRoleSelectors[0]", "matchLabel"),
    ("RoleBinding", "read-pods", "subjects[0]", "namespce"),
    ("ClusterRoleBinding", "read-secrets-global", "roleRef", "nme"),
    ("ResourceQuota", "pods-high", "spec.scopeSelector.matchExpressions[0]", "scope"),
    ("LimitRange", "cpu-resource-constraint", "spec.limits[0]", "defaults"),
    ("SelfSubjectAccessReview", "", "spec.resourceAttributes", "verbs"),
    ("SubjectAccessReview", "", "spec.resourceAttributes", "namespac"),
    ("SelfSubjectRulesReview", "", "spec", "namespaces"),
    ("SelfSubjectReview", "", "metadata", "nam"),
]


def documents() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(MANIFESTS))


def find(kind: str, name: str) -> dict[str, Any]:
    return next(d for d in documents() if d["kind"] == kind and d.get("metadata", {}).get("name", "") == name)


def strategy_of(obj: dict[str, Any]) -> Strategy:
    group, _, version = obj["apiVersion"].rpartition("/")
    return next(s for s in all_resources() if (s.group, s.version, s.kind) == (group, version, obj["kind"]))


def collection_path(obj: dict[str, Any], namespace: str = "default") -> str:
    s = strategy_of(obj)
    root = f"/apis/{s.group}/{s.version}" if s.group else "/api/v1"
    return f"{root}/namespaces/{namespace}/{s.plural}" if s.namespaced else f"{root}/{s.plural}"


def with_typo(obj: dict[str, Any], path: str, field: str) -> dict[str, Any]:
    """``obj`` with ``field`` added (as an empty mapping) inside the mapping at ``path``."""
    target: Any = obj
    for part in path.replace("]", "").replace("[", ".").split("."):
        target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
    target[field] = {}
    return obj
