"""Dashboard frame rate in a real browser: ``python -m bench.browser``.

Starts the server with its engine workers (tests/liveserver.py), makes a cluster of 20
nodes running a Deployment of 300 pods (the most the diagram draws one by one), opens the
dashboard in headless Chromium at 1280×720 and starts a rolling update (a new image). For
``--seconds`` it counts ``requestAnimationFrame`` callbacks, per one-second window, while
the steps of the rollout stream in and play. Each run reloads the page and rolls out a new
image; the figure is the median over every window of every run.

Three figures: the normal player (steps that happen together animated as one wave, the
rest in the backlog), the same in presenter mode (``?present=1``: larger text, the diagram
filling the screen) and "Catch up" pressed (steps drained in batches, no flights).

Headless Chromium has no GPU here (software compositing) and paces frames at the display
rate it assumes (60 Hz), so 60 fps is the ceiling; the host is shared, so compare medians.
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

NODES = 20
PODS = 300
# Each measured rollout moves to a tag the simulated registry has (an unknown one would
# stall in ImagePullBackOff, as it would on a real cluster).
ROLLOUT_IMAGES = ("nginx:1.28", "nginx:1.26", "nginx:1.25", "nginx:1.24", "nginx:alpine", "nginx:stable", "nginx:mainline")

# Records one timestamp per animation frame; the bench reads and clears them.
FRAME_COUNTER = """() => {
  window.__frames = [];
  const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""


def deployment(image: str) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": PODS, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": image}]}},
        },
    }


def running_pods(cluster) -> int:
    r = cluster.session().get(f"{cluster.api}/api/v1/namespaces/default/pods", params={"labelSelector": "app=web"})
    r.raise_for_status()
    return sum(1 for p in r.json()["items"]
               if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"))


def rollout_done(cluster, image: str) -> bool:
    r = cluster.session().get(f"{cluster.api}/apis/apps/v1/namespaces/default/deployments/web")
    r.raise_for_status()
    d = r.json()
    status = d.get("status") or {}
    return (d["spec"]["template"]["spec"]["containers"][0]["image"] == image
            and status.get("updatedReplicas") == PODS and status.get("availableReplicas") == PODS
            and status.get("replicas") == PODS)


def frames_per_second(timestamps: list[float]) -> list[int]:
    """rAF callbacks in each whole one-second window after the first frame."""
    if not timestamps:
        return []
    start = timestamps[0]
    windows = int((timestamps[-1] - start) // 1000)
    counts = [0] * windows
    for t in timestamps:
        i = int((t - start) // 1000)
        if i < windows:
            counts[i] += 1
    return counts


def measure(page, seconds: float) -> list[int]:
    page.evaluate(FRAME_COUNTER)
    page.wait_for_timeout(seconds * 1000)  # the measurement window itself, not a wait for state
    return frames_per_second(page.evaluate("() => window.__frames"))


def run(args: argparse.Namespace) -> dict[str, tuple[float, str]]:
    from playwright.sync_api import expect, sync_playwright

    root = Path(tempfile.mkdtemp(prefix="kubeviz-bench-browser-"))
    figures: dict[str, tuple[float, str]] = {}
    try:
        server = LiveServer.prepare(root, embedded=True)
        cluster = server.new_cluster(name="fps")
        with server.serving(workers=True):
            api = cluster.session()
            for _ in range(NODES - 3):
                r = api.post(f"{server.http}/api/clusters/{cluster.name}/nodes/", json={"cpu": "16", "memory": "64Gi"})
                r.raise_for_status()
            cluster.clock(mode="live", speed=args.setup_speed)
            started = time.monotonic()
            r = api.post(f"{cluster.api}/apis/apps/v1/namespaces/default/deployments", json=deployment("nginx:1.27"))
            r.raise_for_status()
            wait_for(lambda: running_pods(cluster) >= PODS, f"{PODS} pods Running", timeout=600)
            print(f"# {NODES} nodes, {PODS} pods Running after {time.monotonic() - started:.0f} s", file=sys.stderr)

            normal: list[int] = []
            present: list[int] = []
            catch_up: list[int] = []
            with sync_playwright() as p:
                browser = launch(p)
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                for k in range(args.runs):
                    for m, (mode, windows) in enumerate((("normal", normal), ("present", present), ("catch-up", catch_up))):
                        cluster.clock(mode="live", speed=args.speed)
                        page.goto(f"{server.http}/clusters/{cluster.name}/" + ("?present=1" if mode == "present" else ""))
                        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=60_000)
                        image = ROLLOUT_IMAGES[(3 * k + m) % len(ROLLOUT_IMAGES)]
                        r = api.patch(f"{cluster.api}/apis/apps/v1/namespaces/default/deployments/web",
                                      json={"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": image}]}}}},
                                      headers={"Content-Type": "application/strategic-merge-patch+json"})
                        r.raise_for_status()
                        expect(page.locator("#backlog")).not_to_have_attribute("data-count", "0", timeout=60_000)
                        if mode == "catch-up":
                            page.evaluate("""() => {
                              const b = document.getElementById('btn-catch-up');
                              setInterval(() => { if (!b.disabled) b.click(); }, 250);
                            }""")
                        counts = measure(page, args.seconds)
                        backlog = page.locator("#backlog").get_attribute("data-count")
                        collapsed = page.locator("#diagram").get_attribute("data-collapsed")
                        print(f"# run {k + 1} {mode}: fps per second {counts}; backlog {backlog}, collapsed {collapsed}",
                              file=sys.stderr)
                        windows.extend(counts)
                        cluster.clock(mode="live", speed=args.setup_speed)
                        wait_for(lambda image=image: rollout_done(cluster, image), "the rollout to finish", timeout=600)
                browser.close()
            figures["dashboard_fps_median"] = (statistics.median(normal), "fps")
            figures["dashboard_fps_p10"] = (statistics.quantiles(normal, n=10)[0], "fps")
            figures["dashboard_fps_median_present"] = (statistics.median(present), "fps")
            figures["dashboard_fps_p10_present"] = (statistics.quantiles(present, n=10)[0], "fps")
            figures["dashboard_fps_median_catch_up"] = (statistics.median(catch_up), "fps")
            figures["dashboard_fps_p10_catch_up"] = (statistics.quantiles(catch_up, n=10)[0], "fps")
            figures["dashboard_fps_windows"] = (len(normal) + len(present) + len(catch_up), "count")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rolling updates per mode (default 3)")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per run (default 10)")
    parser.add_argument("--speed", type=float, default=1, help="clock speed while measuring (default 1)")
    parser.add_argument("--setup-speed", type=float, default=20, help="clock speed between runs (default 20)")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"# bench.browser skipped: {reason}", file=sys.stderr)
        return
    print_figures(run(args))


if __name__ == "__main__":
    main()
