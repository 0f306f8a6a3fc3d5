"""Run a command and report its peak memory: peak_rss.py CMD [ARG...]

The command's output passes through; then one line `peak_rss_kib N` goes to
stdout, N being the largest resident set of the command (Linux reports
ru_maxrss in KiB).  Exits with the command's status.  Used by bench.sh so
both sides of the benchmark are measured the same way without needing
GNU time installed.
"""
import resource
import subprocess
import sys

if len(sys.argv) < 2:
    sys.exit(__doc__.split("\n")[0])
# RUSAGE_CHILDREN covers only waited-for children, so one child means the
# figure is that child's.  Linux keeps the high-water mark of the memory a
# child had before exec, a copy of this interpreter, so no figure reads below
# ~10 MiB; both benchmarked trainers hold 55 MB of pixels, far above that.
status = subprocess.call(sys.argv[1:])
print(f"peak_rss_kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", flush=True)
sys.exit(status if status >= 0 else 128 - status)
