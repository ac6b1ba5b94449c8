"""What the servers containers run answer: by port, and for HTTP by path.

A container's process notes the servers it started (``Run.serving``: ``nginx``,
``redis``, ``agnhost-liveness``, ``python-http:8000``…). ``listens`` says whether one
of them has the port open; ``respond`` answers an HTTP GET from the container's files
(nginx serves its html root) or from the server's own behaviour (the liveness demo's
``/healthz`` fails after 10 seconds).
"""
from __future__ import annotations

import posixpath

from .images import resolve
from .shell.fs import Fs

#: the port each server listens on, and whether it speaks HTTP
PORTS: dict[str, tuple[int, bool]] = {
    "nginx": (80, True), "httpd": (80, True), "busybox-httpd": (80, True), "hpa-example": (80, True),
    "redis": (6379, False), "postgres": (5432, False), "mysql": (3306, False), "mongo": (27017, False),
    "memcached": (11211, False), "goproxy": (8080, False), "liveness": (8080, True), "hello-app": (8080, True),
    "echoserver": (8080, True), "agnhost-netexec": (8080, True), "agnhost-liveness": (8080, True),
    "agnhost-serve-hostname": (9376, True), "agnhost-test-webserver": (80, True), "agnhost-porter": (8080, True),
}
ROOTS = {"nginx": "/usr/share/nginx/html", "httpd": "/usr/local/apache2/htdocs", "busybox-httpd": "/var/www",
         "agnhost-test-webserver": "/"}
REASONS = {200: "OK", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error", 400: "Bad Request"}


def _port_of(server: str) -> tuple[int, bool] | None:
    if server.startswith("python-http:"):
        return int(server.split(":", 1)[1] or 8000), True
    if server.startswith("tcp:"):
        return int(server.split(":", 1)[1] or 0), False
    return PORTS.get(server)


def listening(serving: list[str]) -> dict[int, str]:
    """Port → the server listening on it."""
    out: dict[int, str] = {}
    for server in serving:
        found = _port_of(server)
        if found:
            out.setdefault(found[0], server)
    return out


def _nginx_404(image: str) -> str:
    from .output import NGINX_VERSIONS

    version = NGINX_VERSIONS.get(resolve(image).tag, "1.27.3") if image else "1.27.3"
    return ("<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1></center>\n"
            f"<hr><center>nginx/{version}</center>\n</body>\n</html>\n")


HTTPD_404 = ('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n'
             "<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n")


def respond(server: str, path: str, *, files: Fs, hostname: str, offset: float, image: str = "") -> tuple[int, str, str]:
    """(status, reason, body) of ``GET path`` to ``server``, ``offset`` seconds after its
    container started."""
    path = path.split("?", 1)[0] or "/"
    if server in ("liveness", "agnhost-liveness"):
        # The liveness demo server: /healthz answers 200 for 10 s, then 500 (kubernetes.io).
        if path == "/healthz" and offset > 10:
            return 500, REASONS[500], f"error: {offset:g}"
        return 200, "OK", "ok"
    if server == "hpa-example":
        return 200, "OK", "OK!"
    if server == "hello-app":
        # hello-app prints its own version: 1.0.0 for the 1.0 tag, 2.0.0 for 2.0 (the Ingress tutorial's web2).
        version = "2.0.0" if image.rpartition(":")[2] == "2.0" else "1.0.0"
        return 200, "OK", f"Hello, world!\nVersion: {version}\nHostname: {hostname}\n"
    if server in ("agnhost-serve-hostname",):
        return 200, "OK", hostname
    if server == "agnhost-netexec":
        if path == "/hostname":
            return 200, "OK", hostname
        if path in ("/healthz", "/"):
            return 200, "OK", "ok" if path == "/healthz" else f"NOW: {offset:g}"
        return 404, REASONS[404], "404 page not found\n"
    if server == "echoserver":
        return 200, "OK", f"Hostname: {hostname}\n\nRequest Information:\n\tmethod=GET\n\treal path={path}\n\trequest_version=1.1\n"
    root = ROOTS.get(server, "/" if server.startswith("python-http") else None)
    if root is None:
        return 400, REASONS[400], ""
    target = posixpath.normpath(posixpath.join(root, path.lstrip("/")))
    if files.is_dir(target):
        target = posixpath.join(target, "index.html")
    if target in files.files:
        return 200, "OK", files.files[target]
    if server == "nginx":
        return 404, REASONS[404], _nginx_404(image)
    return 404, REASONS[404], HTTPD_404
