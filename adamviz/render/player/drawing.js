// The contour view: the surface's picture, axes with ticks, the minima, and every shown run's
// path up to the current step with its start, its current point and arrows. Paths are clipped
// at the view's edge (a run that flies off gets an "escaped" mark where it left), and each
// run's pixels are computed once per path and size, so a frame's work does not grow with how far
// a run has flown.
"use strict";

const Drawing = (function () {
  const MARGIN = {left: 52, right: 12, top: 24, bottom: 34};  // room for the ticks' labels

  // Where things land on a canvas of w x h CSS pixels
  function frame(box, w, h) {
    const [[x0, x1], [y0, y1]] = box;
    const left = MARGIN.left, top = MARGIN.top;
    const right = w - MARGIN.right, bottom = h - MARGIN.bottom;
    return {w, h, left, top, right, bottom, box,
            px: (x) => left + (x - x0) / (x1 - x0) * (right - left),
            py: (y) => bottom - (y - y0) / (y1 - y0) * (bottom - top),
            x: (u) => x0 + (u - left) / (right - left) * (x1 - x0),
            y: (v) => y0 + (bottom - v) / (bottom - top) * (y1 - y0)};
  }

  const tickText = (v) => (Math.abs(v) < 1e-12 ? "0" : String(Number(v.toPrecision(6))));

  function axes(ctx, f, ticks, colors, names = ["x", "y"]) {
    ctx.save();
    ctx.strokeStyle = colors.ink; ctx.fillStyle = colors.ink; ctx.lineWidth = 1;
    ctx.strokeRect(f.left, f.top, f.right - f.left, f.bottom - f.top);
    ctx.font = colors.font;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks[0]) {
      const u = f.px(t);
      ctx.beginPath(); ctx.moveTo(u, f.bottom); ctx.lineTo(u, f.bottom + 5); ctx.stroke();
      ctx.fillText(tickText(t), u, f.bottom + 7);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ticks[1]) {
      const v = f.py(t);
      ctx.beginPath(); ctx.moveTo(f.left - 5, v); ctx.lineTo(f.left, v); ctx.stroke();
      ctx.fillText(tickText(t), f.left - 7, v);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "bottom";
    ctx.fillText(names[0], f.right, f.h - 1);
    ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(names[1], 2, 2);
    ctx.restore();
  }

  // A run's path in pixels, made once per path and canvas size
  function pixels(run, f) {
    const key = f.w + "x" + f.h;
    if (run.pixels && run.pixels.key === key && run.pixels.of === run.points) return run.pixels;
    const n = run.points.length, xs = new Float64Array(n), ys = new Float64Array(n);
    run.points.forEach(([x, y], i) => { xs[i] = f.px(x); ys[i] = f.py(y); });
    run.pixels = {key, of: run.points, xs, ys};
    return run.pixels;
  }

  // Liang-Barsky: the part of segment a->b inside the rectangle, as fractions [t0, t1]
  function clip(ax, ay, bx, by, r) {
    let t0 = 0, t1 = 1;
    const dx = bx - ax, dy = by - ay;
    for (const [p, q] of [[-dx, ax - r.left], [dx, r.right - ax], [-dy, ay - r.top],
                          [dy, r.bottom - ay]]) {
      if (p === 0) { if (q < 0) return null; continue; }
      const t = q / p;
      if (p < 0) { if (t > t1) return null; if (t > t0) t0 = t; }
      else { if (t < t0) return null; if (t < t1) t1 = t; }
    }
    return Number.isFinite(t0) && Number.isFinite(t1) ? [t0, t1] : null;
  }

  // A segment's alpha on a sliced page: its farther end's, as the stills fade a step (it is
  // as trustworthy as its worse end); 1 for a run with no alphas
  const alphaOf = (run, i) => (run.alphas ? Math.min(run.alphas[i - 1], run.alphas[i]) : 1);

  // The visible part of the path up to step n, one Path2D per alpha (a run that does not fade
  // has one), and where it left the view
  function visiblePath(run, f, n) {
    const {xs, ys} = pixels(run, f), r = {left: f.left - 3, right: f.right + 3,
                                          top: f.top - 3, bottom: f.bottom + 3};
    const paths = new Map();
    let path = null, level = NaN, escaped = null;
    let endX = NaN, endY = NaN, penX = NaN, penY = NaN;
    for (let i = 1; i <= n; i++) {
      const ax = xs[i - 1], ay = ys[i - 1], bx = xs[i], by = ys[i];
      if (!(Number.isFinite(bx) && Number.isFinite(by))) break;
      const inside = clip(ax, ay, bx, by, r);
      if (!inside) { endX = NaN; continue; }
      const [t0, t1] = inside, alpha = alphaOf(run, i);
      const sx = ax + t0 * (bx - ax), sy = ay + t0 * (by - ay);
      const ex = ax + t1 * (bx - ax), ey = ay + t1 * (by - ay);
      if (alpha !== level) {  // another alpha: end the last one's path where it was skipped
        if (path && Number.isFinite(endX) && (penX !== endX || penY !== endY)) path.lineTo(endX, endY);
        if (!paths.has(alpha)) paths.set(alpha, new Path2D());
        path = paths.get(alpha); level = alpha; penX = NaN;
      }
      if (sx !== endX || sy !== endY || Number.isNaN(penX)) { path.moveTo(sx, sy); penX = sx; penY = sy; }
      endX = ex; endY = ey;
      escaped = t1 < 1 ? {x: ex, y: ey, angle: Math.atan2(by - ay, bx - ax)} : null;
      // under half a pixel from the last corner drawn: nothing to see, and a long run stays
      // quick (the path goes on from that corner, so no gap opens)
      if (t1 === 1 && i < n && Math.abs(ex - penX) < 0.5 && Math.abs(ey - penY) < 0.5) continue;
      path.lineTo(ex, ey);
      penX = ex; penY = ey;
    }
    return {paths, escaped};
  }

  function marker(ctx, shape, x, y, size, fill, edge) {
    ctx.beginPath();
    if (shape === "circle") ctx.arc(x, y, size, 0, 2 * Math.PI);
    else if (shape === "star") {
      for (let i = 0; i < 10; i++) {
        const r = i % 2 ? size * 0.45 : size, a = -Math.PI / 2 + i * Math.PI / 5;
        ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
      }
      ctx.closePath();
    } else if (shape === "diamond") {
      ctx.moveTo(x, y - size); ctx.lineTo(x + size, y); ctx.lineTo(x, y + size);
      ctx.lineTo(x - size, y); ctx.closePath();
    }
    if (fill) { ctx.fillStyle = fill; ctx.fill(); }
    ctx.lineWidth = 1.5; ctx.strokeStyle = edge; ctx.stroke();
  }

  function escapedMark(ctx, at, color, colors) {  // a triangle at the edge, pointing away
    ctx.save();
    ctx.translate(at.x, at.y); ctx.rotate(at.angle);
    ctx.beginPath(); ctx.moveTo(2, 0); ctx.lineTo(-12, -7); ctx.lineTo(-12, 7); ctx.closePath();
    ctx.fillStyle = color; ctx.fill(); ctx.lineWidth = 2; ctx.strokeStyle = colors.bg;
    ctx.stroke();
    ctx.restore();
  }

  // A run in two layers: its path (every run's path goes under the minima's marks), then its
  // start, its current point or where it escaped (over them). A faded path (a sliced page) is
  // stroked once per alpha, so its own crossings do not pile up, with butt caps as the stills
  // have them (round caps overlap where two alphas meet, a dark bead on a faint path); every
  // halo goes first, and the faintest lines before the opaque ones, which stay on top.
  function drawPath(ctx, f, run, n, colors, dashes) {
    const {paths, escaped} = visiblePath(run, f, n);
    const levels = [...paths.keys()].sort((a, b) => a - b);
    ctx.save();
    ctx.lineJoin = "round"; ctx.lineCap = run.alphas ? "butt" : "round";
    ctx.strokeStyle = colors.bg; ctx.lineWidth = 6;  // the halo, as faint as its path
    for (const a of levels) { ctx.globalAlpha = a; ctx.stroke(paths.get(a)); }
    ctx.setLineDash(dashes[run.dash % dashes.length]);
    ctx.strokeStyle = (run.color || colors.runs[run.colorIndex]); ctx.lineWidth = 3;
    for (const a of levels) { ctx.globalAlpha = a; ctx.stroke(paths.get(a)); }
    ctx.restore();
    return escaped;
  }

  function drawMarks(ctx, f, run, n, colors, escaped) {
    const {xs, ys} = pixels(run, f), color = (run.color || colors.runs[run.colorIndex]);
    const inView = (i) => xs[i] >= f.left && xs[i] <= f.right && ys[i] >= f.top
      && ys[i] <= f.bottom;
    if (inView(0)) marker(ctx, "circle", xs[0], ys[0], 6, colors.bg, colors.ink);
    if (escaped && !inView(n)) escapedMark(ctx, escaped, color, colors);
    else if (inView(n) && n > 0) marker(ctx, "circle", xs[n], ys[n], 6, color, colors.bg);
  }

  function minima(ctx, f, list, colors) {
    for (const m of list) {
      const [u, v] = [f.px(m.at[0]), f.py(m.at[1])];
      if (m.kind === "global") marker(ctx, "star", u, v, 11, "#ffffff", "#000000");
      else marker(ctx, "diamond", u, v, 8, null, colors.ink);
    }
  }

  // Arrows of the step just taken: downhill (-gradient), momentum and the step. Each kind has
  // one scale for the whole page (its typical length is 7% of the view), so an arrow near
  // a minimum is short, as the vector is.
  function arrows(ctx, f, run, n, scales, colors) {
    if (n < 1 || n >= run.points.length) return;
    const [x, y] = run.points[n - 1], color = (run.color || colors.runs[run.colorIndex]);
    for (const [kind, vec] of vectors(run, n)) {
      if (!vec || !vec.every(Number.isFinite) || !scales[kind]) continue;
      let ex = f.px(x + vec[0] * scales[kind]) - f.px(x);
      let ey = f.py(y + vec[1] * scales[kind]) - f.py(y);
      const len = Math.hypot(ex, ey), cap = 0.15 * (f.right - f.left);
      if (len < 4 || !Number.isFinite(len)) continue;
      if (len > cap) { ex *= cap / len; ey *= cap / len; }
      arrow(ctx, f.px(x), f.py(y), ex, ey, kind === "grad" ? colors.ink : color, colors.bg,
            kind === "momentum");
    }
  }

  const momentumKey = (q) => ["m", "b", "buf"].find((k) => k in q) || null;

  function vectors(run, n) {
    const g = run.grads && run.grads[n - 1], q = run.quantities || {}, key = momentumKey(q);
    const m = key && q[key][n] ? q[key][n].map((v) => -v) : null;
    const [a, b] = [run.points[n - 1], run.points[n]];
    return [["grad", g && g.map((v) => -v)], ["momentum", m], ["step", [b[0] - a[0], b[1] - a[1]]]];
  }

  function arrow(ctx, x, y, dx, dy, color, halo, hollow) {
    const a = Math.atan2(dy, dx), tipX = x + dx, tipY = y + dy;
    const head = new Path2D();
    head.moveTo(tipX, tipY);
    head.lineTo(tipX - 11 * Math.cos(a - 0.45), tipY - 11 * Math.sin(a - 0.45));
    head.lineTo(tipX - 11 * Math.cos(a + 0.45), tipY - 11 * Math.sin(a + 0.45));
    head.closePath();
    const shaft = new Path2D();
    shaft.moveTo(x, y); shaft.lineTo(tipX - 6 * Math.cos(a), tipY - 6 * Math.sin(a));
    ctx.save();
    ctx.lineCap = "round";
    ctx.strokeStyle = halo; ctx.lineWidth = 5.5; ctx.stroke(shaft); ctx.stroke(head);
    ctx.strokeStyle = color; ctx.lineWidth = 2.5;
    if (hollow) ctx.setLineDash([5, 3]);
    ctx.stroke(shaft);
    ctx.setLineDash([]);
    if (hollow) { ctx.fillStyle = halo; ctx.fill(head); ctx.lineWidth = 2; ctx.stroke(head); }
    else { ctx.fillStyle = color; ctx.fill(head); }
    ctx.restore();
  }

  // One scale per arrow kind: the 90th percentile of its lengths (in view units) over every
  // step of the shown runs is drawn 7% of the view long. One pass, no arrays made per step:
  // a drag with 12 runs x 1000 steps does this every frame.
  function arrowScales(runs, box) {
    const [[x0, x1], [y0, y1]] = box, sx = 1 / (x1 - x0), sy = 1 / (y1 - y0);
    const found = {grad: [], momentum: [], step: []};
    const keep = (list, u, v) => { const len = Math.hypot(u * sx, v * sy);
                                   if (len > 0 && Number.isFinite(len)) list.push(len); };
    for (const run of runs) {
      const g = run.grads, p = run.points, q = run.quantities || {}, key = momentumKey(q);
      const m = key ? q[key] : null;
      for (let n = 1; n < p.length; n++) {
        if (g && g[n - 1]) keep(found.grad, g[n - 1][0], g[n - 1][1]);
        if (m && m[n]) keep(found.momentum, m[n][0], m[n][1]);
        keep(found.step, p[n][0] - p[n - 1][0], p[n][1] - p[n - 1][1]);
      }
    }
    const out = {};
    for (const [kind, list] of Object.entries(found)) {
      const sorted = Float64Array.from(list).sort();
      const typical = sorted[Math.floor(0.9 * (sorted.length - 1))];
      out[kind] = typical ? 0.07 / typical : 0;
    }
    return out;
  }

  return {frame, axes, drawPath, drawMarks, minima, arrows, arrowScales, marker, escapedMark, clip, MARGIN,
          tickText};
})();

if (typeof module !== "undefined") module.exports = {Drawing};
