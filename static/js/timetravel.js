/* kubeviz time travel: a scrubber over the stored steps, for whoever joins late.
 *
 * Drag the range (or step with ◀ ▶) and the diagram shows the cluster as it was at that
 * step, read from GET /api/clusters/<name>/history/?at=<seq> (rebuilt on the server from
 * etcd's change log). "Replay" plays the stored steps after it through the diagram's own
 * animation (diagram.play, diagram.applyStep) at the chosen speed, and checks the picture
 * against the server's history after each page of steps. "Live" goes back to the stream:
 * the dashboard held the steps that arrived meanwhile (window.kubevizDashboard.hold) and
 * plays them quickly, so the timeline has no gap.
 *
 * ?at=<seq> in the page's URL opens the dashboard at that step (the URL follows the
 * scrubber, so a teacher can share a moment). History that was trimmed or compacted cannot
 * be reached: the scrubber starts where the server says history starts and says so.
 *
 * Public API, for keyboard shortcuts and presenters (each returns nothing):
 *   window.kubevizTimeTravel.back(n = 1)     n steps back (from live: from the newest)
 *   window.kubevizTimeTravel.forward(n = 1)  n steps forward; past the newest is live
 *   window.kubevizTimeTravel.go(seq)         show step seq
 *   window.kubevizTimeTravel.play()/.pause() replay from the step shown / stop replaying
 *   window.kubevizTimeTravel.live()          back to the live stream
 *   window.kubevizTimeTravel.state()         {mode: "live"|"past", seq, earliest, head}
 * and the same through events on document: kv-time-back, kv-time-forward, kv-time-live
 * (detail: {steps: n} for back and forward).
 */
