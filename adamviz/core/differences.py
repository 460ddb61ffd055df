"""Central differences: the derivative of a loss written in Python, when its author gives no
gradient, and the yardstick a given gradient is checked against."""

from __future__ import annotations

# The step that balances truncation (h^2) against rounding (eps/h).
STEP = 2.0 ** (-52 / 3)  # eps^(1/3), about 6.1e-6, times max(1, |x|)
NUMERICAL = f"central differences, h = {STEP:.2g}*max(1, |x|)"


def central(f, rows):
    """d f / d(each row) at ``rows`` (D, n) as a (D, n) array; ``f`` maps rows to (n,)."""
    import numpy as np

    out = np.empty(rows.shape)
    for i in range(len(rows)):
        up, down = np.array(rows, dtype=float), np.array(rows, dtype=float)
        h = STEP * np.maximum(1.0, np.abs(rows[i]))
        up[i] += h
        down[i] -= h
        with np.errstate(all="ignore"):
            out[i] = (f(up) - f(down)) / (up[i] - down[i])
    return out
