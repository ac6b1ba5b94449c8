/* kubeviz diagram: the cluster's architecture as SVG, patched in place.
 *
 * Shapes are keyed by uid and updated where they stand, never wiped and redrawn; movement
 * and fading use CSS/Web-Animations on `transform` and `opacity` only. Every string that
 * comes from the cluster (names, images, messages) is written with textContent.
 *
 * What moves every frame (flights, glows, pulses) is drawn on a second SVG laid over the
 * diagram, on its own compositing layer: Chromium then repaints only that small layer per
 * frame, not the diagram with its hundreds of pods. Changes to the diagram itself are
 * batched into one render per animation frame.
 *
 * Public API (window.KubevizDiagram):
 *   new Diagram(svg, {collapse: {nodes, pods}, onSelect(info)})
 *   .setState(state)       reconcile with {nodes, pods, stopped, failed_nodes}
 *   .applyStep(step)       what a played step tells us before the next reconcile
 *   .play(step, ms, {count, uids})  animate one step (or a wave of `count` like it, whose
 *                          objects are `uids`); resolves when the target has lit up
 *   .highlight(uid, components)
 *   .setPresenting(on)     roomier chips and pod cells for presenter mode's larger text
 */
(function () {
  "use strict";

  const SVGNS = "http://www.w3.org/2000/svg";
  const WORKERS = { x: 182, y: 268, w: 796, h: 378 };
  const LANE = { x: 16, y: 292, w: 128, h: 354 };
  const GAP = 10;
  const DENSE_PODS = 60;
  const RENDER_MS = 250;

  // ---- pod states (mirrors kubeviz/web/selectors.py) -------------------------------------
  const GROUPS = {
    Pending: "pending", ContainerCreating: "creating", PodInitializing: "creating", CreateContainerConfigError: "creating",
    Running: "running", NotReady: "notready",
    CrashLoopBackOff: "crash", Error: "crash", OOMKilled: "crash", Failed: "crash", ContainerCannotRun: "crash",
    ErrImagePull: "image", ImagePullBackOff: "image", InvalidImageName: "image", ErrImageNeverPull: "image",
    Completed: "completed", Succeeded: "completed", Terminating: "terminating",
  };
  const MARKS = { pending: "P", creating: "C", running: "R", notready: "N", crash: "!", image: "I", completed: "D", terminating: "T", unknown: "?" };
  const GROUP_LABELS = {
    pending: "Pending", creating: "Creating", running: "Running", notready: "Not ready", crash: "Crashing",
    image: "Image error", completed: "Completed", terminating: "Terminating", unknown: "Unknown",
  };

  function stateGroup(state) {
    if (GROUPS[state]) return GROUPS[state];
    if (/^Init:/.test(state)) return "creating";
    if (/^(ExitCode|Signal):/.test(state)) return "crash";
    return "unknown";
  }

  /* kubectl's STATUS column for a full Pod object (kubeviz/kubeapi/tables.py). */
  function podStatusReason(pod) {
    const status = pod.status || {};
    let reason = status.reason || status.phase || "Unknown";
    let initializing = false;
    const inits = status.initContainerStatuses || [];
    for (let i = 0; i < inits.length; i++) {
      const st = inits[i].state || {};
      if (st.terminated && st.terminated.exitCode === 0) continue;
      if (st.terminated) reason = "Init:" + (st.terminated.reason || "ExitCode:" + st.terminated.exitCode);
      else if (st.waiting && st.waiting.reason && st.waiting.reason !== "PodInitializing") reason = "Init:" + st.waiting.reason;
      else reason = "Init:" + i + "/" + ((pod.spec || {}).initContainers || []).length;
      initializing = true;
      break;
    }
    if (!initializing) {
      let hasRunning = false;
      const cs = (status.containerStatuses || []).slice().reverse();
      for (const c of cs) {
        const st = c.state || {};
        if (st.waiting && st.waiting.reason) reason = st.waiting.reason;
        else if (st.terminated) reason = st.terminated.reason || (st.terminated.signal ? "Signal:" + st.terminated.signal : "ExitCode:" + st.terminated.exitCode);
        else if (st.running && c.ready) hasRunning = true;
      }
      if (reason === "Completed" && hasRunning) {
        const ready = (status.conditions || []).some((c) => c.type === "Ready" && c.status === "True");
        reason = ready ? "Running" : "NotReady";
      }
    }
    if ((pod.metadata || {}).deletionTimestamp) reason = status.reason === "NodeLost" ? "Unknown" : "Terminating";
    return reason;
  }

  /* Pods and nodes arrive either as the dashboard's rows or as full Kubernetes objects. */
  function normPod(p) {
    if (p && p.metadata) {
      const state = podStatusReason(p);
      return {
        uid: p.metadata.uid || "", name: p.metadata.name || "", namespace: p.metadata.namespace || "",
        node: (p.spec || {}).nodeName || "", state: state, group: stateGroup(state), workload: "",
      };
    }
    const state = p.state || p.status || p.phase || "Pending";
    return { uid: p.uid || "", name: p.name || "", namespace: p.namespace || "", node: p.node || p.nodeName || "", state: state, group: p.group || stateGroup(state), workload: p.workload || "" };
  }

  function normNode(n, failedNames) {
    const failed = new Set(failedNames || []);
    if (n && n.metadata) {
      let ready = "Unknown";
      for (const c of ((n.status || {}).conditions || [])) {
        if (c.type === "Ready") ready = c.status === "True" ? "Ready" : "NotReady";
      }
      const name = n.metadata.name || "";
      return { uid: n.metadata.uid || name, name: name, ready: ready, cordoned: !!(n.spec || {}).unschedulable,
               failed: failed.has(name), state: failed.has(name) ? "Failed" : ready };
    }
    // the dashboard's rows say ready: "Ready"; the websocket snapshot says ready: true and
    // status: "Ready" | "NotReady" | "Unknown", and unschedulable instead of cordoned
    let ready = typeof n.ready === "string" ? n.ready : "";
    if (!ready) ready = /^(Ready|NotReady|Unknown)$/.test(n.status || "") ? n.status : n.ready === true ? "Ready" : n.ready === false ? "NotReady" : "Unknown";
    const isFailed = n.failed !== undefined ? !!n.failed : failed.has(n.name);
    return { uid: n.uid || n.name, name: n.name, ready: ready, cordoned: !!(n.cordoned || n.unschedulable), failed: isFailed, state: isFailed ? "Failed" : ready };
  }

  // ---- SVG helpers -------------------------------------------------------------------------
  function el(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function txt(parent, x, y, str, cls) {
    const t = el("text", { x: x, y: y, class: cls || "" }, parent);
    t.textContent = str;
    return t;
  }
  function setText(node, str) { if (node.textContent !== str) node.textContent = str; }
  function attr(node, name, value) { const v = String(value); if (node.getAttribute(name) !== v) node.setAttribute(name, v); }
  function move(node, x, y) {
    const t = "translate(" + x.toFixed(1) + "px, " + y.toFixed(1) + "px)";
    if (node.style.transform !== t) node.style.transform = t;
  }
  function canAnimate(node) { return typeof node.animate === "function"; }
  const reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
  function fadeOutRemove(node, ms) {
    node.style.opacity = "0";
    setTimeout(() => node.remove(), ms || 500);
  }
  function glyphPath(group, r) {
    switch (group) {
      case "crash": return "M0," + (-r * 1.15) + " L" + (r * 1.1) + "," + (r * 0.85) + " L" + (-r * 1.1) + "," + (r * 0.85) + " Z";
      case "image": return "M0," + (-r * 1.15) + " L" + (r * 1.15) + ",0 L0," + (r * 1.15) + " L" + (-r * 1.15) + ",0 Z";
      case "completed": return "M" + (-r) + "," + (-r) + " h" + 2 * r + " v" + 2 * r + " h" + (-2 * r) + " Z";
      default: return "M" + (-r) + ",0 a" + r + "," + r + " 0 1,0 " + 2 * r + ",0 a" + r + "," + r + " 0 1,0 " + (-2 * r) + ",0";
    }
  }
  /* "web·x2x4z": the workload a pod belongs to and its own suffix, so that two
     Deployments' pods can be told apart. */
  function podLabel(p) {
    const short = shortName(p.name);
    if (!p.workload || short === p.name) return short;
    const owner = p.workload.length > 9 ? p.workload.slice(0, 8) + "…" : p.workload;
    return short.length === 5 ? owner + "·" + short : owner;
  }
  function shortName(name) {
    // generated names (web-7d4b9c-x2x4z) are told apart by their random suffix
    const parts = name.split("-");
    const last = parts[parts.length - 1];
    if (parts.length > 1 && /^[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(last)) return last;
    return name.length > 9 ? name.slice(0, 8) + "…" : name;
  }
  function center(r) { return { x: r.x + r.w / 2, y: r.y + r.h / 2 }; }
  function edgePoint(r, toward) {
    const c = center(r);
    const dx = toward.x - c.x, dy = toward.y - c.y;
    if (!dx && !dy) return c;
    const sx = dx ? (r.w / 2) / Math.abs(dx) : Infinity;
    const sy = dy ? (r.h / 2) / Math.abs(dy) : Infinity;
    const s = Math.min(sx, sy);
    return { x: c.x + dx * s, y: c.y + dy * s };
  }
  function gridFor(count, w, h, maxCell) {
    if (count <= 0) return { cols: 1, cell: maxCell };
    let best = { cols: 1, cell: 0 };
    for (let cols = 1; cols <= count; cols++) {
      const rows = Math.ceil(count / cols);
      const cell = Math.min(w / cols, h / rows, maxCell);
      if (cell >= best.cell) best = { cols: cols, cell: cell }; // ties: prefer a row
    }
    return best;
  }

  // ---- the diagram ---------------------------------------------------------------------------
  class Diagram {
    constructor(svg, opts) {
      this.svg = svg;
      this.opts = opts || {};
      this.limits = this.opts.collapse || { nodes: 20, pods: 300 };
      this.workers = svg.querySelector("#workers");
      this.overlay = this.makeOverlay(svg);
      this.flights = el("g", { class: "flights" }, this.overlay);
      this.renderQueued = false;
      this.nodeLayer = el("g", { id: "node-layer" }, this.workers);
      this.summaryLayer = el("g", { id: "summary-layer" }, this.workers);
      this.podLayer = el("g", { id: "pod-layer" }, this.workers);
      this.nodes = new Map(); // uid -> {g, box, name, status, chips, rect}
      this.pods = new Map(); // uid -> {g, glyph, mark, label, title, pos}
      this.model = { nodes: [], pods: new Map(), stopped: [], failed: [] };
      this.collapsed = false;
      this.drawn = false; // the first drawing appears at once; later shapes fade in
      this.statics = {};
      svg.querySelectorAll("#static > .component").forEach((g) => {
        const box = g.querySelector(".box");
        this.statics[g.dataset.component] = {
          g: g,
          rect: { x: +box.getAttribute("x"), y: +box.getAttribute("y"), w: +box.getAttribute("width"), h: +box.getAttribute("height") },
        };
      });
      const pick = (ev) => {
        const hit = ev.target.closest(".pod, .node, .component");
        if (!hit || !this.opts.onSelect) return;
        if (hit.classList.contains("pod")) this.opts.onSelect({ type: "pod", uid: hit.dataset.uid, namespace: hit.dataset.namespace, name: hit.dataset.name });
        else if (hit.classList.contains("chip") || hit.classList.contains("component")) this.opts.onSelect({ type: "component", component: hit.dataset.component });
        else this.opts.onSelect({ type: "node", uid: hit.dataset.uid, name: hit.dataset.name });
      };
      svg.addEventListener("click", pick);
      svg.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); pick(ev); } });
    }

    /* A transparent SVG with the diagram's viewBox, kept exactly over it. */
    makeOverlay(svg) {
      const overlay = el("svg", {
        class: "kv-overlay", viewBox: svg.getAttribute("viewBox"), "aria-hidden": "true",
        preserveAspectRatio: svg.getAttribute("preserveAspectRatio") || "xMidYMid meet",
      });
      svg.after(overlay);
      const fit = () => {
        const box = svg.getBoundingClientRect();
        const parent = svg.parentElement;
        const outer = parent.getBoundingClientRect();
        const st = overlay.style;
        st.left = (box.left - outer.left - parent.clientLeft) + "px";
        st.top = (box.top - outer.top - parent.clientTop) + "px";
        st.width = box.width + "px";
        st.height = box.height + "px";
        // viewBox units per CSS pixel: lets CSS size diagram text in screen pixels
        const vb = svg.viewBox.baseVal;
        const scale = vb && vb.width ? Math.min(box.width / vb.width, box.height / vb.height) : 1;
        const u = scale > 0 ? String(1 / scale) : "1";
        svg.style.setProperty("--u", u);
        overlay.style.setProperty("--u", u);
      };
      fit();
      if (typeof ResizeObserver === "function") new ResizeObserver(fit).observe(svg);
      else window.addEventListener("resize", fit);
      return overlay;
    }

    /* Many steps may change the picture within one frame: draw it once, before the paint,
       and at most every RENDER_MS (redrawing hundreds of pods every frame while a rollout
       streams in costs the frame rate; moves are CSS transitions anyway). */
    renderSoon() {
      if (this.renderQueued) return;
      this.renderQueued = true;
      const wait = Math.max(0, (this.renderedAt || 0) + RENDER_MS - performance.now());
      setTimeout(() => requestAnimationFrame(() => {
        this.renderQueued = false;
        this.render();
      }), wait);
    }

    // ---- state -------------------------------------------------------------------------------
    setState(state) {
      const failed = state.failed_nodes || this.model.failed || [];
      this.model.failed = failed.slice();
      this.model.nodes = (state.nodes || []).map((n) => normNode(n, failed));
      this.model.pods = new Map();
      for (const p of state.pods || []) {
        const pod = normPod(p);
        if (pod.uid) this.model.pods.set(pod.uid, pod);
      }
      if (state.stopped) this.model.stopped = state.stopped.slice();
      this.render();
    }

    podCount() { return this.model.pods.size; }

    setPresenting(on) {
      this.presenting = !!on;
      this.render();
    }

    /* What a played step says about the world, until the next reconcile brings the truth. */
    applyStep(s) {
      const obj = s.object || {};
      const msg = s.message || "";
      let changed = false;
      if (typeof s.revision === "number") {
        const rev = this.svg.querySelector("#etcd-revision");
        if (rev && +rev.textContent < s.revision) rev.textContent = String(s.revision);
      }
      if (s.category === "fault") {
        const node = (s.target || "").startsWith("kubelet/") ? s.target.slice(8) : "";
        if (node && s.action === "fail node") { this.model.failed = Array.from(new Set(this.model.failed.concat([node]))); changed = true; }
        if (node && s.action === "recover node") { this.model.failed = this.model.failed.filter((n) => n !== node); changed = true; }
        if (s.action === "stop" && this.model.stopped.indexOf(s.target) < 0) { this.model.stopped = this.model.stopped.concat([s.target]); changed = true; }
        if (s.action === "start") { this.model.stopped = this.model.stopped.filter((c) => c !== s.target); changed = true; }
        if (changed) {
          this.model.nodes = this.model.nodes.map((n) => normNode(Object.assign({}, n, { failed: undefined, state: n.ready }), this.model.failed));
        }
      }
      if (obj.kind === "Pod" && obj.uid) {
        let pod = this.model.pods.get(obj.uid);
        if (!pod && s.target === "etcd" && s.action === "create") {
          pod = { uid: obj.uid, name: obj.name, namespace: obj.namespace, node: "", state: "Pending", group: "pending" };
          this.model.pods.set(obj.uid, pod);
          changed = true;
        } else if (pod) {
          let state = null;
          if (s.step === 5) {
            const m = msg.match(/to node (\S+?)\s*(\(|$)/);
            if (m) { pod.node = m[1]; changed = true; }
          } else if (s.step === 7 && pod.group === "pending") {
            state = "ContainerCreating";
          } else if (s.step === 8 || (s.action === "update status" && (s.source || "").startsWith("kubelet/"))) {
            const waiting = msg.match(/waiting \(([A-Za-z:]+)\)/) || msg.match(/terminated \(([A-Za-z:]+)\)/);
            const phase = msg.match(/phase (\w+)/);
            if (waiting) state = waiting[1];
            else if (phase) state = { Running: "Running", Succeeded: "Completed", Failed: "Error", Pending: "Pending" }[phase[1]] || null;
          } else if (s.target === "etcd" && s.action === "terminate") {
            state = "Terminating";
          } else if (s.target === "etcd" && s.action === "delete") {
            this.model.pods.delete(obj.uid);
            changed = true;
          }
          if (state && state !== pod.state) { pod.state = state; pod.group = stateGroup(state); changed = true; }
        }
      }
      if (changed) this.renderSoon();
      return changed;
    }

    // ---- drawing -----------------------------------------------------------------------------
    render() {
      this.renderedAt = performance.now();
      const nodes = this.model.nodes;
      const pods = Array.from(this.model.pods.values());
      const collapsed = nodes.length > this.limits.nodes || pods.length > this.limits.pods;
      if (collapsed !== this.collapsed) {
        this.collapsed = collapsed;
        this.svg.dataset.collapsed = String(collapsed);
        this.overlay.dataset.collapsed = String(collapsed);
        // A change of representation: the per-node shapes and the summary tiles swap places.
        for (const rec of this.nodes.values()) rec.g.remove();
        this.nodes.clear();
        for (const rec of this.pods.values()) rec.g.remove();
        this.pods.clear();
        while (this.summaryLayer.firstChild) this.summaryLayer.firstChild.remove();
        this.summary = null;
      }
      // Sliding hundreds of pods at once costs a relayout of the whole diagram every frame.
      const dense = String(pods.length > DENSE_PODS);
      if (this.svg.dataset.dense !== dense) this.svg.dataset.dense = dense;
      if (collapsed) this.renderSummary(nodes, pods);
      else this.renderNodes(nodes, pods);
      this.drawn = true;
      for (const name of ["scheduler", "controller-manager"]) {
        const c = this.statics[name];
        if (!c) continue;
        const stopped = this.model.stopped.indexOf(name) >= 0;
        c.g.classList.toggle("stopped", stopped);
        const note = c.g.querySelector(".state-note");
        if (note) setText(note, stopped ? "STOPPED" : (name === "scheduler" ? "kube-scheduler" : "kube-controller-manager"));
      }
    }

    layout(count) {
      let cols = count <= 4 ? Math.max(count, 1) : count <= 8 ? Math.ceil(count / 2) : Math.ceil(Math.sqrt(count * 1.7));
      cols = Math.max(1, Math.min(cols, count || 1));
      const rows = Math.max(1, Math.ceil(count / cols));
      const w = (WORKERS.w - (cols - 1) * GAP) / cols;
      const h = (WORKERS.h - (rows - 1) * GAP) / rows;
      return (i) => ({ x: WORKERS.x + (i % cols) * (w + GAP), y: WORKERS.y + Math.floor(i / cols) * (h + GAP), w: w, h: h });
    }

    renderNodes(nodes, pods) {
      const place = this.layout(nodes.length);
      const seen = new Set();
      const byName = new Map();
      nodes.forEach((n, i) => {
        let rec = this.nodes.get(n.uid);
        if (!rec) rec = this.createNode(n);
        this.updateNode(rec, n, place(i));
        seen.add(n.uid);
        byName.set(n.name, rec);
      });
      for (const [uid, rec] of this.nodes) {
        if (!seen.has(uid)) { this.nodes.delete(uid); fadeOutRemove(rec.g); }
      }
      this.byName = byName;
      // pods: inside their node's pod area, or in the "waiting for a node" lane
      const groups = new Map();
      const waiting = [];
      for (const p of pods) {
        const rec = p.node ? byName.get(p.node) : null;
        if (rec) {
          if (!groups.has(rec)) groups.set(rec, []);
          groups.get(rec).push(p);
        } else waiting.push(p);
      }
      const order = (a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const seenPods = new Set();
      const placePods = (list, area, maxCell) => {
        list.sort(order);
        const g = gridFor(list.length, area.w, area.h, maxCell);
        list.forEach((p, i) => {
          const x = area.x + (i % g.cols) * g.cell + g.cell / 2;
          const y = area.y + Math.floor(i / g.cols) * g.cell + g.cell / 2 - (g.cell >= 34 ? 6 : 0);
          this.upsertPod(p, x, y, g.cell);
          seenPods.add(p.uid);
        });
      };
      for (const [rec, list] of groups) placePods(list, rec.podArea, this.presenting ? 84 : 66);
      placePods(waiting, LANE, 60);
      for (const [uid, rec] of this.pods) {
        if (!seenPods.has(uid)) { this.pods.delete(uid); fadeOutRemove(rec.g); }
      }
    }

    createNode(n) {
      const g = el("g", { class: "node", tabindex: "0", "data-uid": n.uid }, this.nodeLayer);
      const title = el("title", {}, g);
      const box = el("rect", { class: "node-box", rx: 8 }, g);
      const name = txt(g, 10, 20, "", "node-name");
      const status = txt(g, 0, 20, "", "node-status");
      const inner = el("g", { class: "node-inner" }, g);
      const chips = {};
      for (const kind of ["kubelet", "kube-proxy", "runtime"]) {
        const c = el("g", { class: "component chip", tabindex: "0" }, inner);
        chips[kind] = {
          g: c, box: el("rect", { class: "box", rx: 4 }, c), glow: el("rect", { class: "glow", rx: 4 }, c),
          label: txt(c, 0, 0, kind === "runtime" ? "container runtime" : kind), rect: null,
        };
      }
      if (this.drawn) {
        g.style.opacity = "0";
        requestAnimationFrame(() => { g.style.opacity = ""; });
      }
      const rec = { g: g, title: title, box: box, name: name, status: status, chips: chips, rect: null, podArea: null };
      this.nodes.set(n.uid, rec);
      return rec;
    }

    updateNode(rec, n, r) {
      const g = rec.g;
      attr(g, "data-name", n.name);
      attr(g, "data-state", n.state);
      attr(g, "data-cordoned", n.cordoned ? "true" : "false");
      const narrow = r.w < 210;
      const head = narrow ? 38 : 24;
      move(g, r.x, r.y);
      attr(rec.box, "width", r.w);
      attr(rec.box, "height", r.h);
      setText(rec.name, n.name);
      let status = n.state === "Failed" ? "✕ FAILED" : n.ready;
      if (n.cordoned) status += " · cordoned";
      setText(rec.status, status);
      if (narrow) { attr(rec.status, "x", 10); attr(rec.status, "y", 36); rec.status.style.textAnchor = "start"; }
      else { attr(rec.status, "x", r.w - 10); attr(rec.status, "y", 20); rec.status.style.textAnchor = ""; }
      setText(rec.title, "node " + n.name + ": " + status);
      // kubelet and kube-proxy side by side under the name; the container runtime as the
      // layer under the pods, so a kubelet → runtime arrow crosses the pod area
      const chipH = this.presenting && r.h >= 140 ? 32 : r.h < 110 ? 18 : 24;
      const chipW = (r.w - 16 - 4) / 2;
      const place = {
        "kubelet": { x: 8, y: head + 4, w: chipW, h: chipH },
        "kube-proxy": { x: 8 + chipW + 4, y: head + 4, w: chipW, h: chipH },
        "runtime": { x: 8, y: r.h - chipH - 6, w: r.w - 16, h: chipH },
      };
      for (const kind of ["kubelet", "kube-proxy", "runtime"]) {
        const c = rec.chips[kind];
        const b = place[kind];
        for (const part of [c.box, c.glow]) { attr(part, "x", b.x); attr(part, "y", b.y); attr(part, "width", b.w); attr(part, "height", b.h); }
        attr(c.label, "x", b.x + b.w / 2);
        attr(c.label, "y", b.y + b.h / 2 + (b.h >= 32 ? 7 : 4.5));
        attr(c.g, "data-component", kind + "/" + n.name);
        c.rect = { x: r.x + b.x, y: r.y + b.y, w: b.w, h: b.h };
      }
      const top = head + 4 + chipH + 6;
      rec.rect = r;
      rec.podArea = { x: r.x + 6, y: r.y + top, w: r.w - 12, h: Math.max(10, r.h - top - chipH - 12) };
    }

    upsertPod(p, x, y, cell) {
      let rec = this.pods.get(p.uid);
      const fresh = !rec;
      if (fresh) {
        const g = el("g", { class: "pod", tabindex: "0", "data-uid": p.uid }, this.podLayer);
        rec = {
          g: g, title: el("title", {}, g), glyph: el("path", { class: "glyph" }, g),
          mark: txt(g, 0, 4, "", "mark"), label: txt(g, 0, 0, "", "pname"), key: "",
        };
        this.pods.set(p.uid, rec);
        move(g, x, y);
        if (this.drawn) {
          g.style.opacity = "0";
          requestAnimationFrame(() => { g.style.opacity = ""; });
        }
      }
      const g = rec.g;
      attr(g, "data-state", p.state);
      attr(g, "data-group", p.group);
      attr(g, "data-name", p.name);
      attr(g, "data-namespace", p.namespace);
      attr(g, "data-node", p.node || "");
      const r = Math.max(4.5, Math.min(19, cell * 0.33));
      const key = p.group + ":" + r.toFixed(1);
      if (rec.key !== key) { attr(rec.glyph, "d", glyphPath(p.group, r)); rec.key = key; }
      setText(rec.mark, r >= 7 ? MARKS[p.group] || "?" : "");
      const size = Math.max(8, r * 1.05).toFixed(1) + "px";
      if (rec.mark.style.fontSize !== size) rec.mark.style.fontSize = size;
      attr(rec.mark, "y", (r * 0.38).toFixed(1));
      setText(rec.label, cell >= 34 ? podLabel(p) : "");
      attr(g, "data-workload", p.workload || "");
      attr(rec.label, "y", (r + 14).toFixed(1));
      setText(rec.title, "pod " + p.namespace + "/" + p.name + ": " + p.state + (p.node ? " on " + p.node : " (no node yet)") +
        (p.workload ? ", part of " + p.workload : ""));
      if (!fresh) move(g, x, y);
      rec.x = x;
      rec.y = y;
      rec.r = r;
    }

    renderSummary(nodes, pods) {
      if (!this.summary) {
        const s = { note: txt(this.summaryLayer, WORKERS.x + 120, WORKERS.y - 8, "", "summary-note"), chips: {}, tiles: new Map() };
        const chipW = 200, chipH = 34;
        ["kubelet", "kube-proxy", "runtime"].forEach((kind, i) => {
          const c = el("g", { class: "component chip", "data-component": kind + "/*" }, this.summaryLayer);
          const x = WORKERS.x + 4 + i * (chipW + 12), y = WORKERS.y + 22;
          const box = el("rect", { class: "box", x: x, y: y, width: chipW, height: chipH, rx: 5 }, c);
          el("rect", { class: "glow", x: x, y: y, width: chipW, height: chipH, rx: 5 }, c);
          const label = txt(c, x + chipW / 2, y + 22, kind);
          s.chips[kind] = { g: c, box: box, label: label, rect: { x: x, y: y, w: chipW, h: chipH } };
        });
        this.summary = s;
      }
      const s = this.summary;
      setText(s.note, nodes.length + " nodes, " + pods.length + " pods: drawn as counts (too many to draw one by one)");
      for (const kind in s.chips) setText(s.chips[kind].label, kind + " × " + nodes.length);
      const count = (list, key) => list.reduce((m, x) => { const k = key(x); m[k] = (m[k] || 0) + 1; return m; }, {});
      const nodeCounts = count(nodes, (n) => n.state);
      const cordoned = nodes.filter((n) => n.cordoned).length;
      const podCounts = count(pods, (p) => (p.node ? p.group : "unscheduled"));
      const tiles = [];
      for (const st of ["Ready", "NotReady", "Unknown", "Failed"]) if (nodeCounts[st]) tiles.push({ key: "node-" + st, count: nodeCounts[st], what: "nodes " + (st === "Failed" ? "failed ✕" : st), group: null });
      if (cordoned) tiles.push({ key: "node-cordoned", count: cordoned, what: "nodes cordoned", group: null });
      for (const gname of ["unscheduled", "pending", "creating", "running", "notready", "crash", "image", "completed", "terminating", "unknown"]) {
        if (podCounts[gname]) tiles.push({ key: "pod-" + gname, count: podCounts[gname], what: gname === "unscheduled" ? "pods waiting for a node" : "pods " + GROUP_LABELS[gname], group: gname === "unscheduled" ? "pending" : gname });
      }
      const tileW = 150, tileH = 74, perRow = 5;
      const seen = new Set();
      tiles.forEach((t, i) => {
        let rec = s.tiles.get(t.key);
        if (!rec) {
          const g = el("g", { class: "summary-tile", "data-key": t.key }, this.summaryLayer);
          rec = { g: g, rect: el("rect", { width: tileW, height: tileH, rx: 6 }, g), count: txt(g, tileW / 2 + (t.group ? 12 : 0), 34, "", "count"), what: txt(g, tileW / 2, 60, "", "what") };
          if (t.group) {
            const pod = el("g", { class: "pod", "data-group": t.group, transform: "translate(26,24)" }, g);
            el("path", { class: "glyph", d: glyphPath(t.group, 11) }, pod);
            txt(pod, 0, 4, MARKS[t.group], "mark");
          }
          s.tiles.set(t.key, rec);
        }
        setText(rec.count, String(t.count));
        setText(rec.what, t.what);
        move(rec.g, WORKERS.x + 4 + (i % perRow) * (tileW + 10), WORKERS.y + 72 + Math.floor(i / perRow) * (tileH + 10));
        seen.add(t.key);
      });
      for (const [key, rec] of s.tiles) if (!seen.has(key)) { s.tiles.delete(key); fadeOutRemove(rec.g); }
    }

    // ---- animation ---------------------------------------------------------------------------
    rectOf(component) {
      if (!component) return null;
      if (this.statics[component]) return this.statics[component].rect;
      const slash = component.indexOf("/");
      if (slash < 0) return null;
      const kind = component.slice(0, slash), node = component.slice(slash + 1);
      if (this.collapsed) return this.summary && this.summary.chips[kind] ? this.summary.chips[kind].rect : null;
      const rec = this.byName && this.byName.get(node);
      if (!rec) return null;
      return rec.chips[kind] ? rec.chips[kind].rect : rec.rect;
    }

    glowOf(component) {
      if (this.statics[component]) return this.statics[component].g.querySelector(".glow");
      const slash = component.indexOf("/");
      if (slash < 0) return null;
      const kind = component.slice(0, slash), node = component.slice(slash + 1);
      if (this.collapsed) return this.summary && this.summary.chips[kind] ? this.summary.chips[kind].g.querySelector(".glow") : null;
      const rec = this.byName && this.byName.get(node);
      return rec && rec.chips[kind] ? rec.chips[kind].glow : null;
    }

    /* A short-lived shape on the overlay that fades in and out, then goes. */
    flash(shape, ms, keyframes) {
      if (!canAnimate(shape)) { shape.remove(); return; }
      const a = shape.animate(keyframes, { duration: ms, easing: "ease-out" });
      a.finished.then(() => shape.remove(), () => shape.remove());
    }

    light(component, ms) {
      if (reducedMotion) return; // no flashing: the timeline and caption say what happened
      const r = component && this.rectOf(component);
      const glow = component && this.glowOf(component);
      if (!r || !glow) return;
      const rx = glow.getAttribute("rx") || 4;
      const shape = el("rect", { class: "glow", x: r.x, y: r.y, width: r.w, height: r.h, rx: rx }, this.overlay);
      if (glow.closest(".chip")) shape.classList.add("chip-glow");
      this.flash(shape, Math.max(350, ms), [{ opacity: 0 }, { opacity: 1, offset: 0.25 }, { opacity: 0 }]);
    }

    pulse(uid, ms) {
      if (reducedMotion) return;
      const rec = uid && this.pods.get(uid);
      if (!rec || rec.x === undefined) return;
      const ring = el("circle", { class: "pulse", cx: rec.x, cy: rec.y, r: rec.r + 4 }, this.overlay);
      this.flash(ring, Math.max(300, ms), [{ opacity: 0 }, { opacity: 1, offset: 0.4 }, { opacity: 0 }]);
    }

    async play(s, ms, opts) {
      const src = this.rectOf(s.source), dst = this.rectOf(s.target);
      const count = (opts && opts.count) || 1;
      const uids = (opts && opts.uids) || [(s.object || {}).uid];
      const pulseAll = (t) => { for (const uid of uids) this.pulse(uid, t); };
      if (!src || !dst || s.source === s.target) {
        this.light(s.target, ms);
        pulseAll(ms);
        await sleep(ms * 0.6);
        return;
      }
      const p1 = edgePoint(src, center(dst)), p2 = edgePoint(dst, center(src));
      const g = el("g", { class: "flight" + (s.step ? "" : " unnumbered"), "data-seq": s.seq, "data-count": count }, this.flights);
      el("line", { x1: p1.x, y1: p1.y, x2: p2.x, y2: p2.y }, g);
      const mid = { x: (p1.x + p2.x) / 2, y: (p1.y + p2.y) / 2 };
      const times = count > 1 ? " ×" + count : "";
      if (s.step) {
        const b = el("g", { class: "num-badge", transform: "translate(" + mid.x.toFixed(1) + "," + mid.y.toFixed(1) + ")" }, g);
        if (times) el("rect", { x: -30, y: -16, width: 60, height: 32, rx: 16 }, b);
        else el("circle", { r: 16 }, b);
        txt(b, 0, 6.5, String(s.step) + times);
      } else {
        const label = (s.category || "") + times;
        const w = 10 + label.length * 7.2;
        const b = el("g", { class: "cat-badge", transform: "translate(" + (mid.x - w / 2).toFixed(1) + "," + (mid.y - 10).toFixed(1) + ")" }, g);
        el("rect", { width: w, height: 20, rx: 4 }, b);
        txt(b, w / 2, 14.5, label);
      }
      const token = el("circle", { class: "token", r: 8, cx: 0, cy: 0 }, g);
      move(token, p1.x, p1.y);
      if (!canAnimate(g) || reducedMotion) {
        await sleep(ms * 0.85);
        g.remove();
        return;
      }
      g.animate([{ opacity: 0 }, { opacity: 1 }], { duration: ms * 0.12, fill: "forwards" });
      const travel = token.animate(
        [{ transform: "translate(" + p1.x + "px," + p1.y + "px)" }, { transform: "translate(" + p2.x + "px," + p2.y + "px)" }],
        { duration: ms * 0.55, easing: "ease-in-out", fill: "forwards" });
      try { await travel.finished; } catch (e) { /* cancelled */ }
      this.light(s.target, ms * 0.6);
      pulseAll(ms * 0.6);
      await sleep(ms * 0.3);
      const fade = g.animate([{ opacity: 1 }, { opacity: 0 }], { duration: Math.min(400, ms * 0.3), fill: "forwards" });
      fade.finished.then(() => g.remove(), () => g.remove());
    }

    highlight(uid, components) {
      this.svg.querySelectorAll(".focus").forEach((e) => e.classList.remove("focus"));
      if (uid) this.svg.querySelectorAll('[data-uid="' + CSS.escape(uid) + '"]').forEach((e) => e.classList.add("focus"));
      for (const c of components || []) {
        this.svg.querySelectorAll('[data-component="' + CSS.escape(c) + '"]').forEach((e) => e.classList.add("focus"));
        const slash = c.indexOf("/");
        if (slash > 0 && this.byName) {
          const rec = this.byName.get(c.slice(slash + 1));
          if (rec && !rec.chips[c.slice(0, slash)]) rec.g.classList.add("focus");
        }
      }
    }
  }

  window.KubevizDiagram = { Diagram: Diagram, MARKS: MARKS, stateGroup: stateGroup, podStatusReason: podStatusReason, normPod: normPod, normNode: normNode };
})();
