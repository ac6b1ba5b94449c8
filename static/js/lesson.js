/* kubeviz lesson player: keeps the lesson panel beside the live dashboard current.
 *
 * The panel (templates/lessons/partials/player.html) is refreshed from the server when the
 * dashboard hears the cluster change (its "kv-refresh" event, sent as steps arrive on the
 * websocket) and every few seconds besides, unless the learner is choosing an answer. The
 * step's focus (components and objects) is highlighted on the diagram. Text the learner
 * can name is only ever written with textContent.
 */
(function () {
  "use strict";

  const panel = document.getElementById("lesson");
  if (!panel) return;
  const url = panel.dataset.panelUrl;
  const POLL_MS = 4000;

  function focusList() {
    const el = document.getElementById("lesson-focus");
    try { return el ? JSON.parse(el.textContent) : []; } catch (e) { return []; }
  }

  function highlight() {
    const svg = document.getElementById("diagram");
    if (!svg) return;
    svg.querySelectorAll(".lesson-focus").forEach((e) => e.classList.remove("lesson-focus"));
    for (const item of focusList()) {
      const slash = item.indexOf("/");
      let found = [];
      if (slash < 0) {
        found = svg.querySelectorAll('[data-component="' + CSS.escape(item) + '"], [data-component^="' + CSS.escape(item + "/") + '"]');
      } else {
        const kind = item.slice(0, slash), name = CSS.escape(item.slice(slash + 1));
        if (kind === "node") found = svg.querySelectorAll('.node[data-name="' + name + '"]');
        else if (kind === "pod") found = svg.querySelectorAll('.pod[data-name="' + name + '"], .pod[data-workload="' + name + '"]');
        else found = svg.querySelectorAll('.pod[data-workload="' + name + '"]');
      }
      found.forEach((e) => e.classList.add("lesson-focus"));
    }
  }

  function choosing() {
    return !!panel.querySelector('#lesson-question input[type="radio"]:checked') || panel.contains(document.activeElement) && document.activeElement.tagName === "INPUT";
  }

  let inflight = false;
  function refresh() {
    if (inflight || choosing() || !window.htmx) return;
    inflight = true;
    window.htmx.ajax("GET", url, { target: "#lesson", swap: "innerHTML" }).finally(() => { inflight = false; });
  }

  // A refresh that set off before the learner picked an answer must not wipe the pick when
  // it lands: only the learner's own requests (POSTs) replace the panel meanwhile.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    const config = e.detail && e.detail.requestConfig;
    if (e.detail.target === panel && config && String(config.verb).toLowerCase() === "get" && choosing()) {
      e.detail.shouldSwap = false;
    }
  });
  document.body.addEventListener("kv-refresh", refresh);
  setInterval(refresh, POLL_MS);
  setInterval(highlight, 1000);  // the diagram redraws as pods come and go
  document.body.addEventListener("htmx:afterSwap", (e) => { if (e.target === panel) highlight(); });
  document.body.addEventListener("htmx:afterRequest", (e) => {
    // Restart puts the cluster back (an etcd restore): the dashboard starts afresh.
    const el = e.detail && e.detail.elt;
    if (el && el.id === "lesson-restart" && e.detail.successful) window.location.reload();
  });
  panel.addEventListener("click", (e) => {
    const button = e.target.closest("button.copy");
    if (!button) return;
    const text = button.dataset.copy || "";
    const done = () => { button.textContent = "Copied"; setTimeout(() => { button.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, () => {});
    else {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (err) { /* nothing to copy with */ }
      area.remove();
    }
  });
  highlight();
})();
