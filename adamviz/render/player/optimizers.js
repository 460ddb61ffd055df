// The player's optimizers: each is its optimizer file's rule, compiled by adamviz to
// straight-line programs (core/rule_programs.py) and written here by render/jsprogram.py as
// OPTIMIZERS[name] = ruleOptimizer(spec, update, first, report, shown). Nothing here is written by
// hand per optimizer: this file only runs those programs per coordinate, with the
// hyperparameters as inputs, and hands back the new point the rule computes, as the engine
// takes it. tests/test_player.py runs every optimizer under Node against the torch reference.
"use strict";

const OPTIMIZERS = {};

// numpy's (and torch's) special cases of an array to a number's power (programs._power)
function tpow(x, e) {
  switch (e) {
    case 0: return 1;
    case 1: return x;
    case 2: return x * x;
    case 3: return x * x * x;
    case -1: return 1 / x;
    case -2: return 1 / (x * x);
    case 0.5: return Math.sqrt(x);
    case -0.5: return 1 / Math.sqrt(x);
    default: return Math.pow(x, e);
  }
}

// Every program takes the same inputs: the hyperparameters, t, the scalar state, then g, p and
// the state kept per coordinate.
function ruleOptimizer(spec, update, first, report, shown) {
  return function (h) {
    const value = (n) => {
      const v = n in spec.fixed ? spec.fixed[n] : (n in h ? h[n] : spec.defaults[n]);
      return v === true ? 1 : v === false ? 0 : v;
    };
    const hv = spec.hyperparameters.map(value);
    const scalar = new Set(spec.scalarState);
    const arrays = spec.state.filter((n) => !scalar.has(n));
    const call = (fn, t, s, g, p, i) => fn(...hv, t, ...spec.scalarState.map((n) => s[n]),
                                          g, p, ...arrays.map((n) => s[n][i]));
    const none = [0, ...spec.scalarState.map(() => 0), 0, 0, ...arrays.map(() => 0)];
    const firsts = first(...hv, ...none), keep = shown(...hv, ...none);
    function reported(s) {
      const rows = [];
      for (let i = 0; i < s._dims; i++) rows.push(call(report, s._t, s, 0, 0, i));
      return rows;
    }
    return {
      init(p) {
        const s = {_t: 0, _dims: p.length};
        spec.state.forEach((n, j) => { s[n] = scalar.has(n) ? firsts[j] : p.map(() => firsts[j]); });
        return s;
      },
      update(g, p, s) {
        const t = s._t + 1, outs = [];
        for (let i = 0; i < p.length; i++) outs.push(call(update, t, s, g[i], p[i], i));
        spec.state.forEach((n, j) => {
          s[n] = scalar.has(n) ? outs[0][j + 1] : outs.map((o) => o[j + 1]);
        });
        s._t = t;
        return outs.map((o) => o[0]);
      },
      quantities(s) {
        const rows = reported(s), skip = spec.hasRate ? 1 : 0, out = {};
        spec.trace.forEach((n, j) => { if (keep[j]) out[n] = rows.map((r) => r[j + skip]); });
        return out;
      },
      rate(s) {
        if (spec.hasRate) return reported(s).map((r) => r[0]);
        return "lr" in h || "lr" in spec.defaults ? Array(s._dims).fill(value("lr")) : null;
      },
    };
  };
}

function makeOptimizer(name, hyperparams) {
  if (!(name in OPTIMIZERS)) throw new Error(`no JavaScript of ${name}`);
  return OPTIMIZERS[name](hyperparams);
}

if (typeof module !== "undefined") module.exports = {makeOptimizer, OPTIMIZERS, ruleOptimizer};
