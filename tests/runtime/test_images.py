"""The simulated registry: every image:tag the kubernetes.io tutorials use pulls, typos
and tags that never existed do not; images know their command, user, files and size."""
from __future__ import annotations

import pytest

from kubeviz.runtime.images import default_argv, resolve

#: images in the kubernetes.io tasks and tutorials (and the courses built on them)
TUTORIAL_IMAGES = [
    "nginx", "nginx:1.14.2", "nginx:1.16.1", "nginx:1.7.9", "nginx:1.27.1", "nginx:1.27.1-alpine", "nginx:stable-alpine",
    "busybox", "busybox:1.28", "busybox:1.36", "busybox:1.36.1-musl", "registry.k8s.io/busybox", "k8s.gcr.io/busybox",
    "registry.k8s.io/e2e-test-images/agnhost:2.40", "registry.k8s.io/liveness", "registry.k8s.io/goproxy:0.1",
    "registry.k8s.io/nginx-slim:0.8", "registry.k8s.io/hpa-example", "registry.k8s.io/echoserver:1.4",
    "registry.k8s.io/pause:3.9", "gcr.io/google-samples/hello-app:1.0", "perl:5.34.0", "redis", "redis:5.0.4",
    "mysql:5.6", "mongo", "postgres:16", "debian", "ubuntu", "ubuntu:22.04", "alpine", "alpine:3.20", "python:3.12-slim",
    "node:20", "httpd:2.4", "curlimages/curl", "curlimages/curl:8.5.0", "docker.io/library/nginx:1.27",
    f"nginx@sha256:{'0' * 64}",
]
NEVER_EXISTED = ["ngnix", "nginx:1.99", "nginx:latets", "busybox:1.2.8", "busybox:2.0", "redis:99", "ubuntu:21.06",
                 "registry.k8s.io/busybox:9", "perl:5.99", "example.com/app", "curlimages/curl:latest-1"]


@pytest.mark.parametrize("reference", TUTORIAL_IMAGES)
def test_tutorial_images_pull(reference):
    assert resolve(reference).exists


@pytest.mark.parametrize("reference", NEVER_EXISTED)
def test_typos_and_missing_tags_do_not(reference):
    assert not resolve(reference).exists


@pytest.mark.parametrize("container,argv", [
    ({"image": "nginx"}, ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]),
    ({"image": "busybox"}, ["sh"]),
    ({"image": "redis"}, ["docker-entrypoint.sh", "redis-server"]),
    ({"image": "redis", "args": ["redis-server", "/redis-master/redis.conf"]},
     ["docker-entrypoint.sh", "redis-server", "/redis-master/redis.conf"]),
    ({"image": "busybox", "command": ["sleep", "3600"]}, ["sleep", "3600"]),
    ({"image": "registry.k8s.io/e2e-test-images/agnhost:2.40", "args": ["liveness"]}, ["/agnhost", "liveness"]),
])
def test_command_and_args_override_entrypoint_and_cmd_as_kubernetes_says(container, argv):
    assert default_argv(container) == argv


def test_images_know_their_user_files_and_size():
    nginx = resolve("nginx:1.27").image
    assert nginx is not None and "Welcome to nginx!" in nginx.files["/usr/share/nginx/html/index.html"]
    assert len(nginx.files["/usr/share/nginx/html/index.html"]) == 615
    assert resolve("redis").image.user == "redis"  # type: ignore[union-attr]
    assert resolve("busybox").image.size < resolve("nginx").image.size < resolve("python").image.size  # type: ignore[union-attr]
