/* kubeviz dashboard: the steps stream, the animation queue, the timeline and the controls.
 *
 * Steps come from the websocket /ws/clusters/<name>/steps/ (snapshot, then batches; on
 * reconnect we send {"after": lastSeq} and drop duplicates by seq). While the websocket is
 * down, the REST endpoint /api/clusters/<name>/steps/?after= is polled instead, so nothing
 * is missed. Steps are queued and played one by one at the chosen speed; the backlog counter
 * shows how many wait. Nothing is skipped: "Catch up" plays them fast, they all reach the
 * timeline. User-controlled strings are only ever written with textContent.
 */
(function () {
  "use strict";

  const dataEl = document.getElementById("dashboard-data");
  if (!dataEl) return;
  const data = JSON.parse(dataEl.textContent);
  const catalogue = data.catalogue || { steps: {}, categories: {}, components: {} };
  const $ = (id) => document.getElementById(id);

  const KIND_PLURALS = {
    Pod: "pods", Node: "nodes", Deployment: "deployments", ReplicaSet: "replicasets", Service: "services",
    Endpoints: "endpoints", EndpointSlice: "endpointslices", Event: "events", Namespace: "namespaces",
    ConfigMap: "configmaps", Lease: "leases", DaemonSet: "daemonsets", Job: "jobs",
  };
  const CLUSTER_SCOPED = new Set(["Node", "Namespace"]);

  const diagram = new window.KubevizDiagram.Diagram($("diagram"), { collapse: data.collapse, onSelect: onDiagramSelect });
  diagram.setState(data.state);

  // ---- clock -------------------------------------------------------------------------------
  const clock = { mode: data.state.clock.mode, speed: data.state.clock.speed || 1 };
  function setClock(mode, speed) {
    if (mode) clock.mode = mode;
    if (typeof speed === "number" && speed > 0) clock.speed = speed;
    $("clock-mode").textContent = clock.mode;
    $("clock").dataset.mode = clock.mode;
    // the clock's state, apart from the connection's (a live socket may carry a paused clock)
    $("clock-badge").dataset.mode = clock.mode;
    $("clock-badge-mode").textContent = clock.mode;
    $("clock-badge-speed").textContent = clock.mode === "live" ? clock.speed + "×" : "";
    // a viewer who may only watch has no clock buttons
    for (const [id, mode] of [["btn-play", "live"], ["btn-pause", "paused"], ["btn-next", "step"]]) {
      if ($(id)) $(id).setAttribute("aria-pressed", String(clock.mode === mode));
    }
    const sel = $("speed");
    if (sel && document.activeElement !== sel) {
      let found = false;
      for (const o of sel.options) if (Math.abs(+o.value - clock.speed) < 1e-9) { o.selected = true; found = true; }
      if (!found) {
        const o = document.createElement("option");
        o.value = String(clock.speed);
        o.textContent = clock.speed + "×";
        o.selected = true;
        sel.appendChild(o);
      }
    }
  }

  // ---- the stream: dedupe by seq, keep order ------------------------------------------------
  const stream = { contig: data.lastSeq || 0, seen: new Set(), queue: [], revision: data.revision || 0 };

  function receive(steps) {
    let touched = false;
    for (const s of steps || []) {
      if (!s || typeof s.seq !== "number") continue;
      if (s.seq <= stream.contig || stream.seen.has(s.seq)) continue;
      stream.seen.add(s.seq);
      let i = stream.queue.length;
      while (i > 0 && stream.queue[i - 1].seq > s.seq) i--;
      stream.queue.splice(i, 0, s);
      if (s.target === "etcd" && s.category !== "heartbeat") touched = true;
    }
    while (stream.seen.has(stream.contig + 1)) {
      stream.contig++;
      stream.seen.delete(stream.contig);
    }
    $("last-seq").textContent = String(stream.contig);
    if (touched) refreshPanelsSoon();
    showBacklog();
    pump();
  }

  // Steps up to `through` will never come (the server trimmed them, or a resume replays
  // only the newest ones): carry on after them and say so, as a watch relists after 410.
  function skipTo(through) {
    if (typeof through !== "number" || through <= stream.contig) return;
    const from = stream.contig + 1;
    stream.contig = through;
    for (const seq of Array.from(stream.seen)) if (seq <= through) stream.seen.delete(seq);
    while (stream.seen.has(stream.contig + 1)) {
      stream.contig++;
      stream.seen.delete(stream.contig);
    }
    $("last-seq").textContent = String(stream.contig);
    flash(true, "Steps " + from + "–" + through + " are not replayed (older history is not kept); showing the recent ones.");
  }

  // ---- the player ----------------------------------------------------------------------------
  let playing = false;
  let catchingUp = false;
  function showBacklog() {
    const el = $("backlog");
    const n = stream.queue.length;
    el.querySelector("strong").textContent = String(n);
    el.dataset.count = String(n);
    el.dataset.busy = String(n > 3);
    $("btn-catch-up").disabled = n === 0;
    announceBacklog(n);
  }
  // Screen readers hear the backlog at most once every few seconds, not on every step.
  const ANNOUNCE_MS = 5000;
  let announced = { at: 0, text: "", timer: null };
  function announceBacklog(n) {
    const text = n ? n + " steps waiting to be animated" : "animation caught up";
    if (text === announced.text) return;
    const wait = announced.at + ANNOUNCE_MS - Date.now();
    clearTimeout(announced.timer);
    const say = () => {
      announced.at = Date.now();
      announced.text = text;
      $("backlog-announce").textContent = text;
    };
    if (wait <= 0) say();
    else announced.timer = setTimeout(say, wait);
  }
  function flowOnly() { return $("timeline").classList.contains("flow-only"); }
  function duration(s) {
    const base = s.step ? 1100 : s.category === "heartbeat" || s.category === "event" ? 380 : 750;
    return base / Math.max(0.05, clock.speed);
  }
  function settle(s) {
    diagram.applyStep(s);
    if (typeof s.revision === "number" && s.revision > stream.revision) {
      stream.revision = s.revision;
      $("revision").textContent = String(s.revision);
    }
    if (s.target === "etcd" && s.category !== "heartbeat") { reconcileSoon(); detailSoon(s); }
  }
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  // ---- pacing: steps that happen together play together ----------------------------------
  // A batch is every queued step within WAVE_MS of cluster time of the first one; its steps
  // with the same number (or category), route and action form one wave, animated once with
  // a count ("3 ×5"). Live, a batch's waves play at once in the time of one step; when the
  // animation trails the newest step by more than LAG_TARGET_MS of real time, the window
  // widens until it has caught up. Every step still reaches the timeline, in order.
  const WAVE_MS = 1100;
  const LAG_TARGET_MS = 1000;
  const waves = [];
  function stamp(s) {
    const t = Date.parse(s.time || "");
    return isNaN(t) ? 0 : t;
  }
  // collapsed, every node's kubelet is one "kubelet × N" chip: one wave, not one per node
  const place = (c) => (diagram.collapsed && (c || "").indexOf("/") > 0 ? c.split("/")[0] + "/*" : c || "");
  function waveKey(s) { return [s.step || s.category, place(s.source), place(s.target), s.action].join("|"); }
  // at most this many flights at once: more is no longer readable, and costs frames
  const MAX_FLIGHTS = 6;
  function takeBatch() {
    const q = stream.queue;
    const t0 = stamp(q[0]);
    const behind = (stamp(q[q.length - 1]) - t0) / clock.speed;
    const span = WAVE_MS + Math.max(0, behind - LAG_TARGET_MS) * clock.speed;
    let n = 1;
    while (n < q.length && stamp(q[n]) - t0 <= span) n++;
    return q.splice(0, n);
  }
  function wavesOf(batch) {
    const byKey = new Map();
    for (const s of batch) {
      const k = waveKey(s);
      if (!byKey.has(k)) byKey.set(k, []);
      byKey.get(k).push(s);
    }
    return Array.from(byKey.values());
  }
  function caption(group, others) {
    const s = group[0];
    const info = (s.step ? catalogue.steps[s.step] : catalogue.categories[s.category]) || {};
    const count = group.length > 1 ? " ×" + group.length : "";
    $("caption-badge").textContent = (s.step ? String(s.step) : s.category || "") + count;
    $("caption-badge").className = s.step ? "badge num" : "badge cat c-" + (s.category || "").replace(/[^a-z-]/g, "");
    $("caption-title").textContent = info.title || s.category || "";
    $("caption-route").textContent = (s.source || "") + " → " + (s.target || "");
    $("caption-message").textContent = (s.message || "") + (group.length > 1 ? "  (and " + (group.length - 1) + " more like it)" : "") +
      (others ? "; at the same time " + others + " other step" + (others > 1 ? "s" : "") : "");
  }
  async function playBatch(batch) {
    const groups = wavesOf(batch);
    for (const s of batch) timelineAdd(s, batch.length > 5);
    for (const group of groups) {
      waves.push({ key: waveKey(group[0]), step: group[0].step || null, category: group[0].category, count: group.length, seqs: group.map((s) => s.seq) });
      if (waves.length > 500) waves.shift();
    }
    // with the 1–9 filter on, what the list hides is not animated either (only applied);
    // past MAX_FLIGHTS waves the numbered and the biggest are animated, the rest applied
    const shown = groups.filter((g) => g[0].step || !flowOnly())
      .sort((a, b) => (b[0].step ? 1 : 0) - (a[0].step ? 1 : 0) || b.length - a.length).slice(0, MAX_FLIGHTS)
      .sort((a, b) => a[0].seq - b[0].seq);
    for (const g of groups) if (shown.indexOf(g) < 0) for (const s of g) settle(s);
    const playOne = async (group) => {
      const uids = group.map((s) => (s.object || {}).uid).filter(Boolean);
      try { await diagram.play(group[0], duration(group[0]), { count: group.length, uids: uids }); } catch (e) { /* a failed animation never stops the queue */ }
      for (const s of group) settle(s);
    };
    if (clock.mode === "live") {
      // live: what happened together plays at once, in the time of one step, so a widened
      // batch (the animation was behind) plays faster than it happened and catches up
      if (shown.length) caption(shown[0], shown.length - 1);
      await Promise.all(shown.map(playOne));
      return;
    }
    // paused or step mode: nothing presses, each wave in turn
    for (const group of shown) {
      caption(group, 0);
      await playOne(group);
    }
  }
  async function pump() {
    if (playing || held) return;
    playing = true;
    try {
      while (stream.queue.length && !held) {
        if (catchingUp) {
          // no flights: as many steps as fit in a few milliseconds, then the next frame
          const started = performance.now();
          while (stream.queue.length && performance.now() - started < 6) {
            const s = stream.queue.shift();
            timelineAdd(s, true);
            settle(s);
          }
          showBacklog();
          await nextFrame();
          continue;
        }
        const batch = takeBatch();
        showBacklog();
        await playBatch(batch);
      }
    } finally {
      playing = false;
      catchingUp = false;
      showBacklog();
      reconcileSoon();
    }
  }
  $("btn-catch-up").addEventListener("click", () => { catchingUp = true; });

  // Time travel (static/js/timetravel.js) shows the past: live steps wait in the queue
  // meanwhile and are caught up, none skipped, when it lets go.
  let held = false;
  function hold(on) {
    if (held === !!on) return;
    held = !!on;
    if (!held) { catchingUp = true; pump(); }
  }

  // ---- reconcile with the truth (state JSON) -----------------------------------------------
  let reconcileTimer = null;
  function reconcileSoon() {
    clearTimeout(reconcileTimer);
    reconcileTimer = setTimeout(reconcile, 700);
  }
  async function reconcile() {
    if (held || stream.queue.length > 2) return; // the picture follows the animation; catch up first
    let state;
    try {
      const r = await fetch(data.urls.state, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!r.ok) return;
      state = await r.json();
    } catch (e) { return; }
    if (resetDetected(state.seq, state.revision)) return;
    if (held || stream.queue.length > 2) return;
    diagram.setState(state);
    setClock(state.clock.mode, state.clock.speed);
  }
  setInterval(() => { if (!playing) reconcile(); }, 20000);

  function resetDetected(seq, revision) {
    if (typeof seq !== "number" || typeof revision !== "number") return false;
    if (seq < stream.contig && revision < stream.revision) {
      // The cluster was reset (new steps and revisions start again from the beginning).
      reloadForReset();
      return true;
    }
    return false;
  }
  function reloadForReset() {
    const last = +(sessionStorage.getItem("kubeviz-reset-reload") || 0);
    if (Date.now() - last > 10000) {
      sessionStorage.setItem("kubeviz-reset-reload", String(Date.now()));
      location.reload();
    }
  }

  // ---- panels and detail follow the cluster ---------------------------------------------------
  let panelTimer = null;
  let panelLast = 0;
  function refreshPanelsSoon() {
    if (panelTimer) return;
    const wait = Math.max(300, 2500 - (Date.now() - panelLast));
    panelTimer = setTimeout(() => {
      panelTimer = null;
      panelLast = Date.now();
      if (window.htmx) window.htmx.trigger(document.body, "kv-refresh");
    }, wait);
  }
  let detailTimer = null;
  function detailSoon(s) {
    const obj = $("object");
    if (!obj || !s.object || obj.dataset.uid !== s.object.uid) return;
    clearTimeout(detailTimer);
    detailTimer = setTimeout(() => {
      const active = document.activeElement;
      if (active && $("detail").contains(active) && /INPUT|SELECT|TEXTAREA/.test(active.tagName)) return;
      const refresh = $("object-refresh");
      if (refresh && window.htmx) window.htmx.ajax("GET", refresh.getAttribute("href"), { target: "#detail", swap: "innerHTML" });
    }, 1200);
  }

  // ---- the timeline ----------------------------------------------------------------------------
  const MAX_TIMELINE = 400;
  function timelineAdd(s, quiet) {
    const li = document.createElement("li");
    // a flash for a few new steps; hundreds flashing at once cost every frame's style pass
    li.className = quiet ? "step" : "step fresh";
    li.tabIndex = 0;
    const obj = s.object || {};
    li.dataset.seq = String(s.seq);
    li.dataset.step = s.step ? String(s.step) : "";
    li.dataset.category = s.category || "";
    li.dataset.source = s.source || "";
    li.dataset.target = s.target || "";
    li.dataset.action = s.action || "";
    li.dataset.uid = obj.uid || "";
    li.dataset.kind = obj.kind || "";
    li.dataset.namespace = obj.namespace || "";
    li.dataset.name = obj.name || "";
    const badge = document.createElement("span");
    badge.className = s.step ? "badge num n" + s.step : "badge cat c-" + (s.category || "").replace(/[^a-z-]/g, "");
    badge.textContent = s.step ? String(s.step) : s.category || "";
    const route = document.createElement("span");
    route.className = "route";
    route.textContent = (s.source || "") + " → " + (s.target || "");
    const msg = document.createElement("span");
    msg.className = "msg";
    msg.textContent = s.message || "";
    li.append(badge, route, msg);
    const tl = $("timeline");
    tl.insertBefore(li, tl.firstChild);
    while (tl.children.length > MAX_TIMELINE) tl.lastElementChild.remove();
  }

  function explain(li) {
    $("timeline").querySelectorAll(".step.selected").forEach((e) => e.classList.remove("selected"));
    li.classList.add("selected");
    const d = li.dataset;
    const number = d.step ? catalogue.steps[d.step] : null;
    const cat = catalogue.categories[d.category] || catalogue.categories.flow || {};
    // unnumbered steps are explained by what happened (catalogue.topic_key), else by category
    const topicKey = (d.source || "").split("/")[0] + ">" + (d.target || "").split("/")[0] + ":" + (d.action || "");
    const info = number || (catalogue.topics || {})[topicKey] || cat;
    $("explain-title").textContent = (d.step ? "Step " + d.step + ": " : "") + (info.title || d.category);
    $("explain-route").textContent = d.source + " → " + d.target + (d.step ? "" : "  (" + d.category + ", not part of the numbered flow)");
    $("explain-message").textContent = li.querySelector(".msg").textContent;
    $("explain-text").textContent = info.explanation || "";
    $("explain-real").textContent = info.real ? "In a real cluster: " + info.real : "";
    $("explain-roles").textContent = [role(d.source), role(d.target)].filter(Boolean).join(" ");
    const link = $("explain-object");
    const url = objectUrl(d.kind, d.namespace, d.name);
    if (url) {
      link.hidden = false;
      link.href = url;
      link.textContent = "Show " + d.kind + " " + (d.namespace ? d.namespace + "/" : "") + d.name;
    } else link.hidden = true;
    $("explain").hidden = false;
    diagram.highlight(d.uid, [d.source, d.target]);
  }
  function role(component) {
    const key = (component || "").split("/")[0];
    const text = catalogue.components[key];
    return text ? component + ": " + text : "";
  }
  function objectUrl(kind, namespace, name) {
    const plural = KIND_PLURALS[kind];
    if (!plural || !name) return null;
    const base = data.urls.objects + plural + "/";
    if (CLUSTER_SCOPED.has(kind)) return base + encodeURIComponent(name) + "/";
    return base + encodeURIComponent(namespace || "default") + "/" + encodeURIComponent(name) + "/";
  }
  function loadDetail(url) {
    if (!url) return;
    if (window.htmx) window.htmx.ajax("GET", url, { target: "#detail", swap: "innerHTML" });
    else location.href = url;
  }

  $("timeline").addEventListener("click", (ev) => {
    const li = ev.target.closest(".step");
    if (li) explain(li);
  });
  $("timeline").addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter" && ev.key !== " ") return;
    const li = ev.target.closest(".step");
    if (li) { ev.preventDefault(); explain(li); }
  });
  $("explain-close").addEventListener("click", () => {
    $("explain").hidden = true;
    diagram.highlight(null, []);
    $("timeline").querySelectorAll(".step.selected").forEach((e) => e.classList.remove("selected"));
  });
  $("explain-object").addEventListener("click", (ev) => {
    ev.preventDefault();
    loadDetail($("explain-object").getAttribute("href"));
  });

  function onDiagramSelect(info) {
    if (info.type === "pod") {
      diagram.highlight(info.uid, []);
      loadDetail(objectUrl("Pod", info.namespace, info.name));
    } else if (info.type === "node") {
      diagram.highlight(info.uid, []);
      loadDetail(objectUrl("Node", "", info.name));
    } else if (info.type === "component" && info.component) {
      const key = info.component.split("/")[0];
      $("explain-title").textContent = info.component;
      $("explain-route").textContent = "";
      $("explain-message").textContent = "";
      $("explain-text").textContent = catalogue.components[key] || "";
      $("explain-real").textContent = "";
      $("explain-roles").textContent = "";
      $("explain-object").hidden = true;
      $("explain").hidden = false;
      diagram.highlight(null, [info.component]);
    }
  }

  // filter: the 1–9 flow only, or every category
  function setFilter(value) {
    $("timeline").classList.toggle("flow-only", value === "flow");
    try { localStorage.setItem("kubeviz-filter", value); } catch (e) { /* private mode */ }
  }
  document.querySelectorAll('input[name="timeline-filter"]').forEach((r) => r.addEventListener("change", () => setFilter(r.value)));
  try {
    const saved = localStorage.getItem("kubeviz-filter");
    if (saved === "all" || saved === "flow") {
      $(saved === "all" ? "filter-all" : "filter-flow").checked = true;
      setFilter(saved);
    }
  } catch (e) { /* private mode */ }

  // ---- connection: websocket with back-off, REST polling meanwhile ----------------------------
  let ws = null;
  let attempts = 0;
  let pollTimer = null;
  function setConn(state, label) {
    const el = $("connection");
    el.dataset.state = state;
    el.textContent = label;
  }
  function connect() {
    setConn("connecting", attempts ? "reconnecting…" : "connecting…");
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + data.urls.ws;
    try { ws = new WebSocket(url); } catch (e) { lost(); return; }
    let snapshots = 0;
    ws.onopen = () => {
      attempts = 0;
      ws.send(JSON.stringify({ after: stream.contig }));
      stopPolling();
      setConn("live", "connected");
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "snapshot") {
        // the server sends a snapshot on connect, and again only when the cluster is reset
        snapshots++;
        if (snapshots > 1) { reloadForReset(); return; }
        onSnapshot(msg);
      }
      else if (msg.type === "steps") receive(msg.steps);
      else if (msg.type === "gap") { skipTo(msg.to); document.dispatchEvent(new CustomEvent("kv-gap", { detail: msg })); }
      else if (msg.type === "step") receive([msg.step || msg]);
      else if (typeof msg.seq === "number" && msg.source) receive([msg]);
    };
    ws.onclose = () => { ws = null; lost(); };
    ws.onerror = () => { /* onclose follows */ };
  }
  function lost() {
    startPolling();
    const delay = Math.min(30000, 500 * Math.pow(2, Math.min(attempts, 6))) * (0.75 + Math.random() * 0.5);
    attempts++;
    setTimeout(connect, delay);
  }
  function onSnapshot(msg) {
    if (resetDetected(msg.seq, msg.revision)) return;
    if (Array.isArray(msg.nodes) && Array.isArray(msg.pods) && stream.queue.length <= 2 && !playing && !held) {
      diagram.setState({ nodes: msg.nodes, pods: msg.pods });
    }
    if (Array.isArray(msg.steps)) receive(msg.steps);
  }
  function startPolling() {
    if (pollTimer) return;
    setConn("polling", "polling (websocket unavailable)");
    const poll = async () => {
      try {
        const r = await fetch(data.urls.steps + "?after=" + stream.contig + "&limit=500", { headers: { Accept: "application/json" }, cache: "no-store" });
        if (r.ok) {
          const earliest = Number(r.headers.get("X-Kubeviz-Earliest-Seq"));
          if (earliest > stream.contig + 1) skipTo(earliest - 1);
          const steps = await r.json();
          if (Array.isArray(steps)) receive(steps);
        }
      } catch (e) { /* server away: keep trying */ }
    };
    poll();
    pollTimer = setInterval(poll, 2000);
  }
  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  // ---- htmx: REST calls made by the control buttons -----------------------------------------
  function flash(ok, text) {
    const area = $("flash");
    const p = document.createElement("p");
    p.className = "flash " + (ok ? "success" : "error");
    p.setAttribute("role", "status");
    p.textContent = text;
    area.replaceChildren(p);
  }
  function jsonOf(xhr) {
    try { return JSON.parse(xhr.responseText); } catch (e) { return null; }
  }
  function errorText(xhr, body) {
    if (body && (body.message || body.detail)) return body.message || body.detail;
    if (body && typeof body === "object") {
      // DRF's validation errors: {"field": ["message", …]}
      const parts = Object.keys(body).map((k) => k + ": " + [].concat(body[k]).join(" "));
      if (parts.length) return parts.join("; ");
    }
    return "request failed (HTTP " + xhr.status + ")";
  }
  document.body.addEventListener("htmx:afterRequest", (ev) => {
    const elt = ev.detail.elt;
    const xhr = ev.detail.xhr;
    if (!elt || !xhr) return;
    if (elt.dataset.clock) {
      const body = jsonOf(xhr);
      if (ev.detail.successful && body) {
        if (body.mode) setClock(body.mode, body.speed);
        else if (body.requested !== undefined) { setClock("step"); flash(true, "next step requested: the engine runs exactly one component action"); }
      } else flash(false, errorText(xhr, body));
    } else if (elt.hasAttribute("data-reload")) {
      if (ev.detail.successful) {
        sessionStorage.setItem("kubeviz-reset-reload", String(Date.now()));
        location.reload();
      } else flash(false, errorText(xhr, jsonOf(xhr)));
    } else if (elt.dataset.traffic) {
      showTraffic(elt.dataset.traffic, xhr);
    }
  });
  // the flash area empties itself after a while (it covers the corner of the timeline)
  let flashTimer = null;
  new MutationObserver(() => {
    clearTimeout(flashTimer);
    if ($("flash").childElementCount) flashTimer = setTimeout(() => $("flash").replaceChildren(), 7000);
  }).observe($("flash"), { childList: true });
  document.body.addEventListener("htmx:responseError", (ev) => {
    const elt = ev.detail.elt;
    if (elt && (elt.dataset.clock || elt.dataset.traffic || elt.hasAttribute("data-reload"))) return;
    flash(false, "request failed (HTTP " + ev.detail.xhr.status + ")");
  });
  document.body.addEventListener("htmx:sendError", () => flash(false, "the server cannot be reached"));

  function showTraffic(service, xhr) {
    const box = $("traffic");
    const out = $("traffic-result");
    box.hidden = false;
    $("traffic-service").textContent = service;
    const body = jsonOf(xhr);
    if (xhr.status === 404 && !(body && body.kind === "Status")) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "Traffic simulation is not available in this build yet (the server answered 404 to POST …/traffic/).";
      out.replaceChildren(p);
      return;
    }
    if (xhr.status >= 400) {
      const p = document.createElement("p");
      p.textContent = errorText(xhr, body);
      out.replaceChildren(p);
      return;
    }
    const rows = distribution(body);
    if (!rows.length) {
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify(body, null, 2);
      out.replaceChildren(pre);
      return;
    }
    const total = rows.reduce((a, r) => a + r.count, 0) || 1;
    const frag = document.createDocumentFragment();
    const head = document.createElement("p");
    head.textContent = total + " requests" + (body.node ? " from a pod on " + body.node : "") + (body.frontend ? " to " + body.frontend : "") +
      ", spread by kube-proxy over " + rows.length + " pod" + (rows.length === 1 ? "" : "s") +
      (body.sessionAffinity && body.sessionAffinity !== "None" ? " (session affinity " + body.sessionAffinity + ")" : "") + ":";
    frag.appendChild(head);
    for (const r of rows) {
      const line = document.createElement("div");
      line.className = "traffic-bar";
      const name = document.createElement("span");
      name.textContent = r.name;
      const barWrap = document.createElement("span");
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.display = "block";
      bar.style.width = Math.round((100 * r.count) / total) + "%";
      barWrap.appendChild(bar);
      const count = document.createElement("span");
      count.textContent = String(r.count);
      line.append(name, barWrap, count);
      frag.appendChild(line);
    }
    out.replaceChildren(frag);
  }
  function distribution(body) {
    if (!body || typeof body !== "object") return [];
    const src = body.distribution || body.endpoints || body.pods || body.backends || body.results || null;
    const rows = [];
    if (Array.isArray(src)) {
      for (const item of src) {
        if (!item || typeof item !== "object") continue;
        const name = item.pod || item.name || item.endpoint || item.ip || "?";
        const count = +(item.count !== undefined ? item.count : item.requests !== undefined ? item.requests : item.hits || 0);
        rows.push({ name: String(name), count: count });
      }
    } else if (src && typeof src === "object") {
      for (const k in src) {
        const v = src[k];
        rows.push({ name: k, count: typeof v === "number" ? v : +(v && (v.count || v.requests)) || 0 });
      }
    }
    return rows;
  }

  // ---- after Apply: back to the diagram, where the flow starts -------------------------------
  document.body.addEventListener("htmx:afterSwap", (ev) => {
    if (!$("manifest-result") || !ev.detail.target || ev.detail.target.id !== "manifest") return;
    const wrap = $("diagram-wrap");
    wrap.scrollIntoView({ block: "start" });
    wrap.focus({ preventScroll: true });
  });

  // ---- the manifest editor: line numbers, the lines the errors point at ------------------------
  function editorInit() {
    const area = $("manifest-text"), gutter = $("manifest-gutter");
    if (!area || !gutter || area.dataset.editor) return;
    area.dataset.editor = "1";
    const bad = new Set();
    document.querySelectorAll("#manifest-errors li[data-line]").forEach((li) => { if (li.dataset.line) bad.add(+li.dataset.line); });
    const draw = () => {
      const n = area.value.split("\n").length;
      if (+gutter.dataset.lines === n) return;
      gutter.dataset.lines = String(n);
      const frag = document.createDocumentFragment();
      for (let i = 1; i <= n; i++) {
        const line = document.createElement("span");
        line.textContent = String(i);
        if (bad.has(i)) line.className = "bad";
        frag.append(line, "\n");
      }
      gutter.replaceChildren(frag);
    };
    draw();
    area.addEventListener("input", draw);
    area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
    const first = Math.min.apply(null, Array.from(bad));
    if (isFinite(first)) {
      // scroll the first offending line into view inside the editor
      const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
      area.scrollTop = Math.max(0, (first - 3) * lineHeight);
      gutter.scrollTop = area.scrollTop;
    }
  }
  editorInit();
  document.body.addEventListener("htmx:afterSwap", editorInit);

  // ---- presenter mode: the diagram and the caption fill the screen ---------------------------
  function setPresent(on) {
    document.body.classList.toggle("present", on);
    diagram.setPresenting(on);
    $("btn-present").setAttribute("aria-pressed", String(on));
    $("btn-present").textContent = on ? "Leave presenter mode" : "Present";
    const url = new URL(location.href);
    if (on) url.searchParams.set("present", "1");
    else url.searchParams.delete("present");
    history.replaceState(history.state, "", url);
  }
  $("btn-present").addEventListener("click", () => setPresent(!document.body.classList.contains("present")));
  if (new URLSearchParams(location.search).get("present") === "1") setPresent(true);

  // ---- keyboard ------------------------------------------------------------------------------
  // Going back in time belongs to the time-travel scrubber (static/js/timetravel.js).
  function stepBack() {
    if (window.kubevizTimeTravel) window.kubevizTimeTravel.back(1);
  }
  function help() {
    const dlg = $("help");
    if (dlg.open) dlg.close();
    else if (typeof dlg.showModal === "function") dlg.showModal();
    else dlg.setAttribute("open", "");
  }
  $("btn-help").addEventListener("click", help);
  const editing = (t) => t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName));
  // space also presses buttons and opens steps: there it keeps doing that
  const presses = (t) => t && t.closest && !!t.closest("button, a, #timeline, #diagram");
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || editing(ev.target)) return;
    if (ev.key === "?") { ev.preventDefault(); help(); return; }
    if ($("help").open) return;
    if (ev.key === " " && presses(ev.target)) return;
    const press = (id) => { if ($(id)) $(id).click(); };  // absent for a viewer who may only watch
    if (ev.key === " ") { ev.preventDefault(); press(clock.mode === "live" ? "btn-pause" : "btn-play"); }
    else if (ev.key === "ArrowRight" || ev.key === "PageDown") { ev.preventDefault(); press("btn-next"); }
    else if (ev.key === "ArrowLeft" || ev.key === "PageUp") { ev.preventDefault(); stepBack(); }
    else if (ev.key === "f" || ev.key === "F") { ev.preventDefault(); setPresent(!document.body.classList.contains("present")); }
  });

  // ---- go ----------------------------------------------------------------------------------------
  // for browser tests and the curious: the diagram, the stream state and the clock
  window.kubevizDashboard = { diagram: diagram, stream: stream, clock: clock, receive: receive, hold: hold, waves: waves, present: setPresent };
  setClock(clock.mode, clock.speed);
  showBacklog();
  if ("WebSocket" in window) connect();
  else startPolling();
})();