(function () {
  "use strict";

  const root = document.getElementById("timetravel");
  const dash = window.kubevizDashboard;
  if (!root || !dash) return;
  const $ = (id) => document.getElementById(id);
  const range = $("tt-range");
  const PAGE = 200;

  const tt = { mode: "live", seq: 0, earliest: 1, playing: false, request: 0 };
  const head = () => dash.stream.contig;

  function setEarliest(earliest) {
    if (typeof earliest !== "number" || earliest < 1) return;
    tt.earliest = earliest;
    const note = $("tt-note");
    if (earliest > 1) {
      note.hidden = false;
      note.textContent = "History starts at step " + earliest + ": older steps were trimmed, or the changes they made compacted.";
    } else note.hidden = true;
    syncRange();
  }
  function syncRange() {
    range.min = String(Math.min(tt.earliest, head()));
    range.max = String(head());
    if (document.activeElement !== range || tt.mode === "live") range.value = String(tt.mode === "live" ? head() : tt.seq);
  }
  function status(text) { $("tt-status").textContent = text; }
  function setMode(mode) {
    tt.mode = mode;
    root.dataset.mode = mode;
    $("tt-live").hidden = mode === "live";
    dash.hold(mode === "past");
    const url = new URL(location.href);
    if (mode === "live") url.searchParams.delete("at");
    else url.searchParams.set("at", String(tt.seq));
    history.replaceState(history.state, "", url);
    if (mode === "live") status("live");
  }

  function describe(snapshot) {
    const s = snapshot.step;
    let text = "step " + snapshot.seq + " of " + snapshot.head + " · etcd revision " + snapshot.revision;
    if (s) text += " · " + s.source + " → " + s.target + ": " + s.message;
    status(text + " (the panels below show the present)");
  }

  async function fetchHistory(seq) {
    const r = await fetch(root.dataset.history + "?at=" + encodeURIComponent(seq), { headers: { Accept: "application/json" }, cache: "no-store" });
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON: reported below */ }
    return { status: r.status, body: body };
  }

  /* Show step seq: the objects of then, drawn by the same diagram. */
  async function go(seq) {
    if (typeof seq !== "number" || !isFinite(seq)) return;
    tt.playing = false;
    seq = Math.max(tt.earliest, Math.round(seq));
    if (seq >= head() && tt.mode === "live") return;
    tt.seq = seq;
    setMode("past");
    syncRange();
    const ticket = ++tt.request;
    let answer;
    try { answer = await fetchHistory(seq); } catch (e) { status("the server cannot be reached"); return; }
    if (ticket !== tt.request) return; // a later scrub overtook this one
    const body = answer.body || {};
    if (answer.status === 200) {
      setEarliest(body.earliest);
      dash.diagram.setState({ nodes: body.nodes, pods: body.pods, failed_nodes: body.failed_nodes, stopped: body.stopped });
      describe(body);
      root.dispatchEvent(new CustomEvent("kv-time-shown", { bubbles: true, detail: { seq: body.seq } }));
    } else if (answer.status === 410) {
      status(body.message || "that step is older than the history kept");
      const m = /starts at step (\d+)/.exec(body.message || "");
      if (m && +m[1] > seq) { setEarliest(+m[1]); go(+m[1]); }
    } else if (answer.status === 404) {
      live();
    } else status(body.message || "history unavailable (HTTP " + answer.status + ")");
  }

  function back(n) { go((tt.mode === "live" ? head() : tt.seq) - (n || 1)); }
  function forward(n) {
    if (tt.mode === "live") return;
    const next = tt.seq + (n || 1);
    if (next >= head()) live();
    else go(next);
  }
  function live() {
    tt.playing = false;
    tt.request++;
    $("tt-play").setAttribute("aria-pressed", "false");
    if (tt.mode !== "live") setMode("live");
    syncRange();
  }

  // ---- replay: the stored steps after the one shown, through the diagram's animation ----------
  function duration(s) {
    const flowOnly = $("timeline").classList.contains("flow-only");
    let base = s.step ? 1100 : s.category === "heartbeat" || s.category === "event" ? 380 : 750;
    if (flowOnly && !s.step) base = 60;
    return base / Math.max(0.25, +$("tt-speed").value || 1);
  }
  async function play() {
    if (tt.mode === "live" || tt.playing) return;
    tt.playing = true;
    $("tt-play").setAttribute("aria-pressed", "true");
    const ticket = tt.request;
    try {
      while (tt.playing && ticket === tt.request) {
        const r = await fetch(root.dataset.steps + "?after=" + tt.seq + "&limit=" + PAGE, { headers: { Accept: "application/json" }, cache: "no-store" });
        const steps = r.ok ? await r.json() : [];
        if (!Array.isArray(steps) || !steps.length) { live(); return; }
        for (const s of steps) {
          if (!tt.playing || ticket !== tt.request) return;
          try { await dash.diagram.play(s, duration(s)); } catch (e) { /* a failed animation never stops the replay */ }
          if (!tt.playing || ticket !== tt.request) return;
          dash.diagram.applyStep(s);
          tt.seq = s.seq;
          syncRange();
          status("replaying step " + s.seq + " of " + head() + " · " + s.source + " → " + s.target + ": " + s.message);
        }
        if (tt.seq >= head()) { live(); return; }
        // The steps say only so much: set the picture to the truth at this step, then go on.
        const url = new URL(location.href);
        url.searchParams.set("at", String(tt.seq));
        history.replaceState(history.state, "", url);
        const snap = await fetchHistory(tt.seq);
        if (snap.status === 200 && tt.playing && ticket === tt.request) {
          dash.diagram.setState({ nodes: snap.body.nodes, pods: snap.body.pods, failed_nodes: snap.body.failed_nodes, stopped: snap.body.stopped });
        }
      }
    } catch (e) {
      status("replay stopped: the server cannot be reached");
    } finally {
      if (tt.mode === "past") tt.playing = false;
      $("tt-play").setAttribute("aria-pressed", "false");
    }
  }
  function pause() {
    if (!tt.playing) return;
    tt.playing = false;
    go(tt.seq);
  }

  // ---- wiring --------------------------------------------------------------------------------
  let scrubTimer = null;
  range.addEventListener("input", () => {
    clearTimeout(scrubTimer);
    const seq = +range.value;
    tt.playing = false;
    scrubTimer = setTimeout(() => (seq >= head() ? live() : go(seq)), 120);
  });
  $("tt-back").addEventListener("click", () => back(1));
  $("tt-forward").addEventListener("click", () => forward(1));
  $("tt-play").addEventListener("click", () => (tt.playing ? pause() : play()));
  $("tt-live").addEventListener("click", live);
  const steps = (ev) => (ev.detail && +ev.detail.steps) || 1;
  document.addEventListener("kv-time-back", (ev) => back(steps(ev)));
  document.addEventListener("kv-time-forward", (ev) => forward(steps(ev)));
  document.addEventListener("kv-time-live", live);
  // the websocket's gap message and the steps API's header both say where history starts
  document.addEventListener("kv-gap", (ev) => setEarliest(ev.detail && ev.detail.earliest));
  setInterval(syncRange, 1000);

  window.kubevizTimeTravel = {
    back: back, forward: forward, go: (seq) => go(+seq), play: play, pause: pause, live: live,
    state: () => ({ mode: tt.mode, seq: tt.mode === "live" ? head() : tt.seq, earliest: tt.earliest, head: head() }),
  };

  const at = new URLSearchParams(location.search).get("at");
  fetch(root.dataset.steps + "?after=" + head() + "&limit=1", { headers: { Accept: "application/json" }, cache: "no-store" })
    .then((r) => setEarliest(Number(r.headers.get("X-Kubeviz-Earliest-Seq"))))
    .catch(() => { /* the scrubber keeps its defaults */ });
  if (at !== null && /^\d+$/.test(at)) go(+at);
  else syncRange();
})();
