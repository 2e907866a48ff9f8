#!/bin/bash
# Runs short experiments one after another (never two trainings at once): each line of queue.txt is
# "NAME train.py-args"; a line is taken only when no train.py of ours runs.
cd /work/scratch/enc
while true; do
  while pgrep -f "enc/train.py|python train.py" > /dev/null || pgrep -f "eval_suite.py" > /dev/null; do sleep 20; done
  line=$(head -1 queue.txt)
  [ -z "$line" ] && exit 0
  sed -i 1d queue.txt
  echo "$(date +%T) start $line" >> logs/queue.log
  ./run_short.sh $line
  echo "$(date +%T) done $line" >> logs/queue.log
done
