#!/bin/bash
# The short comparison runs, one after another (never two trainings at once), each then evaluated.
# usage: run_short.sh NAME [train.py args...]
cd /work/scratch/enc
name=$1; shift
export OMP_NUM_THREADS=1
PY=/work/wt/enc-research/.venv/bin/python
nice -n 10 $PY train.py --out runs/$name "$@" > logs/$name.train.log 2>&1
nice -n 10 $PY eval_suite.py raw32 ckpt:runs/$name/final.pt ckpt:runs/$name/running_bn.pt --json results/$name.json > logs/$name.eval.log 2>&1
