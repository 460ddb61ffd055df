"""Run a command and print its wall time, peak resident memory (KiB) and CPU time (user +
system, seconds): `python _peak.py CMD...`."""

import resource
import subprocess
import sys
import time

start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{elapsed:.4f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.4f}")
