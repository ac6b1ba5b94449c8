// An exam sitting's countdown. The server's deadline is the truth (it submits everything
// when it passes, on the next request and in its sweep); this only shows the time left and
// reloads the page at zero so the learner sees what was submitted.
(() => {
  const dataEl = document.getElementById("countdown-data");
  const left = document.getElementById("countdown-left");
  if (!dataEl || !left) return;
  const data = JSON.parse(dataEl.textContent);
  if (data.submitted) return;
  const end = Date.now() + data.seconds_left * 1000;
  const show = () => {
    const seconds = Math.max(0, Math.round((end - Date.now()) / 1000));
    const m = Math.floor(seconds / 60);
    const s = String(seconds % 60).padStart(2, "0");
    left.textContent = `${m}:${s}`;
    if (seconds === 0) {
      clearInterval(timer);
      window.location.reload();
    }
  };
  const timer = setInterval(show, 1000);
  show();
})();
