// What a person does on the page, turned into calls of window.adamvizPlayer: the transport
// (play, scrub, speed), keys (a key belongs to the control that has the focus: Space on a box
// ticks it; on the page it plays), the start (a click or a drag on the view, the arrow keys
// while it has the focus, the x/y boxes), hover, the tool buttons (theme, full screen, link,
// command) and the few words that explain the page.
"use strict";

function PageWiring(w) {
  const {ui, act} = w, api = window.adamvizPlayer, view = ui("view");
  const [[x0, x1], [y0, y1]] = w.box;

  ui("formula").textContent = `f(x, y) = ${DATA.surface.formula}`;
  ui("hint").textContent = w.live
    ? "Click or drag on the surface to start every run there. Space plays and pauses, the "
      + "arrow keys step; with the surface focused they move the start."
    : `These runs are recorded, not live: ${DATA.reason}. They play back; a click or a `
      + "control cannot run them again. Space plays and pauses, the arrow keys step.";
  for (const id of ["start-x", "start-y", "lock", "add-optimizer", "add", "reset-all"]) {
    ui(id).disabled = !w.live;
  }
  ui("live").hidden = !w.live;  // (a recorded page has no start to move and no run to add)
  for (const name of Object.keys(DATA.optimizers)) {
    ui("add-optimizer").append(new Option(name, name));
  }
  legend();

  ui("play").addEventListener("click", () => (w.isPlaying() ? w.pause() : w.play()));
  ui("step").addEventListener("input", () => w.stepTo(Number(ui("step").value)));
  for (const id of ["arrows", "speed", "slow"]) ui(id).addEventListener("change", w.later);
  ui("sideShown").addEventListener("change", w.layout);
  ui("lock").addEventListener("change", () => w.setLock(ui("lock").checked));
  ui("add").addEventListener("click", () => act(() => api.add(ui("add-optimizer").value)));
  ui("reset-all").addEventListener("click", () => act(() => api.resetAll()));
  for (const id of ["start-x", "start-y"]) {
    ui(id).addEventListener("change", () => act(() => api.startAt(
      parseNumber(ui("start-x").value), parseNumber(ui("start-y").value))));
  }
  const first = api.state().runs.find((r) => r.live);
  if (first) { ui("start-x").value = String(first.start[0]); ui("start-y").value = String(first.start[1]); }

  // Keys: a control with the focus keeps its own keys; the page's are Space, ←/→, Home, End.
  const OWN = new Set(["INPUT", "SELECT", "TEXTAREA", "BUTTON", "SUMMARY", "A", "OPTION"]);
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target === view && event.key.startsWith("Arrow")) { nudge(event); return; }
    if (OWN.has(target.tagName) || target.isContentEditable) return;
    const keys = {" ": () => (w.isPlaying() ? w.pause() : w.play()),
                  ArrowRight: () => w.stepTo(w.step() + 1), ArrowLeft: () => w.stepTo(w.step() - 1),
                  Home: () => w.stepTo(0), End: () => w.stepTo(w.longest())};
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });

  function nudge(event) {  // the start, moved by a hundredth of the view (Shift: a tenth)
    event.preventDefault();
    if (!w.live) return;
    const s = api.state().start || (api.state().runs.find((r) => r.live) || {}).start;
    const d = event.shiftKey ? 0.1 : 0.01;
    const dx = {ArrowLeft: -1, ArrowRight: 1}[event.key] || 0;
    const dy = {ArrowDown: -1, ArrowUp: 1}[event.key] || 0;
    act(() => api.startAt(round(s[0] + dx * d * (x1 - x0)), round(s[1] + dy * d * (y1 - y0))));
  }
  const round = (v) => Number(v.toPrecision(10));

  // The start: pressed, dragged (every path follows, a frame at a time), released
  const at = (event) => {
    const rect = view.getBoundingClientRect();
    const f = Drawing.frame(w.box, rect.width, rect.height);
    return [round(f.x(event.clientX - rect.left)), round(f.y(event.clientY - rect.top))];
  };
  let dragging = false, pending = null;
  view.addEventListener("pointerdown", (event) => {
    if (!w.live || event.button !== 0) return;
    dragging = true; view.setPointerCapture(event.pointerId); view.focus();
    act(() => api.startAt(...at(event)));
  });
  view.addEventListener("pointermove", (event) => {
    hover(at(event));
    if (!dragging) return;
    const first = pending === null;
    pending = at(event);
    if (first) requestAnimationFrame(() => { const p = pending; pending = null;
                                             if (p) act(() => api.startAt(...p)); });
  });
  const release = () => { dragging = false; };
  view.addEventListener("pointerup", release);
  view.addEventListener("pointercancel", release);
  view.addEventListener("pointerleave", () => { ui("hover").innerHTML = "&nbsp;"; });

  function hover([x, y]) {
    const parts = [`x = ${Panels.fmt(x)}`, `y = ${Panels.fmt(y)}`];
    if (typeof valueAndGrad === "function") {
      const [f, gx, gy] = valueAndGrad(x, y);
      parts.push(`loss = ${Number.isFinite(f) ? Panels.fmt(f) : "undefined here"}`);
      if (Number.isFinite(f)) parts.push(`gradient = (${Panels.fmt(gx)}, ${Panels.fmt(gy)})`);
    }
    ui("hover").textContent = parts.join(" · ");
  }

  // Tools
  // The theme: "auto" follows the system's and changes with it; the CSS knows one attribute
  const THEMES = ["auto", "light", "dark"], system = matchMedia("(prefers-color-scheme: dark)");
  let mode = "auto";
  const apply = () => {
    document.documentElement.dataset.theme = mode === "auto"
      ? (system.matches ? "dark" : "light") : mode;
    ui("theme").textContent = `theme: ${mode}`;
    w.render();
  };
  ui("theme").addEventListener("click", () => {
    mode = THEMES[(THEMES.indexOf(mode) + 1) % THEMES.length];
    apply();
  });
  system.addEventListener("change", () => { if (mode === "auto") apply(); });
  apply();
  ui("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else ui("app").requestFullscreen().catch((e) => w.notice(`Full screen was refused: ${e.message}`));
  });
  ui("link").addEventListener("click", () => share(api.link(), "link"));
  ui("command").addEventListener("click", () => act(() => share(api.command(), "command")));

  function share(text, what) {
    const box = ui("shared");
    box.hidden = false; box.value = text; box.rows = Math.min(6, text.split("\n").length + 1);
    box.focus(); box.select();
    const done = () => w.say(`${what} copied`);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => w.say(`${what} selected: copy it`));
    } else { w.say(`${what} selected: press Ctrl+C to copy it`); }
  }

  new ResizeObserver(() => w.layout()).observe(ui("figure"));

  function legend() {  // what the marks mean, drawn by the same code as the view
    const items = [["start", (c, col) => Drawing.marker(c, "circle", 9, 9, 6, col.bg, col.ink)],
                   ["current point", (c, col) => Drawing.marker(c, "circle", 9, 9, 6, col.runs[0], col.bg)],
                   ["global minimum", (c) => Drawing.marker(c, "star", 9, 9, 8, "#fff", "#000")],
                   ["local minimum", (c, col) => Drawing.marker(c, "diamond", 9, 9, 6, null, col.ink)],
                   ["left the view (escaped)", (c, col) => Drawing.escapedMark(
                     c, {x: 15, y: 9, angle: 0}, col.runs[0], col)], ["arrows: downhill (−gradient, ink), "
                     + "momentum (run's colour, dashed, hollow head), step (run's colour)", null]];
    ui("markers").replaceChildren(...items.map(([text, paint]) => {
      const li = document.createElement("li");
      if (paint) { const c = document.createElement("canvas"); c.width = 18; c.height = 18;
                   c.setAttribute("aria-hidden", "true"); c.draw = paint; li.append(c); }
      li.append(text);
      return li;
    }));
  }
}

function parseNumber(text) {
  const t = String(text).trim();
  return t === "" ? NaN : Number(t);
}

if (typeof module !== "undefined") module.exports = {PageWiring, parseNumber};
