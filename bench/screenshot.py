"""Regenerate the README's picture of the dashboard: ``python -m bench.screenshot``.

Starts the server with its engine workers (tests/liveserver.py), loads the demo cluster,
applies the nginx sample (a Deployment of 3 and a Service) through the dashboard's own
manifest form, waits until the three pods run and the player has caught up, and saves the
1280×720 viewport to docs/dashboard.png.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tests.browser.chromium import launch, missing
from tests.liveserver import ROOT, LiveServer

SAMPLE = "01-nginx-deployment-service.yaml"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        sys.exit(f"cannot take the screenshot: {reason}")
    from playwright.sync_api import expect, sync_playwright

    root = Path(tempfile.mkdtemp(prefix="kubeviz-screenshot-"))
    try:
        server = LiveServer.prepare(root, embedded=True)
        cluster = server.new_cluster(name="demo")
        with server.serving(workers=True), sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.context.add_cookies(server.browser_cookies())  # a teacher acts on the demo
            page.goto(f"{server.http}/clusters/{cluster.name}/")
            expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=60_000)
            page.fill("#manifest-text", (ROOT / "fixtures" / "manifests" / SAMPLE).read_text())
            page.click("#manifest-apply")
            expect(page.locator("#manifest-result")).to_contain_text("created", timeout=60_000)
            pods = page.locator("#diagram .pod[data-state='Running']")
            expect(pods).to_have_count(3, timeout=120_000)
            expect(page.locator("#timeline .step[data-step='9']").first).to_be_visible(timeout=60_000)
            expect(page.locator("#backlog")).to_have_attribute("data-count", "0", timeout=60_000)
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(args.out))
            browser.close()
        print(f"wrote {args.out}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
