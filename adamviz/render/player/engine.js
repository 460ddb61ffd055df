// The engine's loop for one run, in JavaScript: the gradient from the surface's derivative
// program, the optimizer's new point taken as it is, stopping where adamviz.engine stops (a
// point that is not finite or leaves the escape box: diverged; step and gradient below tol:
// converged). Returns {points, losses, grads, quantities, rates, status, why}: rates[k] is the
// per-coordinate learning rate step k applied (the engine's effective_lr); why says, for a
// diverged run, what happened in words.
"use strict";

function runPath(valueAndGrad, optimizer, start, steps, options = {}) {
  const tol2 = options.tol ? options.tol * options.tol : 0;
  const lo = options.lo || [-Infinity, -Infinity], hi = options.hi || [Infinity, Infinity];
  let p = start.slice();
  const state = optimizer.init(p);
  let out = valueAndGrad(...p);  // the loss and gradient at p, one evaluation per step
  const points = [p.slice()], losses = [out[0]], grads = [], quantities = [], rates = [null];
  let status = "max steps", why = "";
  for (let k = 1; k <= steps; k++) {
    const g = out.slice(1);
    grads.push(g);
    if (!Number.isFinite(out[0])) {
      status = "diverged"; why = `the loss stopped being a number at step ${k - 1}`; break;
    }
    const next = optimizer.update(g, p, state);  // the optimizer's own new point
    const step = next.map((v, i) => v - p[i]);
    if (!next.every(Number.isFinite)) {
      status = "diverged"; why = `step ${k} overflowed (the point is not finite)`; break;
    }
    out = valueAndGrad(...next);
    points.push(next); losses.push(out[0]);
    if (next.some((v, i) => v < lo[i] || v > hi[i])) {
      status = "diverged"; why = `step ${k} flew more than 10 box sizes away`; break;
    }
    p = next;
    const q = optimizer.quantities ? optimizer.quantities(state) : {};
    quantities.push(Object.fromEntries(Object.entries(q).map(([n, v]) => [n, v.slice()])));
    rates.push(optimizer.rate ? optimizer.rate(state) : null);
    if (tol2) {
      const s2 = step.reduce((a, v) => a + v * v, 0), g2 = g.reduce((a, v) => a + v * v, 0);
      if (s2 < tol2 && g2 < tol2) { status = "converged"; break; }
    }
  }
  return {points, losses, grads, quantities, rates, status, why};
}

if (typeof module !== "undefined") module.exports = {runPath};
