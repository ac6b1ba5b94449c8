"""The simulated registry: which images exist, how big they are, what their process does.

Pull time follows size (at a classroom-friendly bandwidth), so learners see big images
take longer. An image or tag not listed here does not exist: ErrImagePull.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

PULL_BYTES_PER_SECOND = 40 * 1024 * 1024


@dataclass(frozen=True)
class Image:
    repository: str  # e.g. docker.io/library/nginx
    size: int  # bytes
    #: what the default command does: "serve" runs until stopped; "exit" ends at once
    behaviour: str = "serve"
    tags: tuple[str, ...] = ("latest",)


CATALOGUE: dict[str, Image] = {
    "nginx": Image("docker.io/library/nginx", 72_000_000, "serve", ("latest", "1.29", "1.29.0", "1.28", "1.28.0", "1.27", "1.27.3", "1.26", "1.25", "1.24", "alpine", "stable", "mainline")),
    "redis": Image("docker.io/library/redis", 45_000_000, "serve", ("latest", "7", "7.4", "7.2", "6", "alpine")),
    "busybox": Image("docker.io/library/busybox", 2_200_000, "exit", ("latest", "1.36", "1.37", "stable")),
    "postgres": Image("docker.io/library/postgres", 160_000_000, "serve", ("latest", "17", "16", "15")),
    "httpd": Image("docker.io/library/httpd", 58_000_000, "serve", ("latest", "2.4", "alpine")),
    "alpine": Image("docker.io/library/alpine", 3_600_000, "exit", ("latest", "3.20", "3.19")),
    "python": Image("docker.io/library/python", 380_000_000, "exit", ("latest", "3.12", "3.11", "3.12-slim")),
    "node": Image("docker.io/library/node", 390_000_000, "exit", ("latest", "22", "20")),
    "mysql": Image("docker.io/library/mysql", 170_000_000, "serve", ("latest", "8", "8.4")),
    "memcached": Image("docker.io/library/memcached", 30_000_000, "serve", ("latest", "1.6")),
    "registry.k8s.io/pause": Image("registry.k8s.io/pause", 300_000, "serve", ("3.10", "3.9")),
    "registry.k8s.io/e2e-test-images/agnhost": Image("registry.k8s.io/e2e-test-images/agnhost", 52_000_000, "serve", ("2.52", "2.47")),
    "registry.k8s.io/hpa-example": Image("registry.k8s.io/hpa-example", 139_000_000, "serve", ("latest",)),
    "kubeviz/crasher": Image("docker.io/kubeviz/crasher", 5_000_000, "crash", ("latest", "1.0")),
    "kubeviz/memory-hog": Image("docker.io/kubeviz/memory-hog", 5_000_000, "oom", ("latest", "1.0")),
}


@dataclass(frozen=True)
class Resolved:
    reference: str  # the image as written in the pod
    image: Image | None
    tag: str

    @property
    def exists(self) -> bool:
        return self.image is not None and self.tag in self.image.tags

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(f"{self.image.repository if self.image else ''}:{self.tag}".encode()).hexdigest()

    @property
    def image_id(self) -> str:
        """What containerStatuses[].imageID shows: the repository digest."""
        return f"{self.image.repository}@{self.digest}" if self.image else ""

    @property
    def full_name(self) -> str:
        return f"{self.image.repository}:{self.tag}" if self.image else self.reference

    @property
    def pull_seconds(self) -> float:
        if not self.image:
            return 1.0
        return round(max(0.5, self.image.size / PULL_BYTES_PER_SECOND), 1)


def resolve(reference: str) -> Resolved:
    """Split ``docker.io/library/nginx:1.27`` style references and look them up."""
    ref = reference.split("@", 1)[0]
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return Resolved(reference, CATALOGUE.get(name), tag)
