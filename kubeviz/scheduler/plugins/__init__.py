"""The default profile's plugins, in kube-scheduler's order, with its score weights.

Filters run in this order on each node and stop at the first rejection; the weighted
scores (0–100 each) are summed per node.
"""
from __future__ import annotations

from .balanced_allocation import BalancedAllocation
from .image_locality import ImageLocality
from .node_affinity import NodeAffinity
from .node_name import NodeName
from .node_ports import NodePorts
from .node_resources_fit import NodeResourcesFit
from .node_unschedulable import NodeUnschedulable
from .taint_toleration import TaintToleration

FILTERS = (NodeUnschedulable(), NodeName(), TaintToleration(), NodeAffinity(), NodePorts(), NodeResourcesFit())
SCORES = (TaintToleration(), NodeAffinity(), NodeResourcesFit(), BalancedAllocation(), ImageLocality())
PRE_FILTER = NodeAffinity()

__all__ = ["FILTERS", "SCORES", "PRE_FILTER"]
