"""kube-scheduler: gives every pending pod a node (steps 3–5), faithful to kube-scheduler 1.32.

component.py   the Component: handlers enqueue pods, sync runs one scheduling cycle
queue.py       attempts, backoff (1 s doubling to 10 s), queueing hints
algorithm.py   one cycle, pure: PreFilter, Filter, PostFilter (preemption.py), Score, select
plugins/       the default profile's filter and score plugins, one module each
framework.py   Status, NodeInfo, Snapshot; resources.py: what a pod requests
explain.py     the FailedScheduling message and the explanation of each attempt
models.py      SchedulingDecision: the latest explanation per pod (selectors.decision_get)
"""
