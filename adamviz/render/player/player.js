// The page: holds the runs (model.js), draws them (drawing.js, panels.js), makes the runs
// panel (controls.js), and answers a click, a drag, a key, a link and a script by one API,
// window.adamvizPlayer (the README documents it): state(), set(run, name, value),
// startAt(x, y), show(run, visible), add(optimizer), remove(run), reset(run), command().
(function () {
  const ui = (id) => document.getElementById(id);
  const live = typeof valueAndGrad === "function" && DATA.live;
  const box = DATA.surface.box;
  let runs = [], k = 0, playing = false, lock = false, version = 0, nextId = 0, scales = {};
  let userStart = null;

  function unpack(p) {  // recorded runs come packed (player_data._pack): base64 floats
    if (!p) return null;
    const bytes = Uint8Array.from(atob(p.data), (c) => c.charCodeAt(0));
    const flat = p.dtype === "f8" ? new Float64Array(bytes.buffer)
      : p.dtype === "u1" ? bytes : new Float32Array(bytes.buffer);
    const values = Array.from(flat, (v) => (Number.isNaN(v) ? null : v));
    if (p.shape.length === 1) return values;
    const rows = [];
    for (let i = 0; i < p.shape[0]; i++) rows.push(values.slice(i * p.shape[1], (i + 1) * p.shape[1]));
    return rows;
  }

  function fromPage(entry, index) {
    const run = {id: nextId++, optimizer: entry.optimizer, hyperparameters: {...entry.hyperparameters},
                 given: new Set(entry.given), visible: true, start: entry.start.slice(),
                 live: live && entry.live, reason: entry.reason || DATA.reason, recorded: index,
                 label: entry.label, status: entry.status, why: "", spec: entry.spec,
                 heldOut: entry.heldOut, engine: entry.engine, named: entry.named,
                 color: entry.color, tuned: entry.tuned};
    if (!run.live) {
      const p = entry.packed, q = {};
      for (const [name, v] of Object.entries(p.quantities)) q[name] = unpack(v);
      Object.assign(run, {points: unpack(p.points), losses: unpack(p.losses).map(
        (v) => (v === null ? NaN : v)), grads: unpack(p.grads), rates: unpack(p.rates),
                          quantities: q});
      // a sliced run's steps fade off the plane: alphas packed as whole hundredths
      if (entry.alphas) run.alphas = unpack(entry.alphas).map((v) => v / 100);
    }
    run.initial = {hyperparameters: {...run.hyperparameters}, given: new Set(run.given)};
    return run;
  }

  function fresh(optimizer, start, values, given = new Set()) {
    const entry = DATA.optimizers[optimizer];
    const run = {id: nextId++, optimizer, hyperparameters: {...entry.values, ...(values || {})},
                 given, visible: true, start: start.slice(), live: true, reason: null,
                 recorded: null, label: optimizer, status: "", why: "", spec: entry.spec,
                 heldOut: false, engine: null};
    run.initial = {hyperparameters: {...entry.values}, given: new Set()};
    return run;
  }

  // Paths, labels, colours and arrow scales after runs changed; only `changed` are run again
  function recompute(changed = runs) {
    for (const run of changed) {
      run.note = "";  // (a comparison with the engine holds for the page's own values only)
      Model.compute(run, DATA);
    }
    Model.relabel(runs, DATA);
    Model.paint(runs, DATA.slots, DATA.palette.light.length, DATA.dashes.length, DATA.crowd);
    const note = Model.ratesNote(runs);  // said whenever the rates differ, as the PNGs do
    ui("rates-note").textContent = note; ui("rates-note").hidden = !note;
    version++;
    scales = Drawing.arrowScales(runs.filter((r) => r.visible), box);
  }

  // A live run as the page made it, beside the engine's: where the browser's cos or exp
  // differs from numpy's in the last bit and the surface grows that, say so on the run
  function compareWithEngine(run) {
    const e = run.engine;
    if (!run.live || !e || run.status === Model.UNDEFINED
        || run.start.join() !== DATA.runs[run.recorded].start.join()) return;
    const end = run.points[run.points.length - 1], [[x0, x1], [y0, y1]] = box;
    const far = e.end.some((v, j) => v === null || Math.abs(v - end[j])
                             > 1e-9 * (j ? y1 - y0 : x1 - x0));
    if (e.steps !== run.points.length - 1 || far) {
      const where = e.end.map((v) => Model.g3(v)).join(", ");
      run.note = `The engine's run parts from this one (it ends at (${where}) after `
        + `${e.steps} steps): the browser's cos, exp or `
        + "log differ from numpy's in the last bit, and this surface grows the difference";
    }
  }

  const longest = () => runs.reduce((m, r) => Math.max(m, r.points.length - 1), 0);

  // --- drawing ----------------------------------------------------------------------------
  const canvases = {view: ui("view"), side: ui("side"), loss: ui("loss")};
  const sizes = {view: [720, 540], side: [0, 0], loss: [720, 170]};
  const pictures = {light: ui("bg-light"), dark: ui("bg-dark")};

  // The theme's colours and the canvas font, read from the CSS once per theme or layout
  // change (not each frame: getComputedStyle is not free while playing)
  let themed = null;
  function colors() {
    if (themed) return themed;
    const css = getComputedStyle(document.documentElement), dark = theme() === "dark";
    const size = parseFloat(getComputedStyle(document.body).fontSize) * 0.8;
    themed = {bg: css.getPropertyValue("--bg").trim(), ink: css.getPropertyValue("--ink").trim(),
              grid: css.getPropertyValue("--grid").trim(), dark,
              runs: DATA.palette[dark ? "dark" : "light"], font: `${size}px system-ui, sans-serif`};
    return themed;
  }
  const restyle = () => { themed = null; render(); };

  function size(name, w, h) {
    const c = canvases[name], ratio = window.devicePixelRatio || 1;
    sizes[name] = [w, h];
    c.width = Math.round(w * ratio); c.height = Math.round(h * ratio);
    c.style.width = w + "px"; c.style.height = h + "px";
    c.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
  }

  // Fill the space: the contour view and the side view beside or under it, whichever leaves
  // the contour bigger; the loss panel below. The view's plot area is 4:3, the box's shape
  // (html.equal_scale), so x and y keep one scale. Beside, the side view is SIDE times as
  // wide as it is tall: enough for a valley's profile, and the contour keeps the room.
  const SIDE = 0.6, UNDER = 0.45, A = 4 / 3, GAP = 8;
  const M = Drawing.MARGIN, MW = M.left + M.right, MH = M.top + M.bottom;
  const widthOf = (vh) => A * (vh - MH) + MW;  // a view vh tall is this wide
  function layout() {
    const plots = ui("plots"), wide = matchMedia("(min-width: 901px)").matches;
    const sideOn = ui("sideShown").checked, W = plots.parentElement.clientWidth - 8;
    const lossH = Math.round(Math.min(260, Math.max(120, (wide ? innerHeight : W) * 0.18)));
    size("loss", W, lossH);
    const H = wide ? plots.clientHeight - 8 : innerHeight * 0.85;
    const row = Math.min(H, (W - GAP * sideOn - MW + A * MH) / (A + (sideOn ? SIDE : 0)));
    const column = Math.min((W - MW) / A + MH, (H - GAP) / (1 + UNDER));
    const stacked = sideOn && column > row;
    const vh = Math.max(120, stacked ? column : row);
    plots.classList.toggle("stacked", stacked);
    size("view", widthOf(vh), vh);
    if (stacked) size("side", widthOf(vh), vh * UNDER);
    else size("side", sideOn ? vh * SIDE : 0, sideOn ? vh : 0);
    plots.style.height = wide ? "" : (stacked ? vh * (1 + UNDER) + GAP : vh) + 8 + "px";
    canvases.side.hidden = !sideOn;
    restyle();  // (the font follows the window's size)
  }

  let frame = null, times = [];
  function render() {
    const began = performance.now(), c = colors(), n = longest();
    k = Math.min(k, n);
    const [w, h] = sizes.view, ctx = canvases.view.getContext("2d"), f = Drawing.frame(box, w, h);
    ctx.clearRect(0, 0, w, h);
    const pic = pictures[c.dark ? "dark" : "light"];
    if (pic.complete) ctx.drawImage(pic, f.left, f.top, f.right - f.left, f.bottom - f.top);
    Drawing.axes(ctx, f, DATA.surface.ticks, c, DATA.surface.axes);
    ctx.save();
    ctx.beginPath(); ctx.rect(f.left - 14, f.top - 14, f.right - f.left + 28, f.bottom - f.top + 28);
    ctx.clip();
    const shown = runs.filter((r) => r.visible), at = (r) => Math.min(k, r.points.length - 1);
    const escaped = shown.map((r) => Drawing.drawPath(ctx, f, r, at(r), c, DATA.dashes));
    Drawing.minima(ctx, f, DATA.surface.minima, c);
    shown.forEach((r, i) => Drawing.drawMarks(ctx, f, r, at(r), c, escaped[i]));
    if (ui("arrows").checked) {
      for (const run of shown) Drawing.arrows(ctx, f, run, at(run), scales, c);
    }
    ctx.restore();
    if (!canvases.side.hidden) Panels.side(canvases.side.getContext("2d"), sizes.side, DATA, shown, k, c);
    Panels.loss(canvases.loss.getContext("2d"), sizes.loss, shown, k, n, DATA.fstar, c, DATA.dashes, version);
    Panels.readout(ui("readout"), shown, k);
    if (DATA.rateMaps) RateMaps.draw(ui("ratemaps"), DATA, shown, c);
    legendIcons(c);
    Controls.refresh(ui("runs"), runs, DATA, k, c);
    ui("step").max = n; ui("step").value = k; ui("stepValue").textContent = k;
    ui("step").setAttribute("aria-valuetext", `step ${k} of ${n}`);
    times.push(performance.now() - began);
    if (times.length > 600) times = times.slice(-300);
  }
  let iconsFor = "";
  function legendIcons(c) {  // the marks' legend, repainted when the theme changes
    if (iconsFor === c.bg + c.runs[0]) return;
    iconsFor = c.bg + c.runs[0];
    for (const icon of document.querySelectorAll("#markers canvas")) {
      const ratio = window.devicePixelRatio || 1, ctx = icon.getContext("2d");
      icon.width = 18 * ratio; icon.height = 18 * ratio;
      icon.style.width = "18px"; icon.style.height = "18px";
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      icon.draw(ctx, c);
    }
  }
  const later = () => { if (!frame) frame = requestAnimationFrame(() => { frame = null; render(); }); };
  // a picture decoded after the first frame: draw again (a data URL decodes asynchronously)
  for (const pic of Object.values(pictures)) pic.addEventListener("load", later);

  // --- what a person hears -----------------------------------------------------------------
  let spoken = "";
  function say(text) {  // the live region speaks on a change only, never per frame
    if (text === spoken) return;
    spoken = text; ui("say").textContent = text;
  }
  const outcome = () => runs.filter((r) => r.visible).map((r) => {  // at the step shown
    const b = Model.badge(r, k, DATA);
    return `${r.label}: ${b.word}`;
  }).join("; ");

  // --- the API ----------------------------------------------------------------------------
  function runAt(i) {
    if (!Number.isInteger(i) || i < 0 || i >= runs.length) {
      throw new Error(`run ${Model.describe(i)} does not exist: runs are numbered 0 to `
                      + `${runs.length - 1}`);
    }
    return runs[i];
  }
  // (drawn at once: a script or a test reads what it just did; a drag asks once a frame)
  function changed(words) { remember(); render(); if (words) say(words); }

  function set(i, name, value) {
    const run = runAt(i);
    if (!run.live) throw new Error(`${run.label} is recorded, not live: ${run.reason}`);
    const why = Model.problem(DATA, run.optimizer, name, value, run.hyperparameters);
    if (why) throw new Error(why);
    let moved = [run];
    if (lock && name === "lr" && run.hyperparameters.lr > 0) {  // every lr by the same factor
      const factor = value / run.hyperparameters.lr;
      moved = runs.filter((r) => r.live && "lr" in r.hyperparameters);
      for (const r of moved) {
        const v = r === run ? value : r.hyperparameters.lr * factor;
        const bad = Model.problem(DATA, r.optimizer, "lr", v, r.hyperparameters);
        if (bad) throw new Error(`${r.label}: ${bad}`);
      }
      for (const r of moved) if (r !== run) { r.hyperparameters.lr *= factor; r.given.add("lr"); }
    }
    run.hyperparameters[name] = value;
    run.given.add(name);
    if (name === "lr") for (const r of moved) r.tuned = false;  // no longer the tuned rate
    recompute(moved);
    k = longest();
    changed(`${run.label}. ${Model.badge(run, k, DATA).word}`);
  }

  function startAt(x, y) {
    const p = [x, y];
    if (!live) throw new Error(`these runs are recorded, not live: ${DATA.reason}`);
    if (!p.every(Number.isFinite) || p.some((v, j) => v < DATA.lo[j] || v > DATA.hi[j])) {
      throw new Error(`a start is two finite numbers within x in [${DATA.lo[0]}, ${DATA.hi[0]}]`
                      + `, y in [${DATA.lo[1]}, ${DATA.hi[1]}], got (${x}, ${y})`);
    }
    userStart = p;
    const moved = runs.filter((r) => r.live);
    for (const r of moved) r.start = p.slice();
    recompute(moved);
    k = longest();
    ui("start-x").value = String(x); ui("start-y").value = String(y);
    changed(`start (${Model.g3(x)}, ${Model.g3(y)}). ${outcome()}`);
  }

  function show(i, visible) {
    const run = runAt(i);
    if (typeof visible !== "boolean") throw new Error(`shown is true or false, got ${Model.describe(visible)}`);
    run.visible = visible;
    scales = Drawing.arrowScales(runs.filter((r) => r.visible), box);
    changed(`${run.label} ${run.visible ? "shown" : "hidden"}`);
  }

  function add(optimizer) {
    if (!live) throw new Error(`runs cannot be added: ${DATA.reason}`);
    if (typeof optimizer !== "string" || !Object.hasOwn(DATA.optimizers, optimizer)) {
      throw new Error(`this page has no optimizer ${Model.describe(optimizer)}; it has `
                      + Object.keys(DATA.optimizers).join(", "));
    }
    if (runs.length >= Model.maxRuns(DATA)) {
      throw new Error(`this page holds ${Model.maxRuns(DATA)} runs of ${DATA.settings.steps} `
                      + "steps at most: remove one first");
    }
    const start = userStart || (runs.find((r) => r.live) || {}).start || DATA.surface.start;
    runs.push(fresh(optimizer, start));
    recompute([runs[runs.length - 1]]);
    rebuild();
    changed(`added ${runs[runs.length - 1].label}`);
  }

  function remove(i) {
    const run = runAt(i);
    runs.splice(i, 1);
    recompute([]);
    rebuild();
    changed(`removed ${run.label}`);
  }

  function reset(i) {
    const run = runAt(i);
    if (!run.live) throw new Error(`${run.label} is recorded: it has no values to reset`);
    run.hyperparameters = {...run.initial.hyperparameters};
    run.given = new Set(run.initial.given);
    recompute([run]);
    compareWithEngine(run);  // (the page's own values again)
    changed(`${run.label} reset`);
  }

  function resetAll() {
    runs = DATA.runs.map(fromPage);
    userStart = null; lock = false; ui("lock").checked = false;
    recompute();
    runs.forEach(compareWithEngine);
    k = longest();
    rebuild();
    changed("every run back to the page's values");
  }

  function commonStart() {  // the start every live run shares, if they share one
    const alive = runs.filter((r) => r.live);
    return new Set(alive.map((r) => r.start.join())).size === 1 ? alive[0].start.slice() : null;
  }

  function state() {
    return {live, reason: live ? null : DATA.reason, k, steps: longest(), playing, lock,
            start: userStart || commonStart(), runs: runs.map((r) => {
              const {word, why} = Model.badge(r, k, DATA);
              return {label: r.label, optimizer: r.optimizer,
                      hyperparameters: {...r.hyperparameters}, visible: r.visible,
                      status: r.status, badge: word, why, live: r.live,
                      reason: r.live ? null : r.reason, start: r.start.slice(),
                      points: r.points, losses: r.losses};
            })};
  }

  // --- the link -----------------------------------------------------------------------------
  let remembering = null;
  function remember() {  // the view in the URL's fragment, a moment after the last change
    clearTimeout(remembering);
    remembering = setTimeout(() => history.replaceState(null, "", "#" + here()),
                             playing ? 1000 : 150);
  }

  const here = () => Model.encode({runs, k, lock, view: {
    arrows: ui("arrows").checked, side: ui("sideShown").checked, slow: ui("slow").checked,
    speed: ui("speed").value, theme: wiring.themeMode ? wiring.themeMode() : "auto"}}, DATA);

  let askedView = {};
  function applyView(v) {  // a link's switches, once the page's controls exist
    if ("arrows" in v) ui("arrows").checked = v.arrows;
    if ("side" in v) ui("sideShown").checked = v.side;
    if ("slow" in v) ui("slow").checked = v.slow;
    if ("speed" in v) ui("speed").value = v.speed;
    ui("arrow-legend").hidden = !ui("arrows").checked;
    if ("theme" in v) wiring.themeMode(v.theme);
  }

  function restore() {
    if (location.hash.length < 2) return false;
    let asked, problem;
    try {
      ({state: asked, problem} = Model.decode(location.hash.slice(1), DATA));
    } catch (e) {  // (a link is anything someone typed: it never stops the page)
      problem = `the link's view is not readable (${e.message})`;
    }
    if (problem) { notice(`This link's view was not opened: ${problem}.`); return false; }
    const made = [];
    for (const r of asked.runs) {
      if ("recorded" in r) { const run = fromPage(DATA.runs[r.recorded], r.recorded);
                             run.visible = r.visible; made.push(run); continue; }
      if (!live) { notice(`This link's view was not opened: ${DATA.reason}.`); return false; }
      const run = fresh(r.optimizer, r.start, r.hyperparameters, r.given);
      run.visible = r.visible;
      made.push(run);
    }
    runs = made; lock = asked.lock; ui("lock").checked = lock; askedView = asked.view;
    userStart = commonStart();
    recompute();
    k = asked.k === null ? longest() : Math.min(asked.k, longest());
    return true;
  }

  function notice(text) { ui("notice").textContent = text; ui("notice").hidden = !text; }

  // --- playback -----------------------------------------------------------------------------
  let last = 0, carry = 0;
  function tick(time) {
    if (!playing) return;
    const dt = last ? Math.min(0.25, (time - last) / 1000) : 0;
    last = time;
    let rate = 60 * Number(ui("speed").value);  // steps a second
    // the first ten steps in slow motion: 4 a second at 1x, so a class sees each one
    if (ui("slow").checked && k < 10) rate = Math.min(rate, 4 * Number(ui("speed").value));
    carry += dt * rate;
    const whole = Math.floor(carry);
    carry -= whole;
    if (whole) { k = Math.min(k + whole, longest()); render(); }
    if (k >= longest()) { pause(); return; }
    requestAnimationFrame(tick);
  }
  function play() {
    if (k >= longest()) k = 0;
    playing = true; last = 0; carry = 0;
    ui("play").textContent = "❚❚ pause"; ui("play").setAttribute("aria-pressed", "true");
    say("playing");
    requestAnimationFrame(tick);
  }
  function pause() {
    if (!playing) return;
    playing = false;
    ui("play").textContent = "▶ play"; ui("play").setAttribute("aria-pressed", "false");
    changed(`paused at step ${k}. ${outcome()}`);
  }
  function stepTo(to) {
    if (typeof to !== "number" || !Number.isFinite(to)) {
      throw new Error(`a step is a number from 0 to ${longest()}, got ${Model.describe(to)}`);
    }
    pause(); k = Math.max(0, Math.min(Math.round(to), longest())); remember(); render();
  }

  function rebuild() { Controls.build(ui("runs"), runs, DATA, act); later(); }

  // A control's change: errors go to the notice line and the live region, never a console
  function act(fn) {
    try {
      fn(); notice("");
    } catch (e) {  // (and every control back to its run's value)
      notice(e.message); say(e.message);
      for (const section of ui("runs").querySelectorAll("section.run")) delete section.dataset.label;
      Controls.refresh(ui("runs"), runs, DATA, k, colors());
    }
  }

  const theme = () => document.documentElement.dataset.theme;  // set by events.js

  window.adamvizPlayer = {state, set, startAt, show, add, remove, reset, resetAll,
                          command: (file) => Model.command(runs, DATA, file),
                          play, pause, stepTo, frameTimes: () => times.slice(),
                          link: () => location.href.split("#")[0] + "#" + here()};
  const wiring = {ui, act, layout, later, render, restyle, say, notice, stepTo, play, pause,
                  isPlaying: () => playing, step: () => k, longest,
                  setLock: (v) => { lock = v; remember(); }, box, live, remember};
  runs = DATA.runs.map(fromPage);
  if (!restore()) { recompute(); runs.forEach(compareWithEngine); k = longest(); }
  rebuild();
  PageWiring(wiring);
  applyView(askedView);
  layout();
  // a new fragment on the open page (a pasted link, a course page switching its iframe's
  // view) opens that view; our own replaceState does not fire this
  addEventListener("hashchange", () => {
    pause();
    if (restore()) { rebuild(); applyView(askedView); layout(); notice(""); }
  });
  window.adamvizPlayer.ready = performance.now();
})();
