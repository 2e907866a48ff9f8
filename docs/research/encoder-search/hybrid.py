"""Hybrid placement from a local_check.py result: the code decides where it is clear-cut (global margin
>= m), else the local check on the shortlist decides if its score >= t. Prints the best operating points.

    python hybrid.py results/local_X.json fmr
"""
import json
import sys

import numpy as np

r = json.load(open(sys.argv[1]))
method = sys.argv[2]
truth = r["truth"]
g = r["decisions_global"]
loc = r[f"decisions_{method}"]
related = [i for i, t in enumerate(truth) if t[0]]
unrelated = [i for i, t in enumerate(truth) if not t[0]]
rows = []
for m in list(np.quantile([x[2] for x in g], [0.8, 0.9, 0.95, 0.98])) + [9.0]:
    for t in sorted(set(np.quantile([x[1] for x in loc], np.linspace(0, 1, 41)))):
        def decide(i):
            if g[i][2] >= m:
                return g[i][0]
            return loc[i][0] if loc[i][1] >= t else None
        d = [decide(i) for i in range(len(truth))]
        placed = np.mean([d[i] == truth[i][0] for i in related])
        wrong = np.mean([d[i] is not None and d[i] != truth[i][0] for i in related])
        un = np.mean([d[i] is not None for i in unrelated])
        pl = np.mean([d[i] == truth[i][0] for i in related if truth[i][1] == "places"])
        lm = np.mean([d[i] == truth[i][0] for i in related if truth[i][1] == "landmarks"])
        rows.append((float(m), float(t), placed, wrong, un, pl, lm))
for lim in (0.02, 0.05):
    ok = [x for x in rows if x[3] <= lim and x[4] <= 0.1]
    best = max(ok, key=lambda x: x[2]) if ok else None
    print(f"{method} hybrid wrong<={lim}:", best and "margin>=%.3f local>=%.1f placed %.3f wrong %.3f unrelated %.3f (places %.3f, landmarks %.3f)" % best)
