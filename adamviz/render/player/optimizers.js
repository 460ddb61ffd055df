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

// A hyperparameter's value as the programs take it: fixed, given, else the default; a switch
// as 1 or 0. (Own properties only: a hyperparameter may be called "constructor".)
function hyperValue(spec, h, n) {
  const own = (o) => Object.prototype.hasOwnProperty.call(o, n);
  const v = own(spec.fixed) ? spec.fixed[n] : (own(h) ? h[n] : spec.defaults[n]);
  return v === true ? 1 : v === false ? 0 : v;
}

// Every program takes the same inputs: the hyperparameters, t, the scalar state, then g, p and
// the state kept per coordinate. One argument list is filled in place for every call (no
// spreading, no copies: a live run of 300,000 steps stays quick). `checks` are the file's
// requires, each a program of the hyperparameters giving [condition, then]; make.requires(h)
// is the message of the first that fails (as optimizers/compiled.py refuses them), else null.
function ruleOptimizer(spec, update, first, report, shown, ...checks) {
  const make = function (h) {
    const value = (n) => hyperValue(spec, h, n);
    const nh = spec.hyperparameters.length, scalars = spec.scalarState;
    const scalar = new Set(scalars);
    const arrays = spec.state.filter((n) => !scalar.has(n));
    const at = nh + 1 + scalars.length;  // where g goes; p after it, then the arrays
    const args = spec.hyperparameters.map(value).concat(Array(1 + scalars.length + 2
                                                              + arrays.length).fill(0));
    const call = (fn, t, s, g, p, i) => {
      args[nh] = t;
      for (let j = 0; j < scalars.length; j++) args[nh + 1 + j] = s[scalars[j]];
      args[at] = g; args[at + 1] = p;
      for (let j = 0; j < arrays.length; j++) args[at + 2 + j] = s[arrays[j]][i];
      return fn.apply(null, args);
    };
    const none = {_t: 0};
    for (const n of scalars) none[n] = 0;
    for (const n of arrays) none[n] = [0];
    const firsts = call(first, 0, none, 0, 0, 0), keep = call(shown, 0, none, 0, 0, 0);
    let last = null, lastT = -1, lastS = null;
    function reported(s) {  // rate and trace after a step: computed once for both
      if (s === lastS && s._t === lastT) return last;
      const rows = [];
      for (let i = 0; i < s._dims; i++) rows.push(call(report, s._t, s, 0, 0, i));
      last = rows; lastT = s._t; lastS = s;
      return rows;
    }
    return {
      init(p) {
        const s = {_t: 0, _dims: p.length};
        spec.state.forEach((n, j) => { s[n] = scalar.has(n) ? firsts[j] : p.map(() => firsts[j]); });
        return s;
      },
      update(g, p, s) {
        const t = s._t + 1, d = p.length, next = new Array(d), outs = new Array(d);
        for (let i = 0; i < d; i++) {
          outs[i] = call(update, t, s, g[i], p[i], i);
          next[i] = outs[i][0];
        }
        spec.state.forEach((n, j) => {
          // (an update's outputs: the new point, then the state in its order)
          if (scalar.has(n)) { s[n] = outs[0][j + 1]; return; }
          const column = new Array(d);
          for (let i = 0; i < d; i++) column[i] = outs[i][j + 1];
          s[n] = column;
        });
        s._t = t;
        return next;
      },
      quantities(s) {
        const rows = reported(s), skip = spec.hasRate ? 1 : 0, out = {};
        spec.trace.forEach((n, j) => { if (keep[j]) out[n] = rows.map((r) => r[j + skip]); });
        return out;
      },
      rate(s) {
        if (spec.hasRate) return reported(s).map((r) => r[0]);
        const own = (o) => Object.prototype.hasOwnProperty.call(o, "lr");
        return own(h) || own(spec.defaults) ? Array(s._dims).fill(value("lr")) : null;
      },
    };
  };
  make.requires = (h) => {
    const args = spec.hyperparameters.map((n) => hyperValue(spec, h, n));
    for (let i = 0; i < checks.length; i++) {
      const [condition, then] = checks[i](...args);
      if (condition !== 0 && then === 0) return spec.requires[i];
    }
    return null;
  };
  return make;
}

function makeOptimizer(name, hyperparams) {
  if (!Object.prototype.hasOwnProperty.call(OPTIMIZERS, name)) {
    throw new Error(`no JavaScript of ${name}`);
  }
  return OPTIMIZERS[name](hyperparams);
}

if (typeof module !== "undefined") module.exports = {makeOptimizer, OPTIMIZERS, ruleOptimizer};
