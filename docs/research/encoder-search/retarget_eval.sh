#!/bin/bash
# usage: retarget_eval.sh RUN SIZE... : BN re-calibrated at each side, then the suite
cd /work/scratch/enc
export OMP_NUM_THREADS=1
PY=/work/wt/enc-research/.venv/bin/python
run=$1; shift
srcs=""
for s in "$@"; do
  nice -n 12 $PY retarget.py runs/$run/final.pt --size $s --out runs/$run/final$s.pt
  srcs="$srcs ckpt:runs/$run/final$s.pt"
done
nice -n 12 $PY eval_suite.py $srcs --json results/${run}_sizes.json
