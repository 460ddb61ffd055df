"""The planes a network's runs can be drawn on, by name, with what each is (``--plane``'s
choices and help, the surface file's ``plane`` key and the README read this; the planes
themselves are made in ``studies/planes.py``). No numpy here: ``--help`` stays fast."""

import math

PLANES = {
    "pca": "the plane of the two principal directions of all runs' paths together (one "
           "landscape for all; it says what share of their variance it holds)",
    "random": "two filter-normalised random directions (Li et al. 2018) through the end of the "
              "run with the lowest loss (--seed picks them)",
    "hessian": "the top two eigenvectors of the exact Hessian at the end of the run with the "
               "lowest loss (the sharpest directions there)",
}


def percent(share: float) -> str:
    """A share in [0, 1] as a percentage: whole percents, one more digit near 0 and 100 so
    that only all (to 1e-9) reads "100%" and only nothing reads "0%"; NaN (a share that could
    not be measured) reads so."""
    if not 0 <= share <= 1:
        return "an unknown share"
    if share >= 1 - 1e-9:
        return "100%"
    if share >= 0.99:
        return f"{math.floor(share * 1000) / 10:.1f}%"
    if share < 0.01:
        return f"{100 * share:.1g}%" if share > 1e-11 else "0%"
    return f"{share:.0%}"


# How titles name each plane ("paths on the PCA plane")
TITLES = {"pca": "PCA", "random": "random", "hessian": "Hessian"}


def markdown_table() -> str:
    """The README's table of planes."""
    return "\n".join(["| `--plane` | the runs are drawn on |", "| --- | --- |",
                      *(f"| `{k}` | {v} |" for k, v in PLANES.items())])
