// adamviz's optimizers in JavaScript, for the player: each is adamviz/optimizers/*.py (torch's
// single-tensor code) operation for operation, per coordinate, so a path computed here is the
// engine's path. make(name, h) -> {init(p), update(g, p, s) -> step}; the new point is p + step,
// as the engine adds it. tests/test_player.py runs these under Node against the torch reference.
"use strict";

function lerp(a, b, w) {  // torch.lerp: two branches
  return Math.abs(w) < 0.5 ? a + (b - a) * w : b - (b - a) * (1 - w);
}

function l2(g, p, wd) {  // coupled weight decay: grad + wd*param
  return wd === 0 ? g : g + wd * p;
}

const OPTIMIZERS = {
  sgd(h) {
    const {lr, momentum, dampening, weight_decay: wd, nesterov} = h;
    return {
      init: (p) => ({t: 0, buf: p.map(() => 0)}),
      update(g0, p, s) {
        const step = [];
        for (let i = 0; i < p.length; i++) {
          let g = l2(g0[i], p[i], wd);
          if (momentum !== 0) {
            s.buf[i] = s.t === 0 ? g : s.buf[i] * momentum + (1 - dampening) * g;
            g = nesterov ? g + momentum * s.buf[i] : s.buf[i];
          }
          step.push(-lr * g);
        }
        s.t += 1;
        return step;
      },
      quantities: (s) => (momentum !== 0 ? {b: s.buf} : {}),
      rate: (s) => s.buf.map(() => lr),
    };
  },
  momentum(h) { return OPTIMIZERS.sgd({nesterov: false, ...h}); },
  nesterov(h) { return OPTIMIZERS.sgd({dampening: 0, ...h, nesterov: true}); },
  adagrad(h) {
    const {lr, lr_decay, weight_decay: wd, initial_accumulator_value: s0, eps} = h;
    return {
      init: (p) => ({t: 0, sum: p.map(() => s0)}),
      update(g0, p, s) {
        const t = s.t + 1, clr = lr / (1 + (t - 1) * lr_decay), step = [];
        for (let i = 0; i < p.length; i++) {
          const g = l2(g0[i], p[i], wd);
          s.sum[i] = s.sum[i] + g * g;
          step.push((-clr * g) / (Math.sqrt(s.sum[i]) + eps));
        }
        s.t = t;
        return step;
      },
      quantities: (s) => ({s: s.sum}),
      rate: (s) => s.sum.map((v) => lr / (1 + (s.t - 1) * lr_decay) / (Math.sqrt(v) + eps)),
    };
  },
  rmsprop(h) {
    const {lr, alpha, eps, weight_decay: wd, momentum, centered} = h;
    return {
      init: (p) => ({t: 0, v: p.map(() => 0), gAvg: p.map(() => 0), buf: p.map(() => 0)}),
      update(g0, p, s) {
        const step = [];
        for (let i = 0; i < p.length; i++) {
          const g = l2(g0[i], p[i], wd);
          s.v[i] = s.v[i] * alpha + ((1 - alpha) * g) * g;
          let avg;
          if (centered) {
            s.gAvg[i] = lerp(s.gAvg[i], g, 1 - alpha);
            avg = Math.sqrt(s.v[i] - s.gAvg[i] * s.gAvg[i]) + eps;
          } else {
            avg = Math.sqrt(s.v[i]) + eps;
          }
          if (momentum > 0) {
            s.buf[i] = s.buf[i] * momentum + g / avg;
            step.push(-lr * s.buf[i]);
          } else {
            step.push((-lr * g) / avg);
          }
        }
        s.t += 1;
        return step;
      },
      quantities: (s) => ({v: s.v}),
      rate: (s) => s.v.map((v, i) => lr / (Math.sqrt(centered ? v - s.gAvg[i] * s.gAvg[i] : v)
                                           + eps)),
    };
  },
  adam(h) { return adamFamily(h, false); },
  adamw(h) { return adamFamily({bias_correction: true, eps_inside_sqrt: false, ...h}, true); },
  adamax(h) {
    const {lr, beta1, beta2, eps, weight_decay: wd} = h;
    return {
      init: (p) => ({t: 0, m: p.map(() => 0), u: p.map(() => 0)}),
      update(g0, p, s) {
        const t = s.t + 1, clr = lr / (1 - Math.pow(beta1, t)), step = [];
        for (let i = 0; i < p.length; i++) {
          const g = l2(g0[i], p[i], wd);
          s.m[i] = lerp(s.m[i], g, 1 - beta1);
          s.u[i] = Math.max(s.u[i] * beta2, Math.abs(g) + eps);
          step.push((-clr * s.m[i]) / s.u[i]);
        }
        s.t = t;
        return step;
      },
      quantities: (s) => ({m: s.m, u: s.u}),
      rate: (s) => s.u.map((u) => lr / u),
    };
  },
  nadam(h) {
    const {lr, beta1, beta2, eps, weight_decay: wd, momentum_decay: psi,
           decoupled_weight_decay: decoupled} = h;
    return {
      init: (p) => ({t: 0, m: p.map(() => 0), v: p.map(() => 0), muProduct: 1.0}),
      update(g0, p, s) {
        const t = s.t + 1, bc2 = 1 - Math.pow(beta2, t);
        const mu = beta1 * (1.0 - 0.5 * Math.pow(0.96, t * psi));
        const muNext = beta1 * (1.0 - 0.5 * Math.pow(0.96, (t + 1) * psi));
        const muProduct = s.muProduct * mu, step = [];
        for (let i = 0; i < p.length; i++) {
          const g = decoupled ? g0[i] : l2(g0[i], p[i], wd);
          const start = decoupled && wd !== 0 ? p[i] * (1 - lr * wd) : p[i];
          s.m[i] = lerp(s.m[i], g, 1 - beta1);
          s.v[i] = s.v[i] * beta2 + ((1 - beta2) * g) * g;
          const den = Math.sqrt(s.v[i] / bc2) + eps;
          let x = start + ((-lr * (1.0 - mu) / (1.0 - muProduct)) * g) / den;
          x = x + (((-lr * muNext) / (1.0 - muProduct * muNext)) * s.m[i]) / den;
          step.push(x - p[i]);
        }
        s.t = t;
        s.muProduct = muProduct;
        return step;
      },
      quantities: (s) => ({m: s.m, v: s.v}),
      rate: (s) => s.v.map((v) => lr / (Math.sqrt(v / (1 - Math.pow(beta2, s.t))) + eps)),
    };
  },
  radam(h) {
    const {lr, beta1, beta2, eps, weight_decay: wd, decoupled_weight_decay: decoupled} = h;
    return {
      init: (p) => ({t: 0, m: p.map(() => 0), v: p.map(() => 0)}),
      update(g0, p, s) {
        const t = s.t + 1, bc2 = 1 - Math.pow(beta2, t), rect = rectification(t, beta2);
        const step = [];
        for (let i = 0; i < p.length; i++) {
          const g = decoupled ? g0[i] : l2(g0[i], p[i], wd);
          s.m[i] = lerp(s.m[i], g, 1 - beta1);
          s.v[i] = s.v[i] * beta2 + ((1 - beta2) * g) * g;
          let d = (s.m[i] / (1 - Math.pow(beta1, t))) * lr;
          if (rect !== null) {
            d = (d * (Math.pow(bc2, 0.5) / (Math.sqrt(s.v[i]) + eps))) * rect;
          }
          d = d * -1.0;
          if (decoupled && wd !== 0) {
            d = (p[i] * (1 - lr * wd) + d) - p[i];
          }
          step.push(d);
        }
        s.t = t;
        return step;
      },
      quantities: (s) => ({m: s.m, v: s.v}),
      rate(s) {
        const rect = rectification(s.t, beta2);
        return s.v.map((v) => (rect === null ? lr : lr * rect * Math.pow(1 - Math.pow(beta2, s.t),
                                                                         0.5) / (Math.sqrt(v) + eps)));
      },
    };
  },
};

