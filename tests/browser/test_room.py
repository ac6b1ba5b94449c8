"""The dashboard in a classroom: pacing in waves, presenter mode, the keyboard, readable
highlights, workload labels, and a layout that fits a projector and a phone.

Sizes and contrasts are measured from the DOM (computed styles and the SVG's scale);
nothing here measures time (the pacing's lag is in bench/pacing.py).
"""
from __future__ import annotations

import re

import pytest

from tests.liveserver import wait_for

from .test_dashboard import DEPLOYMENT, open_dashboard, upload

pytestmark = pytest.mark.browser

FIVE = DEPLOYMENT.replace("replicas: 3", "replicas: 5")

# Records every wave badge the overlay draws (flights are short-lived).
BADGE_RECORDER = """() => {
  window.__badges = [];
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.querySelector) n.querySelectorAll('.num-badge text, .cat-badge text').forEach((t) => window.__badges.push(t.textContent));
    }
  }).observe(document.querySelector('.kv-overlay'), {childList: true, subtree: true});
}"""

# On-screen font size in CSS px of each element matching the selector (SVG text scaled by
# the diagram's fit to its box).
SCREEN_SIZES = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((e) => e.getClientRects().length && getComputedStyle(e).display !== 'none' && e.textContent.trim())
  .map((e) => {
    const px = parseFloat(getComputedStyle(e).fontSize);
    const svg = e.ownerSVGElement;
    const scale = svg ? svg.getScreenCTM().a : 1;
    return [e.textContent.trim(), px * scale];
  })"""

# WCAG contrast of a text against the shape behind it, both composited over white with
# every ancestor's opacity, and with any overlay glow at full strength on top of both.
CONTRAST = """([textSel, backSel]) => {
  const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const alpha = (e) => { let a = 1; for (let n = e; n && n.nodeType === 1; n = n.parentNode) a *= +getComputedStyle(n).opacity; return a; };
  const paint = (e) => { const st = getComputedStyle(e); if (st.fill === 'none') return null;
    const c = rgba(st.fill); c[3] *= +st.fillOpacity * alpha(e); return c; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const glows = Array.from(document.querySelectorAll('.kv-overlay .glow')).map((g) => {
    const st = getComputedStyle(g); if (st.fill === 'none' || st.display === 'none') return null;
    const c = rgba(st.fill); c[3] *= +st.fillOpacity; return c; }).filter(Boolean);
  const out = [];
  for (const t of document.querySelectorAll(textSel)) {
    if (!t.getClientRects().length || !t.textContent.trim()) continue;
    const scope = t.closest('g');
    const back = scope.querySelector(backSel) || scope.closest('.node').querySelector('.node-box');
    let bg = [255, 255, 255, 1];
    const b = paint(back); if (b) bg = over(b, bg);
    let fg = over(paint(t), bg);
    for (const g of glows) { bg = over(g, bg); fg = over(g, fg); }
    const [l1, l2] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push([t.textContent.trim(), (l1 + 0.05) / (l2 + 0.05)]);
  }
  return out;
}"""


def test_pods_reaching_a_step_together_play_as_one_wave_and_every_step_is_listed(page, engine_cluster):
    from playwright.sync_api import expect

    engine_cluster.clock(mode="live", speed=4)
    open_dashboard(page, engine_cluster)
    page.evaluate(BADGE_RECORDER)
    upload(page, "web.yaml", FIVE)
    pods = page.locator("#diagram .pod[data-name^='web-']")
    expect(pods).to_have_count(5)
    for i in range(5):
        expect(pods.nth(i)).to_have_attribute("data-state", "Running")
    engine_cluster.clock(mode="paused")
    last = engine_cluster.last_seq()
    page.wait_for_function("last => window.kubevizDashboard.stream.contig >= last && !window.kubevizDashboard.stream.queue.length", arg=last)

    waves = page.evaluate("() => window.kubevizDashboard.waves")
    grouped = [w for w in waves if w["step"] and w["count"] > 1]
    assert grouped, waves
    assert all(w["count"] == len(w["seqs"]) for w in waves)
    badges = page.evaluate("() => window.__badges")
    assert any(b == f"{w['step']} ×{w['count']}" for w in grouped for b in badges), (badges, grouped)
    # nothing skipped: every step of the rollout is in the list, in order, once
    shown = page.eval_on_selector_all("#timeline .step", "items => items.map(li => Number(li.dataset.seq))")
    first = min(s for w in waves for s in w["seqs"])
    assert [s for s in shown if s >= first] == list(range(last, first - 1, -1))
    played = sorted(s for w in waves for s in w["seqs"])
    assert played == list(range(first, first + len(played)))


def test_apply_returns_to_the_diagram_and_the_badges_tell_clock_from_connection(page, engine_cluster):
    from playwright.sync_api import expect

    engine_cluster.clock(mode="paused")
    open_dashboard(page, engine_cluster)
    expect(page.locator("#connection")).to_have_text("connected")
    expect(page.locator("#clock-badge")).to_have_attribute("data-mode", "paused")
    expect(page.locator("#clock-badge")).to_contain_text("paused")
    expect(page.locator("#timeline .step[data-step]:not([data-step=''])").first).to_be_visible()

    page.locator("#manifest-text").fill(DEPLOYMENT)
    page.locator("#manifest-apply").click()
    expect(page.locator("#manifest-result")).to_contain_text("created")
    expect(page.locator("#diagram-wrap")).to_be_focused()
    top = page.evaluate("() => document.getElementById('diagram-wrap').getBoundingClientRect().top")
    assert -1 <= top < 80

    page.click("#btn-play")
    expect(page.locator("#clock-badge")).to_have_attribute("data-mode", "live")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


def test_presenter_mode_is_readable_from_the_back_and_grows_with_zoom(browser, engine_cluster):
    from playwright.sync_api import expect

    engine_cluster.clock(mode="live", speed=8)
    engine_cluster.session().post(f"{engine_cluster.api}/apis/apps/v1/namespaces/default/deployments",
                                  json=__import__("yaml").safe_load(DEPLOYMENT)).raise_for_status()
    for viewport, scale in (({"width": 1280, "height": 720}, 1), ({"width": 640, "height": 360}, 2)):
        context = browser.new_context(viewport=viewport, device_scale_factor=scale)
        page = context.new_page()
        page.goto(f"{engine_cluster.server.http}/clusters/{engine_cluster.name}/?present=1")
        expect(page.locator("body")).to_have_class("dashboard present")
        expect(page.locator("#timeline")).to_be_hidden()
        expect(page.locator("#panel")).to_be_hidden()
        expect(page.locator("#diagram .pod[data-name^='web-'] .pname")).to_have_count(3)
        expect(page.locator("#diagram .pod[data-name^='web-'] .pname").first).to_have_text(
            __import__("re").compile(r"^web·[a-z0-9]{5}$"))
        page.evaluate("() => document.getElementById('caption-title').textContent = 'Step caption'")
        for selector, least in (("#diagram .component .title", 20), ("#diagram .chip text", 20),
                                ("#diagram .pod .pname", 16), ("#caption-title", 24)):
            sizes = page.evaluate(SCREEN_SIZES, selector)
            assert sizes, selector
            assert all(px >= least for _, px in sizes), (viewport, selector, sizes)
        context.close()


def test_keys_and_the_presenter_button(page, engine_cluster):
    from playwright.sync_api import expect

    engine_cluster.clock(mode="paused")
    open_dashboard(page, engine_cluster)
    page.locator("body").press("Space")
    expect(page.locator("#clock-badge")).to_have_attribute("data-mode", "live")
    assert engine_cluster.clock()["mode"] == "live"
    page.locator("body").press("Space")
    expect(page.locator("#clock-badge")).to_have_attribute("data-mode", "paused")
    page.locator("body").press("ArrowRight")
    expect(page.locator("#clock-badge")).to_have_attribute("data-mode", "step")
    page.locator("body").press("PageDown")
    # The step's messages arrive over the websocket: read the head once it has caught up.
    wait_for(lambda: page.evaluate("() => window.kubevizTimeTravel.state().head") == engine_cluster.last_seq(),
             "the dashboard to show the newest step")
    head = page.evaluate("() => window.kubevizTimeTravel.state().head")
    page.locator("body").press("ArrowLeft")  # back in time: the scrubber shows the step before
    expect(page).to_have_url(re.compile(rf"[?&]at={head - 1}\b"))
    page.locator("body").press("PageUp")
    expect(page).to_have_url(re.compile(rf"[?&]at={head - 2}\b"))
    assert page.evaluate("() => window.kubevizTimeTravel.state().mode") == "past"
    page.evaluate("() => window.kubevizTimeTravel.live()")
    page.locator("body").press("f")
    expect(page.locator("body")).to_have_class("dashboard present")
    expect(page.locator("#btn-present")).to_have_attribute("aria-pressed", "true")
    page.click("#btn-present")
    expect(page.locator("body")).to_have_class("dashboard")
    page.locator("body").press("?")
    help_box = page.locator("#help")
    expect(help_box).to_be_visible()
    for key in ("Space", "→", "Page Down", "←", "Page Up", "f", "?"):
        expect(help_box.locator("kbd", has_text=key).first).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()


@pytest.mark.parametrize("reduced", [False, True])
def test_highlights_and_failed_nodes_keep_labels_readable(page, engine_cluster, reduced):
    from playwright.sync_api import expect

    if reduced:
        page.emulate_media(reduced_motion="reduce")
    engine_cluster.clock(mode="paused")
    engine_cluster.session().post(f"{engine_cluster.server.http}/api/clusters/{engine_cluster.name}/nodes/node-2/fail/").raise_for_status()
    open_dashboard(page, engine_cluster)
    expect(page.locator("#diagram .node[data-name='node-2']")).to_have_attribute("data-state", "Failed")
    page.click("#c-apiserver")
    expect(page.locator("#c-apiserver")).to_have_class("component core focus")
    page.evaluate("""() => { const d = window.kubevizDashboard.diagram;
      for (const c of ['apiserver', 'etcd', 'scheduler', 'kubelet/node-1']) d.light(c, 60000); }""")
    glows = page.locator(".kv-overlay .glow").count()
    assert glows == (0 if reduced else 4)
    for text, back in (("#static .component text", ".box:not(.hit), .cyl"), ("#diagram .node .chip text", ".box"),
                       ("#diagram .node text.node-name, #diagram .node text.node-status", ".node-box")):
        ratios = page.evaluate(CONTRAST, [text, back])
        assert ratios, text
        assert all(r >= 4.5 for _, r in ratios), ratios


def test_the_legend_shows_every_glyph_the_diagram_draws(page, engine_cluster):
    open_dashboard(page, engine_cluster)
    marks = set(page.evaluate("() => Object.values(window.KubevizDiagram.MARKS)"))
    legend = set(page.eval_on_selector_all("#legend .mark", "ts => ts.map(t => t.textContent)"))
    assert "N" in marks and marks <= legend, marks - legend


def test_tables_fit_their_cards_and_a_phone_never_scrolls_sideways(browser, page, engine_cluster):
    from playwright.sync_api import expect

    engine_cluster.clock(mode="live", speed=8)
    open_dashboard(page, engine_cluster)
    upload(page, "web.yaml", DEPLOYMENT)
    expect(page.locator("#manifest-result")).to_contain_text("created")
    for tab in ("nodes", "pods", "deployments", "services", "events"):
        page.click(f"#tab-{tab}")
        expect(page.locator("#tab-" + tab)).to_have_attribute("aria-selected", "true")
        overflow = page.evaluate("""() => Array.from(document.querySelectorAll('.card table')).map((t) => {
          const card = t.closest('.card'); return [t.id, t.getBoundingClientRect().right - card.getBoundingClientRect().right]; })""")
        assert all(px <= 0.5 for _, px in overflow), (tab, overflow)
    # a skip link leads past the diagram's tab stops; the diagram is a group, not an image
    skip = page.locator(".skip-link")
    assert page.locator(skip.get_attribute("href")).count() == 1
    assert page.locator("#diagram").get_attribute("role") != "img"
    assert page.locator("[role='img'] [tabindex]").count() == 0
    assert page.locator("#backlog[aria-live]").count() == 0 and page.locator("#backlog-announce[aria-live]").count() == 1

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    small.goto(f"{engine_cluster.server.http}/clusters/{engine_cluster.name}/")
    expect(small.locator("#connection")).to_have_attribute("data-state", "live")
    expect(small.locator("#diagram")).to_be_visible()
    expect(small.locator("#manifest")).to_be_hidden()
    wide = small.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 390, wide
    phone.close()


def test_the_backlog_is_announced_far_less_often_than_it_changes(page, engine_cluster):
    engine_cluster.clock(mode="paused")
    open_dashboard(page, engine_cluster)
    changes = page.evaluate("""async () => {
      const counts = { backlog: 0, announce: 0 };
      new MutationObserver((rs) => { counts.backlog += rs.length; }).observe(document.getElementById('backlog'), {subtree: true, characterData: true, childList: true});
      new MutationObserver((rs) => { counts.announce += rs.length; }).observe(document.getElementById('backlog-announce'), {subtree: true, characterData: true, childList: true});
      const d = window.kubevizDashboard;
      const base = d.stream.contig;
      const now = Date.now();
      const steps = [];
      for (let i = 1; i <= 40; i++) steps.push({ seq: base + i, step: null, source: 'kubelet/node-1', target: 'apiserver',
        action: 'renew lease', object: {}, message: 'lease ' + i, category: 'heartbeat', time: new Date(now + i * 3000).toISOString() });
      for (const s of steps) { d.receive([s]); await new Promise((r) => setTimeout(r, 0)); }
      document.querySelector('#btn-catch-up').click();
      while (d.stream.queue.length) await new Promise((r) => requestAnimationFrame(r));
      return counts;
    }""")
    assert changes["backlog"] >= 20 and changes["announce"] <= 2, changes


def test_the_editor_numbers_its_lines_and_marks_every_documents_offending_line(page, engine_cluster):
    from playwright.sync_api import expect

    open_dashboard(page, engine_cluster)
    text = ("apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n")
    page.locator("#manifest-text").fill(text)
    expect(page.locator("#manifest-gutter span")).to_have_count(10)  # and the empty last line
    page.locator("#manifest-apply").click()
    errors = page.locator("#manifest-errors li[data-line]")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text('kind "Gizmo"')
    expect(page.locator("#manifest-gutter span.bad")).to_have_text(["2"])
    expect(page.locator("#manifest-errors")).not_to_contain_text("regex")

    page.locator("#manifest-text").fill(text.replace("Gizmo", "ConfigMap").replace("  name: g", "  name: Bad_One"))
    page.locator("#manifest-apply").click()
    expect(page.locator("#manifest-errors > ul > li")).to_have_count(2)
    expect(page.locator("#manifest-gutter span.bad")).to_have_text(["4", "9"])
    expect(page.locator("#manifest-errors")).not_to_contain_text("regex")
