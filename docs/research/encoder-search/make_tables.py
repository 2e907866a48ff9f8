"""Markdown tables for REPORT.md from results/*.json (suite and local-check results)."""
import json
import sys
from pathlib import Path

R = Path("/work/scratch/enc/results")


def suite_rows(files):
    print("| features | corpus held-out NMI (×raw) | 10-NN | intel NMI (×raw) | 10-NN | landmarks NMI | 10-NN | places LOO 1-NN | + 845 distractors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in files:
        r = json.loads((R / f).read_text())
        raw = r.get("raw32")
        for name, v in r.items():
            if name == "sizes" or not isinstance(v, dict) or "corpus_heldout" not in v:
                continue
            def ratio(k):
                return f" ({v['corpus_heldout' if k == 'c' else 'intel']['nmi'] / raw['corpus_heldout' if k == 'c' else 'intel']['nmi']:.2f}×)" if raw else ""
            c, i, lm = v["corpus_heldout"], v["intel"], v["landmarks_heldout"]
            print(f"| {name} [{f}] | {c['nmi']:.3f}{ratio('c')} | {c['knn10']:.3f} | {i['nmi']:.3f}{ratio('i')} | {i['knn10']:.3f} | "
                  f"{lm['nmi']:.3f} | {lm['knn10']:.3f} | {v['places_loo_1nn']:.3f} | {v['places_loo_1nn_with_distractors']:.3f} |")


def local_rows(f):
    r = json.loads((R / f).read_text())
    print(f"shortlist recall (right album among top-k by code): {r['shortlist_recall']}  queries {r['queries']}")
    print("| method (confidence) | wrong ≤ 0.02: placed / wrong / unrelated placed | wrong ≤ 0.05 | places-dev placed @≤0.05 | landmarks placed @≤0.05 |")
    print("|---|---|---|---|---|")
    for name, v in r["methods"].items():
        p = v["points"]
        def fmt(x):
            return "—" if x is None else f"{x['placed']:.3f} / {x['wrong']:.3f} / {x['unrelated_placed']:.3f}"
        p5 = p["wrong<=0.05"]
        print(f"| {name} | {fmt(p['wrong<=0.02'])} | {fmt(p5)} | {p5 and p5.get('places_placed')} | {p5 and p5.get('landmarks_placed')} |")


if __name__ == "__main__":
    if sys.argv[1] == "suite":
        suite_rows(sys.argv[2:])
    else:
        local_rows(sys.argv[2])
