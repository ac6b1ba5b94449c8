"""The simulated registry: which images exist, how big they are, what their process does.

Pull time follows size (at a classroom-friendly bandwidth), so learners see big images
take longer. Each repository knows its real tag pattern (a tag that exists upstream, such
as ``nginx:1.14.2`` or ``busybox:1.28``, pulls; ``nginx:1.99`` does not), its default
entrypoint and command, user, the server it runs and a few of its files. An image or tag
not listed here does not exist: ErrImagePull. ``resolve`` is cached: the engine calls it
for every pod.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

PULL_BYTES_PER_SECOND = 40 * 1024 * 1024

NGINX_INDEX = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""
HTTPD_INDEX = "<html><body><h1>It works!</h1></body></html>\n"

#: tag suffixes the Docker Official Images publish next to each version
_VARIANTS = r"(-(alpine(3\.\d+)?|alpine-slim|alpine-perl|perl|slim|bookworm|bullseye|buster|slim-bookworm|slim-bullseye|otel))?"


@dataclass(frozen=True)
class Image:
    repository: str  # e.g. docker.io/library/nginx
    size: int  # bytes
    #: what the default command does: "serve" runs until stopped; "exit" ends at once;
    #: "crash" and "oom" are kubeviz's teaching images
    behaviour: str = "serve"
    #: a regular expression every existing tag matches (the whole tag)
    tags: str = "latest"
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    user: str = "root"
    #: the server its default command runs (see ``runtime.servers``), "" for none
    server: str = ""
    files: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def _image(repository: str, size: int, behaviour: str, tags: str, **kw: object) -> Image:
    return Image(repository, size, behaviour, tags, **kw)  # type: ignore[arg-type]


_NGINX_FILES = {
    "/usr/share/nginx/html/index.html": NGINX_INDEX,
    "/usr/share/nginx/html/50x.html": "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n"
                                      "<h1>An error occurred.</h1>\n</body>\n</html>\n",
    "/etc/nginx/nginx.conf": "user  nginx;\nworker_processes  auto;\n\nevents {\n    worker_connections  1024;\n}\n\n"
                             "http {\n    include /etc/nginx/conf.d/*.conf;\n}\n",
    "/etc/nginx/conf.d/default.conf": "server {\n    listen       80;\n    server_name  localhost;\n\n    location / {\n"
                                      "        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n}\n",
}
#: nginx 1.<minor>: its last patch release (so 1.14.2 pulls and 1.28.9 does not)
_NGINX_LAST_PATCH = {7: 12, 8: 0, 9: 15, 10: 3, 11: 13, 12: 2, 13: 12, 14: 2, 15: 12, 16: 1, 17: 10, 18: 0, 19: 10, 20: 2,
                     21: 6, 22: 1, 23: 4, 24: 0, 25: 5, 26: 3, 27: 5, 28: 0, 29: 1}
_NGINX_RELEASES = "|".join(f"{minor}(\\.({'|'.join(str(p) for p in range(last + 1))}))?" for minor, last in _NGINX_LAST_PATCH.items())
_NGINX = dict(entrypoint=("/docker-entrypoint.sh",), cmd=("nginx", "-g", "daemon off;"), server="nginx", files=_NGINX_FILES)
_SH = dict(cmd=("sh",))
_BUSYBOX_TAGS = r"latest|stable|musl|glibc|uclibc|1\.(2[1-9]|3[0-7])(\.\d)?(-(musl|glibc|uclibc))?"

CATALOGUE: dict[str, Image] = {
    "nginx": _image("docker.io/library/nginx", 72_000_000, "serve",
                    rf"(latest|stable|mainline|alpine|perl|alpine-slim|bookworm|(stable|mainline)(-(alpine|perl|alpine-slim|bookworm))?"
                    rf"|1\.({_NGINX_RELEASES}){_VARIANTS})", **_NGINX),
    "httpd": _image("docker.io/library/httpd", 58_000_000, "serve", rf"latest|alpine|2(\.[24](\.\d{{1,2}})?)?{_VARIANTS}",
                    cmd=("httpd-foreground",), server="httpd", files={"/usr/local/apache2/htdocs/index.html": HTTPD_INDEX}),
    "redis": _image("docker.io/library/redis", 45_000_000, "serve", rf"latest|alpine|bookworm|[5-8](\.\d(\.\d{{1,2}})?)?{_VARIANTS}",
                    entrypoint=("docker-entrypoint.sh",), cmd=("redis-server",), user="redis", server="redis"),
    "busybox": _image("docker.io/library/busybox", 2_200_000, "exit", _BUSYBOX_TAGS, **_SH),
    "alpine": _image("docker.io/library/alpine", 3_600_000, "exit", r"latest|edge|3(\.([0-9]|1[0-9]|2[0-2])(\.\d{1,2})?)?", cmd=("/bin/sh",)),
    "ubuntu": _image("docker.io/library/ubuntu", 29_000_000, "exit",
                     r"latest|rolling|devel|jammy|noble|focal|bionic|oracular|plucky|(1[4-9]|2[0-5])\.(04|10)(\.\d)?", cmd=("/bin/bash",)),
    "debian": _image("docker.io/library/debian", 49_000_000, "exit",
                     r"latest|stable|testing|unstable|(bookworm|bullseye|buster|trixie|stretch)(-slim)?|(9|1[0-3])(\.\d{1,2})?(-slim)?",
                     cmd=("bash",)),
    "postgres": _image("docker.io/library/postgres", 160_000_000, "serve", rf"latest|alpine|(9\.6|1[0-8])(\.\d{{1,2}})?{_VARIANTS}",
                       entrypoint=("docker-entrypoint.sh",), cmd=("postgres",), user="postgres", server="postgres"),
    "mysql": _image("docker.io/library/mysql", 170_000_000, "serve", r"latest|lts|innovation|(5\.[67]|8\.[0-4]|9\.[0-4])(\.\d{1,2})?|[589](-oracle|-debian)?",
                    entrypoint=("docker-entrypoint.sh",), cmd=("mysqld",), user="mysql", server="mysql"),
    "mongo": _image("docker.io/library/mongo", 280_000_000, "serve", r"latest|[4-8](\.\d(\.\d{1,2})?)?(-jammy|-noble)?",
                    entrypoint=("docker-entrypoint.sh",), cmd=("mongod",), server="mongo"),
    "memcached": _image("docker.io/library/memcached", 30_000_000, "serve", r"latest|alpine|1(\.6(\.\d{1,2})?)?(-alpine)?",
                        cmd=("memcached",), user="memcache", server="memcached"),
    "perl": _image("docker.io/library/perl", 330_000_000, "exit", rf"latest|slim|5(\.(2[0-9]|3[0-9]|40)(\.\d)?)?{_VARIANTS}", cmd=("perl", "-de0")),
    "python": _image("docker.io/library/python", 380_000_000, "exit", rf"latest|slim|alpine|3(\.([6-9]|1[0-4])(\.\d{{1,2}})?)?{_VARIANTS}",
                     cmd=("python3",)),
    "node": _image("docker.io/library/node", 390_000_000, "exit", rf"latest|lts|slim|alpine|(1[0-9]|2[0-4])(\.\d{{1,2}}(\.\d{{1,2}})?)?{_VARIANTS}",
                   entrypoint=("docker-entrypoint.sh",), cmd=("node",)),
    "curlimages/curl": _image("docker.io/curlimages/curl", 12_000_000, "exit", r"latest|[78]\.\d{1,2}\.\d{1,2}",
                              entrypoint=("/entrypoint.sh",), cmd=("curl",), user="curl_user"),
    "registry.k8s.io/busybox": _image("registry.k8s.io/busybox", 1_100_000, "exit", r"latest|1\.2[4-7](\.\d)?", **_SH),
    "k8s.gcr.io/busybox": _image("k8s.gcr.io/busybox", 1_100_000, "exit", r"latest|1\.2[4-7](\.\d)?", **_SH),
    "registry.k8s.io/nginx-slim": _image("registry.k8s.io/nginx-slim", 18_000_000, "serve", r"0\.(\d|1\d|2[0-7])",
                                         cmd=("nginx", "-g", "daemon off;"), server="nginx", files=_NGINX_FILES),
    "registry.k8s.io/hpa-example": _image("registry.k8s.io/hpa-example", 180_000_000, "serve", r"latest",
                                          cmd=("apache2-foreground",), user="www-data", server="hpa-example"),
    "registry.k8s.io/pause": _image("registry.k8s.io/pause", 300_000, "serve", r"latest|[1-3](\.\d{1,2})?",
                                    entrypoint=("/pause",), server="pause"),
    "registry.k8s.io/goproxy": _image("registry.k8s.io/goproxy", 5_000_000, "serve", r"0\.1", cmd=("/goproxy",), server="goproxy"),
    "registry.k8s.io/liveness": _image("registry.k8s.io/liveness", 4_000_000, "serve", r"latest", cmd=("/server",),
                                       server="liveness"),
    "registry.k8s.io/e2e-test-images/agnhost": _image(
        "registry.k8s.io/e2e-test-images/agnhost", 52_000_000, "serve", r"2\.(\d|[1-5]\d)",
        entrypoint=("/agnhost",), cmd=("pause",), server="agnhost"),
    "gcr.io/google-samples/hello-app": _image("gcr.io/google-samples/hello-app", 11_000_000, "serve", r"1\.0|2\.0",
                                              cmd=("./hello-app",), server="hello-app"),
    "registry.k8s.io/echoserver": _image("registry.k8s.io/echoserver", 46_000_000, "serve", r"1\.(4|10)",
                                         cmd=("nginx", "-g", "daemon off;"), server="echoserver"),
    "kubeviz/crasher": _image("docker.io/kubeviz/crasher", 5_000_000, "crash", r"latest|1\.0"),
    "kubeviz/memory-hog": _image("docker.io/kubeviz/memory-hog", 5_000_000, "oom", r"latest|1\.0"),
}
#: other names for the same images (old registries, full docker.io paths)
ALIASES = {
    "k8s.gcr.io/echoserver": "registry.k8s.io/echoserver",
    "k8s.gcr.io/pause": "registry.k8s.io/pause",
    "k8s.gcr.io/nginx-slim": "registry.k8s.io/nginx-slim",
    "k8s.gcr.io/hpa-example": "registry.k8s.io/hpa-example",
    "k8s.gcr.io/liveness": "registry.k8s.io/liveness",
    "k8s.gcr.io/goproxy": "registry.k8s.io/goproxy",
    "registry.k8s.io/e2e-test-images/busybox": "registry.k8s.io/busybox",
}
_TAG_RES = {name: re.compile(rf"(?:{image.tags})") for name, image in CATALOGUE.items()}
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Resolved:
    reference: str  # the image as written in the pod
    image: Image | None
    tag: str
    exists: bool = False
    name: str = ""  # the catalogue's key

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


@lru_cache(maxsize=4096)
def resolve(reference: str) -> Resolved:
    """Split ``docker.io/library/nginx:1.27`` style references and look them up (a
    ``@sha256:…`` digest alone pulls the repository's latest)."""
    ref, _, digest = reference.partition("@")
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    name = ALIASES.get(name) or name
    image = CATALOGUE.get(name)
    exists = image is not None and bool(_TAG_RES[name].fullmatch(tag)) and (not digest or bool(_DIGEST.fullmatch(digest)))
    return Resolved(reference, image, tag, exists, name if image else "")


def default_argv(container: dict) -> list[str]:
    """What the container runs: Kubernetes' rule for command/args over the image's
    ENTRYPOINT/CMD (``command`` replaces the entrypoint and drops CMD; ``args`` replaces CMD)."""
    resolved = resolve(str(container.get("image", "")))
    image = resolved.image
    command = [str(w) for w in container.get("command") or []]
    args = [str(w) for w in container.get("args") or []]
    if command:
        return command + args
    entry = list(image.entrypoint) if image else []
    return entry + (args or (list(image.cmd) if image else []))
