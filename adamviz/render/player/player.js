// The player: draws DATA (made by adamviz/render/html.py) on the canvas over the contour
// picture; play, scrub, speed, keyboard, run toggles, the readout and overlay arrows; a click
// or a slider runs the ported optimizers again from the surface's derivative program.
(function () {
  const canvas = document.getElementById("view"), ctx = canvas.getContext("2d");
  const picture = document.getElementById("background");
  const W = DATA.width, H = DATA.height, ratio = window.devicePixelRatio || 1;
  canvas.width = W * ratio; canvas.height = H * ratio;
  canvas.style.width = W + "px"; canvas.style.height = H + "px";
  ctx.scale(ratio, ratio);
  const [[x0, x1], [y0, y1]] = DATA.surface.box;
  const px = (x) => (x - x0) / (x1 - x0) * W, py = (y) => H - (y - y0) / (y1 - y0) * H;
  const ui = (id) => document.getElementById(id);
  // Recorded runs come packed (html.py's _pack): base64 of little-endian floats.
  function unpack(p) {
    if (!p) return null;
    const bytes = Uint8Array.from(atob(p.data), (c) => c.charCodeAt(0));
    const flat = p.dtype === "f8" ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
    const values = Array.from(flat, (v) => (Number.isNaN(v) ? null : v));
    if (p.shape.length === 1) return values;
    const width = p.shape[1], rows = [];
    for (let i = 0; i < p.shape[0]; i++) rows.push(values.slice(i * width, (i + 1) * width));
    return rows;
  }
  function recorded(r) {
    if (!r.packed) return r;
    const q = {};
    for (const [name, v] of Object.entries(r.packed.quantities)) q[name] = unpack(v);
    return {...r, points: unpack(r.packed.points), losses: unpack(r.packed.losses),
            grads: unpack(r.packed.grads), rates: unpack(r.packed.rates), quantities: q,
            packed: undefined};
  }
  let runs = DATA.runs.map((r) => ({...recorded(r), shown: true}));
  let k = 0, playing = false, last = 0;
  if (typeof valueAndGrad !== "function") runs = runs.map((r) => ({...r, live: false}));
  let carry = 0;

  // Extremes by a loop: spreading an array into Math.max/min passes every element as an
  // argument, which overflows the call stack for long paths of many runs.
  function extreme(values, better, start) {
    let out = start;
    for (const v of values) if (better(v, out)) out = v;
    return out;
  }
  const maxOf = (values, start = -Infinity) => extreme(values, (a, b) => a > b, start);
  const minOf = (values, start = Infinity) => extreme(values, (a, b) => a < b, start);

  function longest() { return maxOf(runs.map((r) => r.points.length - 1), 1); }

  function draw() {
    ctx.clearRect(0, 0, W, H);
    if (picture.complete) ctx.drawImage(picture, 0, 0, W, H);
    for (const run of runs) {
      if (!run.shown) continue;
      const n = Math.min(k, run.points.length - 1);
      ctx.save();
      ctx.lineJoin = "round";
      ctx.setLineDash(run.dash ? [8, 5] : []);
      ctx.beginPath();
      run.points.slice(0, n + 1).forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y))
                                                            : ctx.moveTo(px(x), py(y))));
      ctx.strokeStyle = "rgba(255,255,255,0.85)"; ctx.lineWidth = 5; ctx.stroke();  // halo
      ctx.strokeStyle = run.color; ctx.lineWidth = 2.5; ctx.stroke();
      ctx.restore();
      const [sx, sy] = run.points[0], [cx, cy] = run.points[n];
      dot(sx, sy, 6, "#009E73");
      dot(cx, cy, 6, run.color);
      if (ui("arrows").checked) arrows(run, n);
    }
  }

  function dot(x, y, r, color) {
    ctx.beginPath(); ctx.arc(px(x), py(y), r, 0, 2 * Math.PI);
    ctx.fillStyle = color; ctx.fill(); ctx.lineWidth = 1.5; ctx.strokeStyle = "#111"; ctx.stroke();
  }

  // The gradient (downhill, -g), the momentum and the step of the step just taken, each scaled
  // so the longest of its kind is a tenth of the view (compare directions, not lengths).
  function arrows(run, n) {
    if (n < 1) return;
    const [x, y] = run.points[n - 1];
    const kinds = [["grad", run.grads && run.grads[n - 1] && run.grads[n - 1].map((v) => -v),
                    "#444"],
                   ["momentum", momentumOf(run, n), "#CC79A7"],
                   ["step", [run.points[n][0] - x, run.points[n][1] - y], run.color]];
    for (const [, vec, color] of kinds) {
      if (!vec || !vec.every(Number.isFinite)) continue;
      const len = Math.hypot(vec[0] / (x1 - x0), vec[1] / (y1 - y0));
      if (len === 0) continue;
      const s = 0.1 / len, ex = x + vec[0] * s, ey = y + vec[1] * s;
      ctx.beginPath(); ctx.moveTo(px(x), py(y)); ctx.lineTo(px(ex), py(ey));
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.stroke();
      const a = Math.atan2(py(ey) - py(y), px(ex) - px(x));
      ctx.beginPath(); ctx.moveTo(px(ex), py(ey));
      ctx.lineTo(px(ex) - 8 * Math.cos(a - 0.4), py(ey) - 8 * Math.sin(a - 0.4));
      ctx.lineTo(px(ex) - 8 * Math.cos(a + 0.4), py(ey) - 8 * Math.sin(a + 0.4));
      ctx.fillStyle = color; ctx.fill();
    }
  }

  function momentumOf(run, n) {
    const q = run.quantities, key = "m" in q ? "m" : ("b" in q ? "b" : null);
    if (!key || !q[key][n]) return null;
    return q[key][n].map((v) => -v);  // the way it pushes
  }

  const fmt = (v) => (v === null || v === undefined ? "–" : Math.abs(v) >= 1e4 ||
                      (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

  function readout() {
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.quantities)))];
    const head = ["run", "x", "y", "loss", "g[x]", "g[y]", "eff. lr[x]", "eff. lr[y]",
                  ...names.flatMap((q) => [q + "[x]", q + "[y]"])];
    const rows = runs.filter((r) => r.shown).map((r) => {
      const n = Math.min(k, r.points.length - 1), g = r.grads && n > 0 ? r.grads[n - 1] : null;
      const rate = r.rates && n > 0 ? r.rates[n] : null;
      return [r.label, ...r.points[n], r.losses[n], ...(g || [null, null]),
              ...(rate || [null, null]),
              ...names.flatMap((q) => (r.quantities[q] && r.quantities[q][n]) || [null, null])];
    });
    const table = ui("readout");
    table.replaceChildren();
    const tr = table.insertRow();
    head.forEach((h) => { const th = document.createElement("th"); th.textContent = h;
                          tr.appendChild(th); });
    for (const row of rows) {
      const r = table.insertRow();
      row.forEach((v, i) => { r.insertCell().textContent = i === 0 ? v : fmt(v); });
    }
  }

  function show() {
    const max = longest();
    k = Math.min(k, max);
    ui("step").max = max; ui("step").value = k; ui("stepValue").textContent = k;
    draw(); lossPanel(); readout();
  }

  // Loss per step below the view: loss - f* (the global minimum's) on a log scale, every
  // run's whole curve faint, drawn strong up to the current step.
  const lossCanvas = document.getElementById("loss"), lctx = lossCanvas.getContext("2d");
  const LH = 170;
  lossCanvas.width = W * ratio; lossCanvas.height = LH * ratio;
  lossCanvas.style.width = W + "px"; lossCanvas.style.height = LH + "px";
  lctx.scale(ratio, ratio);

  function lossPanel() {
    const shown = runs.filter((r) => r.shown);
    const all = [];
    for (const r of shown) for (const v of r.losses) if (Number.isFinite(v)) all.push(v);
    const f0 = DATA.fstar !== null && DATA.fstar !== undefined ? DATA.fstar : minOf(all);
    const lv = (v) => Math.log10(Math.max(v - f0, 1e-16));
    const logs = all.map(lv);
    let top = maxOf(logs), bottom = minOf(logs);
    if (!(top > bottom)) { top = bottom + 1; }
    const left = 46, right = W - 8, up = 8, down = LH - 22, n = longest();
    const X = (i) => left + (right - left) * i / n;
    const Y = (v) => down - (down - up) * (lv(v) - bottom) / (top - bottom);
    lctx.clearRect(0, 0, W, LH);
    lctx.fillStyle = "#111"; lctx.font = "11px system-ui, sans-serif";
    for (let d = Math.ceil(bottom); d <= Math.floor(top); d += Math.max(1, Math.round((top - bottom) / 4))) {
      const y = down - (down - up) * (d - bottom) / (top - bottom);
      lctx.fillText("1e" + d, 4, y + 4);
      lctx.strokeStyle = "#e4e4e4"; lctx.beginPath(); lctx.moveTo(left, y); lctx.lineTo(right, y);
      lctx.stroke();
    }
    lctx.fillText("step " + k + " of " + n, left, LH - 6);
    lctx.fillText("loss − f*", right - 60, LH - 6);
    for (const run of shown) {
      for (const [alpha, upto] of [[0.25, run.losses.length - 1], [1, Math.min(k, run.losses.length - 1)]]) {
        lctx.globalAlpha = alpha; lctx.strokeStyle = run.color; lctx.lineWidth = 2;
        lctx.setLineDash(run.dash ? [6, 4] : []);
        lctx.beginPath();
        let moved = false;
        for (let i = 0; i <= upto; i++) {
          const v = run.losses[i];
          if (!Number.isFinite(v)) continue;
          moved ? lctx.lineTo(X(i), Y(v)) : lctx.moveTo(X(i), Y(v));
          moved = true;
        }
        lctx.stroke();
      }
      lctx.globalAlpha = 1; lctx.setLineDash([]);
    }
    lctx.strokeStyle = "#888"; lctx.beginPath(); lctx.moveTo(X(k), up); lctx.lineTo(X(k), down);
    lctx.stroke();
  }

  function toggles() {
    const box = ui("runs");
    box.replaceChildren();
    runs.forEach((run, i) => {
      const label = document.createElement("label"), input = document.createElement("input");
      input.type = "checkbox"; input.checked = run.shown; input.id = "run" + i;
      input.addEventListener("change", () => { run.shown = input.checked; show(); });
      const swatch = document.createElement("span");
      swatch.className = "swatch"; swatch.style.background = run.color;
      label.append(input, swatch, run.label + (run.live ? "" : " (recorded)"));
      box.appendChild(label);
    });
  }

  function tick(time) {
    if (!playing) return;
    const speed = Number(ui("speed").value), dt = last ? (time - last) / 1000 : 0;
    last = time;
    carry += dt * 60 * speed;  // 60 steps a second at 1x
    const whole = Math.floor(carry);
    carry -= whole;
    if (whole) {
      k = Math.min(k + whole, longest());
      show();
    }
    if (k >= longest()) { pause(); return; }
    requestAnimationFrame(tick);
  }

  function play() {
    if (k >= longest()) k = 0;
    playing = true; last = 0; carry = 0;
    ui("play").textContent = "❚❚ pause"; ui("play").setAttribute("aria-label", "pause");
    requestAnimationFrame(tick);
  }

  function pause() {
    playing = false;
    ui("play").textContent = "▶ play"; ui("play").setAttribute("aria-label", "play");
  }

  // Live: every run made again from a start, with the controls' hyperparameters. The controls
  // come from the optimizers' declared hyperparameters (DATA.controls): a slider per number
  // (its declared range, log or linear), a box per switch.
  const CONTROLS = Object.fromEntries(DATA.controls.map((c) => [c.name, c]));
  const STEPS = 1000;  // positions of a slider
  const toValue = (c, pos) => (c.scale === "log"
    ? Math.exp(Math.log(c.min) + (Math.log(c.max) - Math.log(c.min)) * pos / STEPS)
    : c.min + (c.max - c.min) * pos / STEPS);
  const toPosition = (c, v) => Math.round(STEPS * (c.scale === "log"
    ? (Math.log(v) - Math.log(c.min)) / (Math.log(c.max) - Math.log(c.min))
    : (v - c.min) / (c.max - c.min)));
  const touched = {};  // name -> value the user set
  let start = null;

  function rerun() {
    if (typeof valueAndGrad !== "function") return;
    const steps = DATA.settings.steps;
    runs = runs.map((run) => {
      if (!run.live) return run;
      run.shown = run.shown !== false;
      const h = {...run.hyperparams};
      for (const [name, value] of Object.entries(touched)) if (name in h) h[name] = value;
      const from = start || run.start;
      const out = runPath(valueAndGrad, makeOptimizer(run.optimizer, h), from, steps,
                          {tol: DATA.settings.tol || 0, lo: DATA.lo, hi: DATA.hi});
      return {...run, hyperparams: h, points: out.points, losses: out.losses, grads: out.grads,
              rates: out.rates, quantities: transpose(out.quantities), status: out.status};
    });
    k = longest();
    show();
  }

  function transpose(list) {  // [{m: [x, y]}, ...] per step -> {m: [[x, y], ...]} per name
    const out = {};
    list.forEach((q, i) => Object.entries(q).forEach(([name, v]) => {
      (out[name] = out[name] || [null])[i + 1] = v;
    }));
    return out;
  }

  function sliders() {
    const first = (name) => runs.map((r) => r.hyperparams[name]).find((v) => v !== undefined);
    const box = ui("knobs");
    for (const c of DATA.controls) {
      const value = first(c.name), id = "knob-" + c.name;
      const label = document.createElement("label"), out = document.createElement("output");
      const input = document.createElement("input");
      label.htmlFor = id; label.title = c.about || c.name;
      label.append(c.switch ? c.name : c.symbol + " ", out);
      input.id = id; input.dataset.name = c.name;
      if (c.switch) {
        input.type = "checkbox"; input.checked = value === true;
        out.textContent = "";
        input.addEventListener("change", () => { touched[c.name] = input.checked; rerun(); });
      } else {
        input.type = "range"; input.min = 0; input.max = STEPS; input.step = 1;
        input.value = value === undefined ? 0 : toPosition(c, value);
        const say = () => {
          const v = touched[c.name] ?? value;
          out.textContent = v === undefined ? "–" : fmt(v);
          input.setAttribute("aria-valuetext", `${c.name} ${out.textContent}`);
        };
        say();
        input.addEventListener("input", () => {
          touched[c.name] = toValue(c, Number(input.value)); say(); rerun();
        });
      }
      input.disabled = value === undefined;
      const knob = document.createElement("div");
      knob.className = "knob";
      if (c.switch) knob.append(input, label); else knob.append(label, input);
      box.append(knob);
    }
  }

  canvas.addEventListener("click", (event) => {
    if (!runs.some((r) => r.live)) return;
    const rect = canvas.getBoundingClientRect();
    const x = x0 + (event.clientX - rect.left) / rect.width * (x1 - x0);
    const y = y0 + (1 - (event.clientY - rect.top) / rect.height) * (y1 - y0);
    start = [x, y];
    rerun();
  });
  ui("play").addEventListener("click", () => (playing ? pause() : play()));
  ui("step").addEventListener("input", () => { pause(); k = Number(ui("step").value); show(); });
  ui("arrows").addEventListener("change", draw);
  document.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT" && event.target.type === "range") return;
    if (event.key === " ") { event.preventDefault(); playing ? pause() : play(); }
    else if (event.key === "ArrowRight") { pause(); k = Math.min(k + 1, longest()); show(); }
    else if (event.key === "ArrowLeft") { pause(); k = Math.max(k - 1, 0); show(); }
  });
  picture.addEventListener("load", draw);
  if (!runs.some((r) => r.live)) {  // noise, early stopping or a loss in Python: play back only
    ui("live").disabled = true;
    ui("hint").textContent = "These runs are recorded (noise, early stopping, a schedule or "
      + "a loss written in Python): they play back, but a click or a slider cannot run them "
      + "again. Space plays and pauses, the arrow keys step.";
  }
  rerun();  // the runs the browser can make, made here: the engine's paths
  toggles(); sliders();
  k = longest();
  show();
  window.adamvizPlayer = {state: () => ({k, playing, runs, start}), show, rerun,
                          ready: performance.now()};  // when the first frame was drawn
})();
