// The ratemap view (--view ratemap): each shown run's optimizer's convergence-rate map, measured
// by the library when the page was written (player_data.rate_entry; the browser fits nothing),
// coloured as the still (viridis from the lowest rate to 1, diverged grey, not converged
// hatched), with a ring at each run's current values that moves as its sliders move. A value
// outside the map puts the ring on the edge with an arrow, and the text says "off the map".
"use strict";

const RateMaps = (function () {
  const GREY = "#bdbdbd", M = {left: 44, right: 52, top: 8, bottom: 34};
  const decoded = new Map();  // entry -> {rate, status}: unpacked once
  const layers = new Map();  // optimizer -> {key, canvas}: cells, axes and bar, kept while playing

  function bytes(p) { return Uint8Array.from(atob(p.data), (c) => c.charCodeAt(0)); }
  function arrays(entry) {
    if (!decoded.has(entry)) {
      decoded.set(entry, {rate: new Float32Array(bytes(entry.rate).buffer),
                          status: bytes(entry.status)});
    }
    return decoded.get(entry);
  }

  // Where a value sits along an axis, in cells (0 the first cell's centre, n - 1 the last's)
  function along(axis, v) {
    const t = axis.log ? Math.log(v / axis.low) / Math.log(axis.high / axis.low)
      : (v - axis.low) / (axis.high - axis.low);
    return t * (axis.n - 1);
  }

  // A run's place on a map: its nearest cell, whether it is off the map, and that cell's rate
  function place(entry, run) {
    const [ax, ay] = entry.axes, a = arrays(entry);
    const u = [along(ax, run.hyperparameters[ax.name]), along(ay, run.hyperparameters[ay.name])];
    const n = [ax.n, ay.n], off = u.map((v, j) => !(v >= -0.5 && v <= n[j] - 0.5));
    const inside = u.map((v, j) => Math.min(Math.max(Number.isFinite(v) ? v : 0, -0.5), n[j] - 0.5));
    const cell = inside.map((v, j) => Math.min(Math.max(Math.round(v), 0), n[j] - 1));
    const at = cell[1] * ax.n + cell[0];
    return {u: inside, off, cell, rate: a.rate[at], status: a.status[at]};
  }

  function color(entry, rate) {
    const t = Math.min(Math.max((rate - entry.low) / (1 - entry.low || 1), 0), 1);
    return entry.colors[Math.round(t * (entry.colors.length - 1))];
  }

  function describe(entry, run, p) {
    const [ax, ay] = entry.axes, where = p.off.some(Boolean);
    const name = `${run.label}: `;
    if (where) {
      const edge = (j) => (p.u[j] < 0 ? ["below", entry.axes[j].low] : ["above", entry.axes[j].high]);
      const side = p.off.map((o, j) => (o ? `${entry.axes[j].name} ${edge(j)[0]} ${Model.g3(edge(j)[1])}` : ""))
        .filter(Boolean).join(", ");
      return name + `off the map (${side})`;
    }
    const word = entry.statuses[p.status];
    const rate = Number.isFinite(p.rate) && word !== "diverged" ? `rate ${p.rate.toFixed(4)}, ` : "";
    return name + `${rate}${word} at ${ax.name} ${Model.g3(run.hyperparameters[ax.name])}, `
      + `${ay.name} ${Model.g3(run.hyperparameters[ay.name])} (the nearest cell)`;
  }

  function cells(ctx, entry, f) {
    const [ax, ay] = entry.axes, a = arrays(entry), w = f.w / ax.n, h = f.h / ay.n;
    for (let j = 0; j < ay.n; j++) {
      for (let i = 0; i < ax.n; i++) {
        const s = entry.statuses[a.status[j * ax.n + i]], r = a.rate[j * ax.n + i];
        ctx.fillStyle = s === "diverged" || !Number.isFinite(r) ? GREY : color(entry, r);
        const x = f.left + i * w, y = f.top + f.h - (j + 1) * h;
        ctx.fillRect(x, y, w + 0.5, h + 0.5);
        if (s === "not converged") {  // in its steps: hatched, as the still
          ctx.strokeStyle = "rgba(255,255,255,0.45)"; ctx.lineWidth = 1;
          ctx.beginPath(); ctx.moveTo(x, y + h); ctx.lineTo(x + w, y); ctx.stroke();
        }
      }
    }
  }

  function frame(ctx, entry, f, colors) {
    const [ax, ay] = entry.axes;
    ctx.fillStyle = colors.ink; ctx.font = colors.font; ctx.textBaseline = "top";
    ctx.textAlign = "left"; ctx.fillText(Model.g3(ax.low), f.left, f.top + f.h + 3);
    ctx.textAlign = "right"; ctx.fillText(Model.g3(ax.high), f.left + f.w, f.top + f.h + 3);
    ctx.textAlign = "center";
    ctx.fillText(`${ax.name}${ax.log ? " (log)" : ""}`, f.left + f.w / 2, f.top + f.h + 17);
    ctx.textBaseline = "middle"; ctx.textAlign = "right";
    ctx.fillText(Model.g3(ay.high), f.left - 4, f.top + 6);
    ctx.fillText(Model.g3(ay.low), f.left - 4, f.top + f.h - 6);
    ctx.save(); ctx.translate(10, f.top + f.h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText(ay.name, 0, 0); ctx.restore();
    const bx = f.left + f.w + 8, n = entry.colors.length;  // the colour bar: low to 1
    entry.colors.forEach((c, i) => { ctx.fillStyle = c;
                                     ctx.fillRect(bx, f.top + f.h * (1 - (i + 1) / n), 10, f.h / n + 0.5); });
    ctx.fillStyle = colors.ink; ctx.textAlign = "left";
    ctx.fillText("1", bx + 13, f.top + 4);
    ctx.fillText(entry.low.toFixed(2), bx + 13, f.top + f.h - 4);
  }

  function ring(ctx, f, entry, p, stroke, bg) {
    const [ax, ay] = entry.axes;
    const x = f.left + (p.u[0] + 0.5) * f.w / ax.n, y = f.top + f.h - (p.u[1] + 0.5) * f.h / ay.n;
    ctx.lineWidth = 3; ctx.strokeStyle = bg;
    ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI); ctx.stroke();
    ctx.lineWidth = 2; ctx.strokeStyle = stroke;
    ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI); ctx.stroke();
    if (p.off.some(Boolean)) {  // an arrow out of the map, toward the value
      const dx = p.off[0] ? Math.sign(p.u[0]) || -1 : 0, dy = p.off[1] ? -(Math.sign(p.u[1]) || -1) : 0;
      ctx.fillStyle = stroke; ctx.beginPath();
      ctx.moveTo(x + dx * 16, y + dy * 16);
      ctx.lineTo(x + dx * 8 - dy * 5, y + dy * 8 + dx * 5);
      ctx.lineTo(x + dx * 8 + dy * 5, y + dy * 8 - dx * 5);
      ctx.fill();
    }
    return [x, y];
  }

  // One canvas and a line of text per optimizer with a map and a shown run; made as needed
  function draw(box, data, runs, colors) {
    const maps = data.rateMaps || {};
    const wanted = Object.keys(maps).filter((name) => runs.some((r) => r.optimizer === name));
    box.hidden = !Object.keys(maps).length;
    if (box.hidden) return;
    for (const item of [...box.querySelectorAll("figure")]) {
      if (!wanted.includes(item.dataset.optimizer)) item.remove();
    }
    const width = Math.min(440, Math.max(200, box.clientWidth - 4)), height = Math.round(width * 0.72);
    for (const name of wanted) {
      let item = box.querySelector(`figure[data-optimizer="${name}"]`);
      if (!item) {
        item = document.createElement("figure"); item.dataset.optimizer = name;
        const canvasOf = document.createElement("canvas"); canvasOf.setAttribute("role", "img");
        item.append(document.createElement("figcaption"), canvasOf, document.createElement("p"));
        box.appendChild(item);
      }
      const entry = maps[name], canvas = item.querySelector("canvas"), ratio = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * ratio)) {
        canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
        canvas.style.width = width + "px"; canvas.style.height = height + "px";
      }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0); ctx.clearRect(0, 0, width, height);
      const f = {left: M.left, top: M.top, w: width - M.left - M.right, h: height - M.top - M.bottom};
      const key = [width, ratio, colors.ink, colors.font].join("/");
      if (!layers.has(name) || layers.get(name).key !== key) {
        const layer = document.createElement("canvas"), lctx = layer.getContext("2d");
        layer.width = canvas.width; layer.height = canvas.height;
        lctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        cells(lctx, entry, f);
        frame(lctx, entry, f, colors);
        layers.set(name, {key, canvas: layer});
      }
      ctx.drawImage(layers.get(name).canvas, 0, 0, width, height);
      const mine = runs.filter((r) => r.optimizer === name), lines = [], marks = [];
      for (const run of mine) {
        const p = place(entry, run), [x, y] = ring(ctx, f, entry, p, run.color || colors.runs[run.colorIndex], colors.bg);
        lines.push(describe(entry, run, p));
        marks.push({x, y, cell: p.cell, off: p.off.some(Boolean), rate: p.rate, status: p.status});
      }
      canvas.dataset.marks = JSON.stringify(marks);  // (read by tests and scripts)
      canvas.setAttribute("aria-label", `${name}'s measured convergence-rate map; ${lines.join("; ")}`);
      item.querySelector("figcaption").textContent = `${name}: measured rate per step from `
        + `(${entry.start.map((v) => Model.g3(v)).join(", ")}), ${entry.steps} steps`;
      const text = lines.join("\n") + "\nlower is faster · grey: diverged · hatched: not "
        + "converged · ring: the run's values";
      const p = item.querySelector("p");
      if (p.textContent !== text) p.textContent = text;
    }
  }

  return {draw, place, along};
})();

if (typeof module !== "undefined") module.exports = {RateMaps};
