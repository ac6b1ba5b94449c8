"""The kubernetes.io tutorials, run word for word with real kubectl against a live kubeviz
(docs/tutorials.md). Each module is one tutorial on one cluster of the one-node ``minikube``
shape); its steps are a table of the page's commands and what the page shows they print.

The engine runs in the live server's worker at half the clock's top speed, so a tutorial's
minutes of waiting (a CronJob's schedule, the HPA's five-minute stabilisation) pass in
seconds; a step that waits polls kubectl, as ``kubectl get --watch`` would, never sleeps
a fixed time.
"""
from __future__ import annotations

import re
import shlex
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from tests.liveserver import ClusterHandle, kubectl_version_binary, wait_for

#: the newest kubectl first; the last resort is whatever ``kubectl`` is
KUBECTLS = [f"kubectl.1.{minor}" for minor in range(33, 26, -1)] + ["kubectl"]
SPEED = 50


def newest_kubectl() -> str | None:
    return next((b for b in KUBECTLS if kubectl_version_binary(b)), None)


@dataclass
class Tutorial:
    """One tutorial's cluster: runs the page's kubectl command lines, with its manifests."""

    cluster: ClusterHandle
    files: Path
    binary: str

    def manifest(self, name: str, text: str) -> Path:
        path = self.files / name
        path.write_text(text)
        return path

    def run(self, line: str, *, check: bool = True, binary: str | None = None) -> subprocess.CompletedProcess:
        """A command line as the page writes it (``kubectl …``); ``-f <name>`` names a
        manifest given to ``manifest``."""
        args = shlex.split(line)
        assert args[0] == "kubectl", line
        args = [str(self.files / a) if (self.files / a).is_file() else a for a in args[1:]]
        return self.cluster.kubectl_as(binary or self.binary, *args, check=check)

    def out(self, line: str, **kw) -> str:
        return self.run(line, **kw).stdout

    def until(self, line: str, ok: Callable[[str], object], what: str, timeout: float = 60) -> str:
        """Run ``line`` until ``ok(stdout)`` holds (the page's ``--watch``); its output."""
        found: list[str] = []

        def look() -> object:
            found[:] = [self.out(line, check=False)]
            return ok(found[0])
        try:
            wait_for(look, what, timeout=timeout)
        except AssertionError:
            raise AssertionError(f"timed out waiting for {what}: {line}; last output:\n{found[0] if found else ''}") from None
        return found[0]


def _starts(header: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?:^|(?<=\s{2}))\S", header)]


def columns(out: str) -> list[str]:
    """The column names of ``kubectl get`` output."""
    header = out.splitlines()[0] if out.strip() else ""
    starts = _starts(header)
    return [header[s:e].strip() for s, e in zip(starts, [*starts[1:], None], strict=False)]


def table(out: str) -> list[dict[str, str]]:
    """``kubectl get`` output as rows by column name (cells where kubectl aligns them)."""
    lines = [ln for ln in out.splitlines() if ln.strip()]
    if not lines:
        return []
    starts = _starts(lines[0])
    names = columns(out)
    return [dict(zip(names, (line[s:e].strip() for s, e in zip(starts, [*starts[1:], None], strict=False)), strict=False)) for line in lines[1:]]


@dataclass
class Step:
    """One command of the page and what its output must show: ``expect(stdout)`` is truthy
    (a dict of it is kept, for later commands' ``{placeholders}``). ``wait``: run it again
    until it is (the page waits or watches); ``fails``: it exits non-zero (``auth can-i``
answering no, an error), and its output is stdout and stderr together;
    ``clock``: set the simulated clock first (``paused`` to look at a moment the page shows,
    ``live`` again to let its minutes pass)."""

    line: str
    expect: Callable[[str], object]
    wait: bool = False
    fails: bool = False
    binary: str | None = None
    clock: dict | None = None
    #: text the output must also contain (``{placeholders}`` filled from what was kept)
    shows: str = ""


LIVE = {"mode": "live", "speed": SPEED}
PAUSED = {"mode": "paused"}


def walk(tutorial: Tutorial, steps: list[Step]) -> dict[str, str]:
    """Run the steps in order; returns what they kept."""
    kept: dict[str, str] = {}
    for step in steps:
        line = step.line.format(**kept)
        if step.clock:
            tutorial.cluster.clock(**step.clock)
        if step.wait:
            out = tutorial.until(line, step.expect, "the page's output")
        else:
            result = tutorial.run(line, check=not step.fails, binary=step.binary)
            out = result.stdout + result.stderr if step.fails else result.stdout
            assert not step.fails or result.returncode != 0, f"{line} should fail"
        found = step.expect(out)
        assert found, f"{line}: unexpected output:\n{out}"
        assert step.shows.format(**kept) in out, f"{line}: {step.shows.format(**kept)!r} not in:\n{out}"
        if isinstance(found, dict):
            kept.update(found)
    return kept


@pytest.fixture(scope="session")
def teacher_session(live_engine_server) -> requests.Session:
    """The teacher, signed in: makes each tutorial's cluster through the REST API (no
    ``manage.py`` start-up per cluster)."""
    s = requests.Session()
    s.trust_env = False
    s.cookies.update(live_engine_server.login())
    s.headers["X-CSRFToken"] = s.cookies["csrftoken"]
    return s


@pytest.fixture(scope="module")
def tutorial(live_engine_server, teacher_session, tmp_path_factory) -> Tutorial:
    binary = newest_kubectl()
    if binary is None:
        pytest.skip("kubectl is not on PATH")
    name = f"tut-{uuid.uuid4().hex[:8]}"
    teacher_session.post(f"{live_engine_server.http}/api/clusters/", json={"template": "minikube", "name": name}).raise_for_status()
    kubeconfig = live_engine_server.root / f"{name}.kubeconfig"
    got = teacher_session.get(f"{live_engine_server.http}/clusters/{name}/kubeconfig")
    got.raise_for_status()
    kubeconfig.write_text(got.text)
    token = yaml.safe_load(got.text)["users"][0]["user"]["token"]
    handle = ClusterHandle(name, token, kubeconfig, live_engine_server)
    handle.clock(**LIVE)
    return Tutorial(handle, tmp_path_factory.mktemp("tutorial"), binary)
