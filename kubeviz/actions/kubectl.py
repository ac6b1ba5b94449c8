"""kubeviz's own reading of the kubectl subset docs/actions.md lists."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kubeviz.clusters.models import Cluster


class KubectlError(ValueError):
    """A command kubeviz cannot read (outside the subset, or malformed)."""


def parse_kubectl(command: str, *, base: Path | str | None = None) -> Any:
    raise KubectlError("kubeviz cannot run kubectl commands yet; mark the action run: false")


def run_kubectl(cluster: Cluster, parsed: Any, *, where: str = "") -> str:
    raise KubectlError("kubeviz cannot run kubectl commands yet")
