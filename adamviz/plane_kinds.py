"""The planes a network's runs can be drawn on, by name, with what each is (``--plane``'s
choices and help, the surface file's ``plane`` key and the README read this; the planes
themselves are made in ``studies/planes.py``). No numpy here: ``--help`` stays fast."""

PLANES = {
    "pca": "the plane of the two principal directions of all runs' paths together (one "
           "landscape for all; it says what share of their variance it holds)",
    "random": "two filter-normalised random directions (Li et al. 2018) through the end of the "
              "run with the lowest loss (--seed picks them)",
    "hessian": "the top two eigenvectors of the exact Hessian at the end of the run with the "
               "lowest loss (the sharpest directions there)",
}

# How titles name each plane ("paths on the PCA plane")
TITLES = {"pca": "PCA", "random": "random", "hessian": "Hessian"}


def markdown_table() -> str:
    """The README's table of planes."""
    return "\n".join(["| `--plane` | the runs are drawn on |", "| --- | --- |",
                      *(f"| `{k}` | {v} |" for k, v in PLANES.items())])
