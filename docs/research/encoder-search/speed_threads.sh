#!/bin/bash
# steps/s of a recipe at 1 and at 2 threads, back to back (same machine load), 16 steps each.
# usage: speed_threads.sh train.py-args...
cd /work/scratch/enc
PY=/work/wt/enc-research/.venv/bin/python
for t in 1 2; do
  OMP_NUM_THREADS=$t nice -n 10 $PY train.py --out runs/speed_t$t --threads $t --max-steps 16 --log-every 1000 "$@" 2>/dev/null | grep '"done"' | sed "s/^/threads=$t /"
  rm -rf runs/speed_t$t
done
uptime
