#!/bin/bash
# usage: snap_eval.sh RUN SNAP : BN re-calibrated at the run's test size, then the suite
cd /work/scratch/enc
export OMP_NUM_THREADS=1
PY=/work/wt/enc-research/.venv/bin/python
nice -n 12 $PY retarget.py runs/$1/$2.pt --size 112 --out runs/$1/${2}_112.pt
nice -n 12 $PY eval_suite.py ckpt:runs/$1/${2}_112.pt --json results/$1_$2.json