function rectification(t, beta2) {  // RAdam's r_t, or null while rho_t <= 5
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - 2 * t * Math.pow(beta2, t) / (1 - Math.pow(beta2, t));
  if (rhoT <= 5.0) return null;
  return Math.pow((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT), 0.5);
}

function adamFamily(h, decoupled) {
  const {lr, beta1, beta2, eps, weight_decay: wd, amsgrad} = h;
  const biasCorrection = h.bias_correction !== false, inside = h.eps_inside_sqrt === true;
  return {
    init: (p) => ({t: 0, m: p.map(() => 0), v: p.map(() => 0), vMax: p.map(() => 0)}),
    update(g0, p, s) {
      const t = s.t + 1;
      const bc1 = biasCorrection ? 1 - Math.pow(beta1, t) : 1.0;
      const bc2 = biasCorrection ? 1 - Math.pow(beta2, t) : 1.0;
      const step = [];
      for (let i = 0; i < p.length; i++) {
        const g = decoupled ? g0[i] : l2(g0[i], p[i], wd);
        s.m[i] = lerp(s.m[i], g, 1 - beta1);
        s.v[i] = s.v[i] * beta2 + ((1 - beta2) * g) * g;
        if (amsgrad) s.vMax[i] = Math.max(s.vMax[i], s.v[i]);
        const second = amsgrad ? s.vMax[i] : s.v[i];
        const den = inside ? Math.sqrt(second / bc2 + eps)
                           : Math.sqrt(second) / Math.pow(bc2, 0.5) + eps;
        let d = (-(lr / bc1) * s.m[i]) / den;
        if (decoupled && wd !== 0) d = (p[i] * (1 - lr * wd) + d) - p[i];
        step.push(d);
      }
      s.t = t;
      return step;
    },
    quantities: (s) => ({m: s.m, v: s.v}),
    rate(s) {
      const bc2 = biasCorrection ? 1 - Math.pow(beta2, s.t) : 1.0;
      return (amsgrad ? s.vMax : s.v).map((v) => (inside ? lr / Math.sqrt(v / bc2 + eps)
                                                   : lr / (Math.sqrt(v) / Math.pow(bc2, 0.5) + eps)));
    },
  };
}

function makeOptimizer(name, hyperparams) {
  if (!(name in OPTIMIZERS)) throw new Error(`no player port of ${name}`);
  return OPTIMIZERS[name](hyperparams);
}

if (typeof module !== "undefined") module.exports = {makeOptimizer, OPTIMIZERS};
