"""Studies decide which runs to make and what they mean: runs (the base), tuning, sweeps,
basins, batch files, figure recipes and their claims, and traces. They produce plain data;
drawing it is the renderers' job."""
