"""The paces an animation can take: how its time follows the runs. Names and descriptions
only, free of numpy, so that ``--help`` can list them (``frames.py`` picks the frames)."""

PACES = {
    "path": "time follows the runs' movement: fast moves (crossing a hump) in slow motion, a "
            "slow convergence sped up",
    "loss": "time follows the fall of the loss: its big early drops in slow motion",
    "steps": "every frame the same number of steps",
}
DEFAULT = "path"
