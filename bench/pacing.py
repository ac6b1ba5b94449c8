"""How far the dashboard's animation trails the cluster: ``python -m bench.pacing``.

Starts the server with its engine workers, opens the dashboard in headless Chromium at
1280×720 with the clock live at 1×, and applies a Deployment of 5 and then one of 30
replicas. When every pod is Running (checked through the API), it waits until the
cluster has gone quiet (no new numbered step for a few seconds) and then until the page
has animated everything it received; the figure is the time from the cluster's last
numbered step (when the bench saw it, polling every 0.25 s) to the last frame in which
the page was still animating, in seconds of wall-clock time. Target: ≤ 3 s.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import print_figures
from tests.browser.chromium import launch, missing
from tests.liveserver import LiveServer, wait_for

# The wall-clock time of the last frame in which the page was still animating.
BUSY_CLOCK = """() => {
  window.__busyUntil = Date.now();
  window.__received = {};
  let contig = 0;
  const tick = () => {
    const d = window.kubevizDashboard;
    if (d.stream.contig !== contig) { contig = d.stream.contig; window.__received[contig] = Date.now(); }
    if (d.stream.queue.length || document.querySelector('.kv-overlay .flight')) window.__busyUntil = Date.now();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def deployment(name: str, replicas: int) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}},
        },
    }


def running(cluster, name: str) -> int:
    r = cluster.session().get(f"{cluster.api}/api/v1/namespaces/default/pods", params={"labelSelector": f"app={name}"})
    r.raise_for_status()
    return sum(1 for p in r.json()["items"] if (p.get("status") or {}).get("phase") == "Running")


def last_numbered(cluster, after: int) -> tuple[int, float]:
    """The seq of the newest numbered step after ``after`` (0 if none) and when we saw it."""
    numbered = [s["seq"] for s in cluster.steps(after=after) if s.get("step")]
    return (max(numbered) if numbered else 0), time.time()


def lag_after(page, cluster, name: str, replicas: int, quiet: float) -> float:
    before = cluster.last_seq()
    cluster.session().post(f"{cluster.api}/apis/apps/v1/namespaces/default/deployments",
                           json=deployment(name, replicas)).raise_for_status()
    wait_for(lambda: running(cluster, name) >= replicas, f"{replicas} pods of {name} Running", timeout=600)
    # the cluster's flow is over when no numbered step has come for `quiet` seconds
    seen, at = last_numbered(cluster, before)
    while time.time() - at < quiet:
        time.sleep(0.25)
        now_seen, now_at = last_numbered(cluster, before)
        if now_seen != seen:
            seen, at = now_seen, now_at
    page.wait_for_function(
        """seq => { const d = window.kubevizDashboard;
          return d.stream.contig >= seq && !d.stream.queue.length && !document.querySelector('.kv-overlay .flight'); }""",
        arg=seen, timeout=600_000, polling=50)
    received = page.evaluate("seq => Math.min(...Object.entries(window.__received).filter(([k]) => +k >= seq).map(([, v]) => v))", seen)
    print(f"#   the page received the last numbered step {received / 1000 - at:+.1f} s after the bench saw it", file=sys.stderr)
    return max(0.0, page.evaluate("() => window.__busyUntil") / 1000 - at)


def run(args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    from playwright.sync_api import expect, sync_playwright

    root = Path(tempfile.mkdtemp(prefix="kubeviz-bench-pacing-"))
    lags: dict[int, list[float]] = {5: [], 30: []}
    try:
        server = LiveServer.prepare(root, embedded=True)
        with server.serving(workers=True), sync_playwright() as p:
            browser = launch(p)
            for k in range(args.runs):
                cluster = server.new_cluster(name=f"pace{k}")
                cluster.clock(mode="live", speed=1)
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.goto(f"{server.http}/clusters/{cluster.name}/")
                expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=60_000)
                page.evaluate(BUSY_CLOCK)
                for replicas in (5, 30):
                    lag = lag_after(page, cluster, f"web{replicas}", replicas, args.quiet)
                    print(f"# run {k + 1}: {replicas} replicas, animation ended {lag:.1f} s after the cluster", file=sys.stderr)
                    lags[replicas].append(lag)
                page.close()
            browser.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {f"pacing_lag_{n}_replicas_median": (statistics.median(v), "s") for n, v in lags.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pacing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="clusters, each with a 5- and a 30-replica Deployment (default 3)")
    parser.add_argument("--quiet", type=float, default=4, help="seconds without a numbered step that end the flow (default 4)")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"# bench.pacing skipped: {reason}", file=sys.stderr)
        return
    print_figures(run(args))


if __name__ == "__main__":
    main()
