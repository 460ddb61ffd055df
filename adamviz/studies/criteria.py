"""What fair tuning can minimize (a registry with no numpy, so ``--help`` can list it)."""

CRITERIA = {
    "final-loss": "the mean final loss",
    "distance": "the mean distance to the nearest global minimum",
    "steps": "the mean steps to converge (runs that never do count as steps + 1)",
    "validation-loss": "the mean final loss on the validation rows (a loss over data or a "
                       "network with `validation`)",
}
DEFAULT_GRID = "1e-4:1:13"  # LOW:HIGH:COUNT, log-spaced learning rates


def markdown_table() -> str:
    lines = ["| criterion | minimizes |", "| --- | --- |"]
    lines += [f"| `{k}` | {v} |" for k, v in CRITERIA.items()]
    return "\n".join(lines)
