// The room view: one tile per learner and the who-is-stuck heatmap. The first picture comes
// with the page; the websocket sends a snapshot and then only what changed. Tiles are a few
// elements each, made once and updated in place (text only when it changed), so fifty of
// them cost little per tick. Everything learners name is set with textContent.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("room-data").textContent);
  const grid = document.getElementById("room-grid");
  const heat = document.getElementById("heatmap");
  const conn = document.getElementById("room-conn");
  const tiles = new Map();  // id -> {el, parts, data}

  function set(el, text) { if (el.textContent !== text) el.textContent = text; }

  function ago(last) {
    if (last === null || last === undefined) return "no action yet";
    const s = Math.max(0, Math.round(Date.now() / 1000 - last));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    return Math.floor(s / 3600) + " h ago";
  }

  function nodesText(nodes) {
    // one glyph a node: ● Ready, ○ not Ready, ✕ failed (its kubelet stopped)
    return nodes.map(function (n) { return n.failed ? "✕" : (n.ready ? "●" : "○"); }).join("");
  }

  function podsText(pods) {
    const keys = Object.keys(pods);
    if (!keys.length) return "no pods";
    return keys.map(function (k) { return pods[k] + " " + k; }).join(", ");
  }

  function make(t) {
    const el = document.createElement("a");
    el.className = "tile";
    const parts = {};
    for (const name of ["n", "nodes", "pods", "w", "ago"]) {
      parts[name] = document.createElement("span");
      parts[name].className = name;
      el.appendChild(parts[name]);
    }
    grid.appendChild(el);
    return {el: el, parts: parts, data: null};
  }

  function render(t) {
    let tile = tiles.get(t.id);
    if (!tile) { tile = make(t); tiles.set(t.id, tile); }
    const el = tile.el, p = tile.parts;
    el.dataset.learner = t.name;
    el.dataset.cluster = t.cluster;
    el.dataset.asleep = String(t.asleep);
    el.dataset.failed = t.nodes.filter(function (n) { return n.failed; }).map(function (n) { return n.name; }).join(" ");
    el.dataset.notready = t.nodes.filter(function (n) { return !n.ready; }).map(function (n) { return n.name; }).join(" ");
    const href = t.cluster ? data.dashboard + encodeURIComponent(t.cluster) + "/?watch=1" : "#";
    if (el.getAttribute("href") !== href) el.setAttribute("href", href);
    el.title = t.nodes.map(function (n) { return n.name + (n.failed ? " failed" : n.ready ? " Ready" : " NotReady"); }).join(", ");
    set(p.n, t.name);
    set(p.nodes, nodesText(t.nodes) + (t.clock && t.clock !== "live" ? " ⏸ " + t.clock : ""));
    set(p.pods, podsText(t.pods));
    set(p.w, [t.where, t.score ? "score " + t.score : ""].filter(Boolean).join(" · ") || "not started");
    tile.data = t;
    set(p.ago, ago(t.last));
  }

  function heatmap(h) {
    const table = document.createElement("table");
    table.className = "heatmap";
    const head = table.createTHead().insertRow();
    head.appendChild(document.createElement("th"));
    for (const c of h.columns) {
      const th = document.createElement("th");
      th.textContent = c.title;
      th.title = c.group + ": " + c.title;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const r of h.rows) {
      const row = body.insertRow();
      const th = document.createElement("th");
      th.textContent = r.name;
      row.appendChild(th);
      for (const c of h.columns) {
        const td = row.insertCell();
        const s = r.cells[c.key] || "";
        td.dataset.s = s;
        td.title = r.name + " · " + c.title + (s ? ": " + s : "");
      }
    }
    heat.replaceChildren(table);
    if (!h.columns.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "The class has no lessons or exercises yet.";
      heat.appendChild(p);
    }
  }

  function apply(msg) {
    if (msg.type === "snapshot") {
      const ids = new Set(msg.tiles.map(function (t) { return t.id; }));
      for (const [id, tile] of tiles) { if (!ids.has(id)) { tile.el.remove(); tiles.delete(id); } }
    }
    for (const t of msg.tiles || []) render(t);
    for (const id of msg.gone || []) { const t = tiles.get(id); if (t) { t.el.remove(); tiles.delete(id); } }
    if (msg.heatmap) heatmap(msg.heatmap);
    const count = document.getElementById("member-count");
    if (count) set(count, String(tiles.size));
  }

  apply(Object.assign({type: "snapshot"}, JSON.parse(document.getElementById("room-state").textContent)));
  setInterval(function () { for (const tile of tiles.values()) set(tile.parts.ago, ago(tile.data.last)); }, 1000);

  let delay = 1000;
  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + data.ws);
    ws.onopen = function () { delay = 1000; conn.dataset.state = "live"; set(conn, "live"); };
    ws.onmessage = function (e) { apply(JSON.parse(e.data)); };
    ws.onclose = function () {
      conn.dataset.state = "closed"; set(conn, "reconnecting…");
      setTimeout(connect, delay); delay = Math.min(delay * 2, 15000);
    };
  }
  connect();
})();
