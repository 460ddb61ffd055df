// The panels beside the contour view: the loss per step (loss - f* on a log scale, f* the global
// minimum's loss, or the lowest loss seen where the surface lists none; every run's
// whole curve faint, drawn once into a layer kept until the runs change, and strong up to the
// current step), the side view (the lowest loss over y along x, each run a ball on it) and the
// readout table (its cells rewritten in place, never rebuilt while playing).
"use strict";

const Panels = (function () {
  // Extremes by a loop: spreading a long array into Math.max overflows the call stack
  function range(values) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    return [lo, hi];
  }

  // The log axis: from the lowest (loss - f*) up to the highest, but never more than two
  // decades above the highest start (a diverged run leaves through the top instead of
  // flattening every other curve)
  function lossScale(runs, fstar, f, n) {
    const all = [], firsts = [];
    for (const r of runs) {
      for (const v of r.losses) if (Number.isFinite(v)) all.push(v);
      if (Number.isFinite(r.losses[0])) firsts.push(r.losses[0]);
    }
    const known = fstar !== null && fstar !== undefined;
    const f0 = known ? fstar : range(all)[0];
    // the run that reached the lowest loss seen is 0 above it there: draw that a decade
    // below the smallest gap above it, not at 1e-16 (which would squash every curve)
    const gaps = all.map((v) => v - f0).filter((g) => g > 0);
    const floor = known || !gaps.length ? 1e-16 : Math.max(range(gaps)[0] / 10, 1e-16);
    const lv = (v) => Math.log10(Math.max(v - f0, floor));
    let [bottom, top] = range(all.map(lv));
    if (firsts.length) top = Math.min(top, range(firsts.map(lv))[1] + 2);
    if (!(top > bottom)) top = (Number.isFinite(bottom) ? bottom : (bottom = 0)) + 1;
    return {lv, bottom, top, known, n, X: (i) => f.left + (f.right - f.left) * i / Math.max(n, 1),
            Y: (v) => f.bottom - (f.bottom - f.top) * (lv(v) - bottom) / (top - bottom)};
  }

  // Labels on the log axis: every decade, or 1, 2 and 5 times each when few decades show
  function logTicks(s) {
    const marks = [], span = s.top - s.bottom;
    const every = Math.max(1, Math.round(span / 4));
    for (let d = Math.floor(s.bottom); d <= Math.ceil(s.top); d++) {
      for (const m of span < 2.5 ? [1, 2, 5] : [1]) {
        const at = d + Math.log10(m);
        if (at >= s.bottom && at <= s.top && (m > 1 || d % every === 0)) {
          marks.push([at, m === 1 ? `1e${d}` : `${m}e${d}`]);
        }
      }
    }
    return marks;
  }

  function curve(ctx, run, s, upto) {
    ctx.beginPath();
    let moved = false, lastX = -1;
    for (let i = 0; i <= upto; i++) {
      const v = run.losses[i];
      if (!Number.isFinite(v)) continue;
      const x = s.X(i);
      if (moved && x - lastX < 0.5 && i < upto) continue;  // one point per half pixel
      moved ? ctx.lineTo(x, s.Y(v)) : ctx.moveTo(x, s.Y(v));
      moved = true; lastX = x;
    }
    ctx.stroke();
  }

  let layer = null;  // {key, canvas}: the faint whole curves
  function loss(ctx, size, runs, k, n, fstar, colors, dashes, version) {
    const [w, h] = size, f = {left: 52, right: w - 10, top: 8, bottom: h - 40};
    const s = lossScale(runs, fstar, f, n);
    const key = [version, w, h, n, colors.bg, runs.map((r) => r.id).join()].join("/");
    if (!layer || layer.key !== key) layer = {key, canvas: faint(runs, s, f, size, colors, dashes)};
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(layer.canvas, 0, 0, w, h);
    ctx.save();
    ctx.beginPath(); ctx.rect(f.left, f.top - 2, f.right - f.left, f.bottom - f.top + 4);
    ctx.clip();
    for (const run of runs) {
      ctx.strokeStyle = (run.color || colors.runs[run.colorIndex]); ctx.lineWidth = 2.5;
      ctx.setLineDash(dashes[run.dash % dashes.length]);
      curve(ctx, run, s, Math.min(k, run.losses.length - 1));
    }
    ctx.restore();
    ctx.strokeStyle = colors.ink; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(s.X(k), f.top); ctx.lineTo(s.X(k), f.bottom); ctx.stroke();
    ctx.fillStyle = colors.ink; ctx.font = colors.font; ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left"; ctx.fillText(`step ${k} of ${n}`, f.left, h - 4);
    ctx.textAlign = "right";
    ctx.fillText(s.known ? "loss − f* (log scale)" : "loss − lowest seen (log scale)",
                 f.right, h - 4);
  }

  function faint(runs, s, f, [w, h], colors, dashes) {
    const ratio = window.devicePixelRatio || 1, c = document.createElement("canvas");
    c.width = w * ratio; c.height = h * ratio;
    const ctx = c.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.font = colors.font; ctx.fillStyle = colors.ink; ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const [d, text] of logTicks(s)) {
      const at = f.bottom - (f.bottom - f.top) * (d - s.bottom) / (s.top - s.bottom);
      ctx.fillText(text, f.left - 6, at);
      ctx.strokeStyle = colors.grid; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(f.left, at); ctx.lineTo(f.right, at); ctx.stroke();
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";  // steps along the bottom
    for (const t of niceTicks(0, Math.max(s.n, 1))) {  // (kept inside the canvas)
      if (!Number.isInteger(t)) continue;
      const half = ctx.measureText(String(t)).width / 2;
      ctx.fillText(String(t), Math.min(Math.max(s.X(t), half), w - half), f.bottom + 4);
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(f.left, f.top - 2, f.right - f.left, f.bottom - f.top + 4);
    ctx.clip();
    ctx.globalAlpha = 0.35;
    for (const run of runs) {
      ctx.strokeStyle = (run.color || colors.runs[run.colorIndex]); ctx.lineWidth = 2;
      ctx.setLineDash(dashes[run.dash % dashes.length]);
      curve(ctx, run, s, run.losses.length - 1);
    }
    ctx.restore();
    return c;
  }

  // The side view: the valley floor along x, each run's current point as a ball on its loss
  function side(ctx, size, data, runs, k, colors) {
    const [w, h] = size, curveData = data.surface.side;
    // the valley, not its walls: up to the highest start or the curve's median, if higher
    const lows = runs.map((r) => r.losses[Math.min(k, r.losses.length - 1)]);
    const finite = curveData.loss.filter(Number.isFinite).sort((a, b) => a - b);
    const [lo, highest] = range(finite), median = finite[Math.floor(finite.length / 2)];
    const hi = Math.min(highest, Math.max(median, ...runs.map((r) => r.losses[0])
      .filter(Number.isFinite)));
    const box = [data.surface.box[0], [lo, hi]];
    const pad = (hi - lo) * 0.06 || 1;
    const f = Drawing.frame([box[0], [lo - pad, hi + pad]], w, h);
    ctx.clearRect(0, 0, w, h);
    ctx.save();
    ctx.beginPath(); ctx.rect(f.left, f.top, f.right - f.left, f.bottom - f.top); ctx.clip();
    ctx.strokeStyle = colors.ink; ctx.lineWidth = 2; ctx.beginPath();
    let moved = false;
    curveData.x.forEach((x, i) => {
      const v = curveData.loss[i];
      if (v === null) { moved = false; return; }
      moved ? ctx.lineTo(f.px(x), f.py(v)) : ctx.moveTo(f.px(x), f.py(v));
      moved = true;
    });
    ctx.stroke();
    runs.forEach((run, i) => {
      const p = run.points[Math.min(k, run.points.length - 1)], v = lows[i];
      if (!Number.isFinite(v)) return;
      Drawing.marker(ctx, "circle", f.px(p[0]), f.py(Math.min(v, hi + pad)), 7,
                     (run.color || colors.runs[run.colorIndex]), colors.bg);
    });
    ctx.restore();
    const ticks = [data.surface.ticks[0], niceTicks(lo - pad, hi + pad)];
    const [a, b] = DATA.surface.axes;
    Drawing.axes(ctx, f, ticks, colors, [a, "lowest loss over " + b]);
  }

  function niceTicks(lo, hi) {  // about five round values (the side view's loss axis)
    const raw = (hi - lo) / 5, power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) out.push(t);
    return out;
  }

  const fmt = (v) => (v === null || v === undefined || Number.isNaN(v) ? "–"
    : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

  // The readout: a row per shown run; the table is rebuilt only when its shape changes
  function readout(table, runs, k) {
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.quantities || {})))];
    const [a, b] = DATA.surface.axes;
    const head = ["run", a, b, "loss", `g[${a}]`, `g[${b}]`, `eff. lr[${a}]`, `eff. lr[${b}]`,
                  ...names.flatMap((q) => [`${q}[${a}]`, `${q}[${b}]`])];
    const shape = head.join() + "|" + runs.map((r) => r.id).join();
    if (table.dataset.shape !== shape) {
      table.replaceChildren();
      const tr = table.createTHead().insertRow();
      for (const h of head) { const th = document.createElement("th"); th.textContent = h;
                              th.scope = "col"; tr.appendChild(th); }
      const body = table.createTBody();
      runs.forEach(() => { const r = body.insertRow(); head.forEach(() => r.insertCell()); });
      table.dataset.shape = shape;
    }
    const rows = table.tBodies[0].rows;
    runs.forEach((r, j) => {
      const n = Math.min(k, r.points.length - 1), g = r.grads && n > 0 ? r.grads[n - 1] : null;
      const rate = r.rates && n > 0 ? r.rates[n] : null;
      const values = [r.label, ...r.points[n], r.losses[n], ...(g || [null, null]),
                      ...(rate || [null, null]), ...names.flatMap(
                        (q) => (r.quantities[q] && r.quantities[q][n]) || [null, null])];
      values.forEach((v, i) => {
        const text = i === 0 ? v : fmt(v), cell = rows[j].cells[i];
        if (cell.textContent !== text) cell.textContent = text;
      });
    });
  }

  return {loss, side, readout, fmt, range};
})();

if (typeof module !== "undefined") module.exports = {Panels};
