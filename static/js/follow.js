/* kubeviz follow mode: the teacher's player, mirrored on every follower's dashboard.
 *
 * Both sides are the live dashboard of the class's demo cluster (dashboard.js and
 * timetravel.js), with a websocket to /ws/classes/<id>/broadcast/ (data in #follow-data).
 *
 * The teacher's page publishes its player state whenever it changes (looked at five times
 * a second, sent only when different): live or at a step in the past (the time-travel
 * scrubber, window.kubevizTimeTravel), replaying or not, and the clock's mode and speed
 * (window.kubevizDashboard.clock). Pause, Play and Next step change the demo cluster's own
 * clock, so followers get the same steps; the speed sets how fast their animation plays.
 *
 * A follower's page applies each state it gets: at a step in the past, the scrubber shows
 * that step (kubevizTimeTravel.go); live, it returns to the stream (kubevizTimeTravel.live,
 * which plays the steps held meanwhile). The server sends the newest state on connect, so
 * a follower who comes late starts where the teacher is. Everything is written with
 * textContent.
 */
(function () {
  "use strict";

  const dataEl = document.getElementById("follow-data");
  const dash = window.kubevizDashboard;
  const tt = window.kubevizTimeTravel;
  if (!dataEl || !dash || !tt) return;
  const data = JSON.parse(dataEl.textContent);
  const banner = document.getElementById("follow-banner");
  const status = document.getElementById("follow-status");
  const teacher = data.role === "teacher";

  let ws = null;
  let attempts = 0;
  let lastSent = null;

  function say(state, text) {
    banner.dataset.state = state;
    status.textContent = text;
  }

  function describe(s) {
    if (s.mode === "past") return (s.playing ? "replaying from step " : "showing step ") + s.seq;
    return "live · clock " + s.clock + (s.clock === "live" ? " " + s.speed + "×" : "");
  }

  // ---- the teacher: publish the player's state when it changes ---------------------------------
  function current() {
    const t = tt.state();
    const play = document.getElementById("tt-play");
    const playing = !!play && play.getAttribute("aria-pressed") === "true";
    return {
      mode: t.mode, seq: t.mode === "past" ? t.seq : null, playing: t.mode === "past" && playing,
      clock: dash.clock.mode, speed: dash.clock.speed,
    };
  }
  function publish() {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const state = current();
    const text = JSON.stringify(state);
    if (text === lastSent) return;
    ws.send(text);
    lastSent = text;
    say("live", "followers see: " + describe(state));
  }

  // ---- a follower: play what the teacher plays --------------------------------------------------
  function setClock(mode, speed) {
    dash.clock.mode = mode;
    dash.clock.speed = speed;
    for (const id of ["clock-mode", "clock-badge-mode"]) {
      const el = document.getElementById(id);
      if (el) el.textContent = mode;
    }
    const badge = document.getElementById("clock-badge");
    if (badge) badge.dataset.mode = mode;
    const sp = document.getElementById("clock-badge-speed");
    if (sp) sp.textContent = mode === "live" ? speed + "×" : "";
  }
  function apply(s) {
    setClock(s.clock, s.speed);
    const mine = tt.state();
    if (s.mode === "past") {
      if (mine.mode !== "past" || mine.seq !== s.seq) tt.go(s.seq);
    } else if (mine.mode !== "live") tt.live();
    banner.dataset.mode = s.mode;
    banner.dataset.seq = s.mode === "past" ? String(s.seq) : "";
    say("live", "the teacher is " + describe(s));
  }

  // ---- the socket ------------------------------------------------------------------------------
  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + data.ws;
    try { ws = new WebSocket(url); } catch (e) { retry(); return; }
    ws.onopen = () => {
      attempts = 0;
      lastSent = null;
      if (teacher) publish();
      else say("live", "connected: the teacher has not moved yet (live)");
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "player" && !teacher) apply(msg);
      else if (msg.type === "error") say("error", msg.message);
    };
    ws.onclose = (ev) => {
      ws = null;
      if (ev.code === 4404) { say("error", "this class's broadcast is not yours to join"); return; }
      retry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }
  function retry() {
    say("connecting", "reconnecting…");
    const delay = Math.min(15000, 500 * Math.pow(2, Math.min(attempts, 5))) * (0.75 + Math.random() * 0.5);
    attempts++;
    setTimeout(connect, delay);
  }

  if (teacher) setInterval(publish, 200);
  window.kubevizFollow = { role: data.role, state: () => (teacher ? current() : null) };
  connect();
})();
