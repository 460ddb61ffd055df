// The player's state and every rule about it, with no page in sight (tests run it under Node):
// runs as objects that live as long as the page (a toggle or a control holds its run, never a
// copy), each run's path made by the engine's loop (engine.js) from its own hyperparameters,
// its label and status in words, its colour, the link that reopens a view and the
// `adamviz run` line that makes the same paths.
"use strict";

const Model = (function () {
  // Python's f"{v:.{p}g}": .3g is what a label shows of a number (results.short), .4g of a
  // start (results.point_text)
  function g(v, p = 3) {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    if (v === 0) return Object.is(v, -0) ? "-0" : "0";
    const [mantissa, power] = v.toExponential(p - 1).split("e"), e = Number(power);
    if (e < -4 || e >= p) {
      return mantissa.replace(/\.?0+$/, "") + "e" + (e < 0 ? "-" : "+")
        + String(Math.abs(e)).padStart(2, "0");
    }
    return v.toFixed(Math.max(0, p - 1 - e)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  }
  const g3 = (v) => g(v, 3);
  // (a JSON number keeps no int/float difference; Python's label of an int 1000 would say
  // "1000", of a float "1e+03": no built-in hyperparameter is an int that large)
  const short = (v) => (typeof v === "boolean" ? String(v) : g3(v));

  // studies.runs.label: the name, lr, what the spec gave, and what differs from torch's defaults
  function label(run, data, several = false) {
    const entry = data.optimizers[run.optimizer] || {labelDefaults: {}};
    const defaults = entry.labelDefaults, given = run.given;
    const shown = Object.entries(run.hyperparameters).filter(([k, v]) => k === "lr"
      || given.has(k) || (Object.hasOwn(defaults, k) && v !== defaults[k]));
    const body = shown.map(([k, v]) => `${k}=${short(v)}`).join(", ");
    const name = run.named || (body ? `${run.optimizer} (${body})` : run.optimizer);
    return several ? `${name} from (${run.start.map((v) => g(v, 4)).join(", ")})` : name;
  }

  // Every live run's label; as studies.runs.make_runs names them, "from (x, y)" when the
  // live runs start from more than one point
  function relabel(runs, data) {
    const live = runs.filter((r) => r.live);
    const several = new Set(live.map((r) => r.start.join())).size > 1;
    for (const run of live) run.label = label(run, data, several);
  }

  function controlsOf(data, optimizer) {
    const entry = data.optimizers[optimizer];
    return entry ? entry.controls : [];
  }

  // A value in a message: what it is, briefly (a link's or a script's text may be anything)
  function describe(v) {
    if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (typeof v === "bigint") return `${v}n (a BigInt)`;
    if (v === null || v === undefined) return String(v);
    return Array.isArray(v) ? "a list" : `a ${typeof v}`;
  }

  // Whether `value` may be `name` of `optimizer` (its other values `values`): the declared
  // range and the file's requires, as Python checks them; null when it may
  function problem(data, optimizer, name, value, values = {}) {
    const control = controlsOf(data, optimizer).find((c) => c.name === name);
    if (!control) {
      const names = controlsOf(data, optimizer).map((c) => c.name).join(", ");
      return `${optimizer} has no hyperparameter ${describe(name)} to set (it has: ${names})`;
    }
    if (control.kind === "switch") {
      if (typeof value !== "boolean") return `${name} is true or false, got ${describe(value)}`;
    } else {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return `${name} is a finite number, got ${describe(value)}`;
      }
      const b = control.bounds;
      const above = b.low === null || (b.lowOpen ? value > b.low : value >= b.low);
      const below = b.high === null || (b.highOpen ? value < b.high : value <= b.high);
      if (!(above && below)) return `${name} must be ${control.range}, got ${value}`;
    }
    const rule = typeof OPTIMIZERS !== "undefined" && Object.hasOwn(OPTIMIZERS, optimizer)
      ? OPTIMIZERS[optimizer].requires : null;
    return rule ? rule({...values, [name]: value}) : null;
  }

  const UNDEFINED = "undefined start";
  // A run's path from its start, as the engine makes it (or as recorded).
  function compute(run, data) {
    run.version = (run.version || 0) + 1;  // (what a control shows may have changed)
    if (!run.live) return;
    const at = valueAndGrad(...run.start);
    if (!Number.isFinite(at[0])) {  // the engine refuses such a start; say why, draw the dot
      Object.assign(run, {points: [run.start.slice()], losses: [at[0]], grads: [], rates: [null],
                          quantities: {}, status: UNDEFINED, why: `the loss is not defined at `
                          + `(${run.start.map(g3).join(", ")}): outside the formula's domain`});
      return;
    }
    const out = runPath(valueAndGrad, makeOptimizer(run.optimizer, run.hyperparameters),
                        run.start, data.settings.steps,
                        {tol: data.settings.tol || 0, lo: data.lo, hi: data.hi});
    Object.assign(run, {points: out.points, losses: out.losses, grads: out.grads,
                        rates: out.rates, quantities: transpose(out.quantities),
                        status: out.status, why: out.why || ""});
  }

  function transpose(list) {  // [{m: [x, y]}, ...] per step -> {m: [[x, y], ...]} per name
    const out = {};
    list.forEach((q, i) => Object.entries(q).forEach(([name, v]) => {
      (out[name] = out[name] || [null])[i + 1] = v;
    }));
    return out;
  }

  // What a run's badge says at step k: running until its last step, then how it ended and why
  function badge(run, k, data) {
    const last = run.points.length - 1;
    if (run.status === UNDEFINED) return {word: UNDEFINED, why: run.why};
    if (k < last) return {word: "running", why: `step ${k} of ${last}`};
    const why = {
      converged: `step and gradient below tol ${g3(data.settings.tol)} at step ${last}`,
      diverged: run.why || `diverged at step ${last}`,
      "stopped early": `no better held-out loss for its patience; stopped at step ${last}`,
      "max steps": `ran all ${last} steps`}[run.status] || "";
    return {word: run.status === "max steps" ? "finished" : run.status,
            why: run.note ? `${why}. ${run.note}` : why};
  }

  // One colour per optimizer (its place in data.slots when free), its runs told apart by
  // dash; one colour per run when there is one optimizer: style.paint, in JavaScript (a test
  // runs both on the same runs). A run's own colour (--color) is drawn instead of its place's.
  // The counts come from the page's data (style.py): colours, dashes, and the crowd past
  // which runs are told apart by group.
  function paint(runs, slots, colours, dashes, crowd) {
    const order = [...new Set(runs.map((r) => r.optimizer))], place = new Map();
    for (const name of order) {
      let want = Object.hasOwn(slots, name) ? slots[name] : -1;
      const used = [...place.values()];
      if (!(want >= 0 && want < colours) || used.includes(want)) {
        const free = [...Array(colours).keys()].filter((c) => !used.includes(c));
        want = free.length ? free[0] : place.size % colours;
      }
      place.set(name, want);
    }
    const taken = new Set(), used = Array(colours).fill(0);
    runs.forEach((run, i) => {
      const own = place.get(run.optimizer);
      const wanted = order.length === 1 ? (own + i) % colours : own;
      if (runs.length > crowd) {  // told apart by group: the optimizer's colour, dash cycling
        run.colorIndex = wanted; run.dash = used[wanted]++ % dashes; return;
      }
      let colour = 0, dash = 0;
      for (let j = 0; j < colours * dashes; j++) {
        colour = (wanted + Math.floor(j / dashes)) % colours; dash = j % dashes;
        if (!taken.has(colour + "/" + dash)) break;
      }
      taken.add(colour + "/" + dash);
      run.colorIndex = colour; run.dash = dash;
    });
  }

  // Each optimizer's learning rates when the runs compare optimizers at different ones, else
  // null: fair_rates.unequal_rates in JavaScript (a test runs both on the same runs)
  function unequalRates(runs) {
    const rates = new Map();
    for (const run of runs) {
      const lr = run.hyperparameters.lr;
      if (run.tuned || typeof lr !== "number") continue;
      if (!rates.has(run.optimizer)) rates.set(run.optimizer, new Set());
      rates.get(run.optimizer).add(lr);
    }
    const sorted = (set) => [...set].sort((a, b) => a - b);
    const kinds = new Set([...rates.values()].map((set) => sorted(set).join()));
    if (rates.size < 2 || kinds.size < 2) return null;
    return Object.fromEntries([...rates].map(([name, set]) => [name, sorted(set)]));
  }

  function ratesNote(runs) {
    const rates = unequalRates(runs);
    if (!rates) return "";
    const listed = Object.entries(rates).map(([k, v]) => `${k} ${v.map(g3).join("/")}`);
    return `note: the learning rates differ between optimizers (${listed.join(", ")}); `
      + "one rate for all compares the update rules alone";
  }

  // --- links ------------------------------------------------------------------------------
  // The fragment holds what differs from the page as made: runs (optimizer, changed values,
  // names the label shows, shown or not), the start, the step and the lr lock.
  function encode(st, data) {
    const runs = st.runs.map((r) => {
      if (!r.live) return {rec: r.recorded, v: r.visible ? 1 : 0};
      const base = data.optimizers[r.optimizer].values, h = {};
      for (const [k, v] of Object.entries(r.hyperparameters)) if (v !== base[k]) h[k] = v;
      return {o: r.optimizer, h, g: [...r.given], v: r.visible ? 1 : 0, s: r.start};
    });
    return encodeURIComponent(JSON.stringify({surface: data.surface.name, runs, k: st.k,
                                              lock: st.lock ? 1 : 0, view: st.view}));
  }

  // The state a fragment asks for, checked piece by piece: {state} or {problem} in words.
  function decode(text, data) {
    let asked;
    try { asked = JSON.parse(decodeURIComponent(text)); } catch (e) {
      return {problem: "the link's view is not readable (cut short when it was copied?)"};
    }
    if (!asked || typeof asked !== "object" || !Array.isArray(asked.runs) || !asked.runs.length) {
      return {problem: "the link's view has no runs"};
    }
    if (asked.surface !== data.surface.name) {
      return {problem: `the link is a view of ${describe(asked.surface)}, this page is `
              + data.surface.name};
    }
    const most = maxRuns(data);
    if (asked.runs.length > most) {
      return {problem: `the link asks for ${asked.runs.length} runs; this page holds ${most}`};
    }
    const runs = [];
    for (const [i, r] of asked.runs.entries()) {
      const made = r && typeof r === "object" ? decodeRun(r, data) : {problem: "not a run"};
      if (made.problem) return {problem: `run ${i + 1} of the link: ${made.problem}`};
      runs.push(made.run);
    }
    if (asked.k !== undefined && !(Number.isInteger(asked.k) && asked.k >= 0)) {
      return {problem: `its step is a whole number from 0, got ${describe(asked.k)}`};
    }
    if (asked.lock !== undefined && asked.lock !== 0 && asked.lock !== 1) {
      return {problem: `its lr lock is 0 or 1, got ${describe(asked.lock)}`};
    }
    return {state: {runs, k: asked.k ?? null, lock: asked.lock === 1, view: viewOf(asked.view)}};
  }

  // The view's switches a link keeps (arrows, side view, speed, slow start, theme): what is
  // not one of them is left as the page makes it
  const SPEEDS = ["0.25", "1", "4", "16"], THEMES = ["auto", "light", "dark"];
  function viewOf(v) {
    const out = {};
    if (!v || typeof v !== "object") return out;
    for (const name of ["arrows", "side", "slow"]) if (typeof v[name] === "boolean") out[name] = v[name];
    if (SPEEDS.includes(v.speed)) out.speed = v.speed;
    if (THEMES.includes(v.theme)) out.theme = v.theme;
    return out;
  }

  // How many runs a page holds: MAX_RUNS, fewer when its runs are long (the browser makes
  // every live step again at once, and LIVE_WORK of them take about 3 s)
  const maxRuns = (data) => Math.max(1, Math.min(data.limits.runs,
                                                 Math.floor(data.limits.work / data.settings.steps)));

  function decodeRun(r, data) {
    if (r.v !== undefined && r.v !== 0 && r.v !== 1) {
      return {problem: `shown is 0 or 1, got ${describe(r.v)}`};
    }
    const visible = r.v !== 0;
    if ("rec" in r) {
      const made = Number.isInteger(r.rec) ? data.runs[r.rec] : null;
      if (!made || made.live) return {problem: "no such recorded run"};
      return {run: {recorded: r.rec, visible}};
    }
    if (typeof r.o !== "string" || !Object.hasOwn(data.optimizers, r.o)) {
      return {problem: `this page has no optimizer ${describe(r.o)}`};
    }
    if (r.h !== undefined && (typeof r.h !== "object" || r.h === null || Array.isArray(r.h))) {
      return {problem: `its hyperparameters are a table of names and values, got ${describe(r.h)}`};
    }
    if (r.g !== undefined && !(Array.isArray(r.g) && r.g.every((n) => typeof n === "string"))) {
      return {problem: `the names its label shows are a list of names, got ${describe(r.g)}`};
    }
    // each value checked with the link's others in place: the file's requires hold between
    // the final values, whatever order the link lists them in
    const h = {...data.optimizers[r.o].values, ...(r.h || {})};
    for (const [k, v] of Object.entries(r.h || {})) {
      const why = problem(data, r.o, k, v, h);
      if (why) return {problem: why};
    }
    const start = r.s;
    if (!Array.isArray(start) || start.length !== 2 || !start.every(Number.isFinite)
        || start.some((v, i) => v < data.lo[i] || v > data.hi[i])) {
      return {problem: "its start is not a point within the surface's reach"};
    }
    const given = (r.g || []).filter((n) => Object.hasOwn(h, n));
    return {run: {optimizer: r.o, hyperparameters: h, given: new Set(given), visible, start}};
  }

  // --- the command --------------------------------------------------------------------------
  const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : "'" + a.replace(/'/g, "'\"'\"'") + "'");
  const number = String;  // true/false, and a number's shortest text that reads back exactly

  function optSpec(run, data) {
    const entry = data.optimizers[run.optimizer];
    const base = entry ? entry.values : {};  // (a recorded run: every value, as it ran)
    const parts = Object.entries(run.hyperparameters)
      .filter(([k, v]) => k === "lr" || run.given.has(k) || v !== base[k])
      .map(([k, v]) => `${k}=${number(v)}`);
    return run.spec + (parts.length ? ":" + parts.join(",") : "");
  }

  // Why no `adamviz run` line makes this run (null: one does)
  function unmakeable(run) {
    if (run.status === UNDEFINED) return `${run.label} starts where the loss is undefined`;
    if (run.heldOut) {
      return `${run.label} stopped early on a held-out loss given in Python (api.run's `
        + "monitor), which no flag of adamviz run makes";
    }
    if (!run.spec) return `${run.label}'s optimizer is not a rule file`;
    return null;
  }

  // The `adamviz run` line whose --export holds these very paths (a recorded run's as it was
  // recorded: with its noise, schedule or patience); throws, saying why, when no line can.
  function command(runs, data, file = "paths.json") {
    if (typeof file !== "string" || !/\.json$/.test(file) || file.startsWith("-")) {
      throw new Error(`the export is a .json file name not starting with "-", got ${describe(file)}`);
    }
    if (!data.surface.argument) {
      throw new Error("this surface has no file a shell can name (it was made in Python): "
                      + "save it as a .toml file to run it from the shell");
    }
    if (!runs.length) throw new Error("there are no runs");
    for (const run of runs) { const why = unmakeable(run); if (why) throw new Error(why); }
    const s = data.settings, extra = [
      ...(s.noise ? ["--noise", number(s.noise), "--seed", number(s.seed)] : []),
      ...(s.patience ? ["--patience", number(s.patience)] : []),
      ...(s.schedule ? ["--schedule", s.schedule] : [])];
    // one line when the runs are every optimizer from every start, optimizer-major (the
    // order `run` numbers them in); else one line per run
    const specs = [...new Set(runs.map((r) => optSpec(r, data)))];
    const starts = [...new Set(runs.map((r) => r.start.map(number).join(",")))];
    const product = specs.flatMap((sp) => starts.map((p) => sp + " " + p));
    const whole = product.length === runs.length && runs.every(
      (r, i) => product[i] === optSpec(r, data) + " " + r.start.map(number).join(","));
    const line = (ss, ps, out) => ["adamviz", "run", "-s", data.surface.argument,
      ...ss.flatMap((sp) => ["--opt", sp]), ...ps.flatMap((p) => ["--start", p]),
      "--steps", String(s.steps), "--tol", number(s.tol || 0), ...extra,
      "--export", out, "--no-plot"].map(quote).join(" ");
    if (whole) return line(specs, starts, file);
    return runs.map((r, i) => line([optSpec(r, data)], [r.start.map(number).join(",")],
                                   file.replace(/\.json$/, `-${i + 1}.json`))).join("\n");
  }

  return {g, g3, short, label, relabel, controlsOf, problem, describe, maxRuns, compute, badge, paint,
          unequalRates, ratesNote, encode, decode, command, quote, UNDEFINED};
})();

if (typeof module !== "undefined") module.exports = {Model};
