// What a person does on the page, turned into calls of window.adamvizPlayer: the transport
// (play, scrub, speed), keys (a key belongs to the control that has the focus: Space on a box
// ticks it; on the page it plays), the start (a click or a drag on the view, the arrow keys
// while it has the focus, the x/y boxes), hover, the tool buttons (theme, full screen, link,
// command) and the few words that explain the page.
"use strict";

function PageWiring(w) {
  const {ui, act} = w, api = window.adamvizPlayer, view = ui("view");
  const [[x0, x1], [y0, y1]] = w.box;

  ui("formula").textContent = `f(${DATA.surface.axes.join(", ")}) = ${DATA.surface.formula}`;
  ui("hint").textContent = w.live
    ? "Click or drag on the surface to start every run there. Space plays and pauses, the "
      + "arrow keys step; with the surface focused they move the start."
    : `These runs are recorded, not live: ${DATA.reason}. They play back; a click or a `
      + "control cannot run them again. Space plays and pauses, the arrow keys step.";
  // a recorded page has no start to move and no run to add; "reset all" brings back a
  // removed run
  for (const id of ["starts", "lr-lock", "adding"]) ui(id).hidden = !w.live;
  for (const name of Object.keys(DATA.optimizers)) {
    ui("add-optimizer").append(new Option(name, name));
  }
  legend();

  ui("play").addEventListener("click", () => (w.isPlaying() ? w.pause() : w.play()));
  ui("step").addEventListener("input", () => w.stepTo(Number(ui("step").value)));
  for (const id of ["speed", "slow"]) ui(id).addEventListener("change", w.remember);
  ui("arrows").addEventListener("change", () => {  // (and its legend goes with it)
    ui("arrow-legend").hidden = !ui("arrows").checked;
    w.remember(); w.render();
  });
  ui("sideShown").addEventListener("change", () => { w.remember(); w.layout(); });
  ui("lock").addEventListener("change", () => w.setLock(ui("lock").checked));
  ui("add").addEventListener("click", () => act(() => api.add(ui("add-optimizer").value)));
  ui("reset-all").addEventListener("click", () => act(() => api.resetAll()));
  const showStart = () => {  // the boxes show the start in effect
    const s = api.state().start;
    if (s) { ui("start-x").value = String(s[0]); ui("start-y").value = String(s[1]); }
  };
  for (const id of ["start-x", "start-y"]) {
    ui(id).addEventListener("change", () => act(() => {
      try {
        api.startAt(parseNumber(ui("start-x").value), parseNumber(ui("start-y").value));
      } catch (e) { showStart(); throw e; }
    }));
  }
  showStart();

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
    const now = api.state(), s = now.start || now.runs.find((r) => r.live).start;
    const d = event.shiftKey ? 0.1 : 0.01;
    const dx = {ArrowLeft: -1, ArrowRight: 1}[event.key] || 0;
    const dy = {ArrowDown: -1, ArrowUp: 1}[event.key] || 0;
    const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);  // (within the view)
    act(() => api.startAt(round(clamp(s[0] + dx * d * (x1 - x0), x0, x1), 0),
                          round(clamp(s[1] + dy * d * (y1 - y0), y0, y1), 1)));
  }
  // a start to a thousandth of the view: what a pixel can say, and a command people can read
  const digits = [x1 - x0, y1 - y0].map((d) => Math.max(0, 3 - Math.floor(Math.log10(d))));
  const round = (v, j = 0) => Number(v.toFixed(digits[j]));

  // The start: pressed, dragged (every path follows, a frame at a time), released
  const at = (event) => {
    const rect = view.getBoundingClientRect();
    const f = Drawing.frame(w.box, rect.width, rect.height);
    const u = Math.min(Math.max(event.clientX - rect.left, f.left), f.right);
    const v = Math.min(Math.max(event.clientY - rect.top, f.top), f.bottom);
    return [round(f.x(u), 0), round(f.y(v), 1)];
  };
  const inPlot = (event) => {
    const rect = view.getBoundingClientRect(), f = Drawing.frame(w.box, rect.width, rect.height);
    const u = event.clientX - rect.left, v = event.clientY - rect.top;
    return u >= f.left && u <= f.right && v >= f.top && v <= f.bottom;
  };
  let dragging = false, pending = null;
  view.addEventListener("pointerdown", (event) => {
    if (!w.live || event.button !== 0 || !inPlot(event)) return;
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
    w.restyle();
  };
  ui("theme").addEventListener("click", () => {
    mode = THEMES[(THEMES.indexOf(mode) + 1) % THEMES.length];
    apply(); w.remember();
  });
  system.addEventListener("change", () => { if (mode === "auto") apply(); });
  w.themeMode = (asked) => {  // read, or set from a link
    if (THEMES.includes(asked)) { mode = asked; apply(); }
    return mode;
  };
  apply();
  ui("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else ui("app").requestFullscreen().catch((e) => w.notice(`Full screen was refused: ${e.message}`));
  });
  document.addEventListener("fullscreenchange", () => {
    const on = Boolean(document.fullscreenElement);
    ui("fullscreen").textContent = on ? "leave full screen" : "full screen";
    ui("fullscreen").setAttribute("aria-pressed", String(on));
  });
  ui("link").addEventListener("click", () => share(api.link(), "link"));
  ui("command").addEventListener("click", () => act(() => share(api.command(), "command")));

  function share(text, what) {
    const box = ui("shared");
    ui("sharing").hidden = false; box.value = text;
    box.rows = Math.min(6, text.split("\n").length + 1);
    box.focus(); box.select();
    const done = () => w.say(`${what} copied`);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => w.say(`${what} selected: copy it`));
    } else { w.say(`${what} selected: press Ctrl+C to copy it`); }
  }
  const unshare = () => { ui("sharing").hidden = true; };
  ui("close-shared").addEventListener("click", unshare);
  ui("shared").addEventListener("keydown", (e) => { if (e.key === "Escape") unshare(); });

  new ResizeObserver(() => w.layout()).observe(ui("figure"));

  function legend() {  // what the marks mean, drawn by the same code as the view
    const items = [["start", (c, col) => Drawing.marker(c, "circle", 9, 9, 6, col.bg, col.ink)],
                   ["current point", (c, col) => Drawing.marker(c, "circle", 9, 9, 6, col.runs[0], col.bg)],
                   ["global minimum", (c) => Drawing.marker(c, "star", 9, 9, 8, "#fff", "#000")],
                   ["local minimum", (c, col) => Drawing.marker(c, "diamond", 9, 9, 6, null, col.ink)],
                   ["left the view (escaped)", (c, col) => Drawing.escapedMark(
                     c, {x: 15, y: 9, angle: 0}, col.runs[0], col)], ["arrows: downhill (−gradient, ink), "
                     + "momentum (run's colour, dashed, hollow head), step (run's colour)", null]];
    if (DATA.fade) items.splice(4, 0, [DATA.fade.label, fadedLine]);  // (a sliced page only)
    // a kind of minimum the surface lists none of has no mark to explain (a network lists none)
    const kinds = new Set(DATA.surface.minima.map((m) => m.kind));
    const shown = items.filter(([text]) => !text.endsWith(" minimum")
                                           || kinds.has(text.split(" ")[0]));
    ui("markers").replaceChildren(...shown.map(([text, paint]) => {
      const li = document.createElement("li");
      if (paint) { const c = document.createElement("canvas"); c.width = 18; c.height = 18;
                   c.setAttribute("aria-hidden", "true"); c.draw = paint; li.append(c); }
      li.append(text);
      if (text.startsWith("arrows")) li.id = "arrow-legend";
      return li;
    }));
  }
}

// The faded path's mark, as the stills' legend draws it (plane.fade_entry): a line in the ink,
// a little above the faintest alpha
function fadedLine(ctx, colors) {
  ctx.save();
  ctx.globalAlpha = DATA.fade.floor + 0.1; ctx.strokeStyle = colors.ink; ctx.lineWidth = 3;
  ctx.beginPath(); ctx.moveTo(1, 9); ctx.lineTo(17, 9); ctx.stroke();
  ctx.restore();
}

function parseNumber(text) {
  const t = String(text).trim();
  return t === "" ? NaN : Number(t);
}

if (typeof module !== "undefined") module.exports = {PageWiring, parseNumber};
