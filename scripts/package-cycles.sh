#!/usr/bin/env bash
# Lists the package cycles among org.finetune4j's packages, from the compiled classes (jdeps, in the JDK):
# each pair of packages that import each other, then each group of packages that reach each other
# (a strongly connected component of the package graph), and the counts.
#
#   scripts/package-cycles.sh [CLASSES]      # default finetune4j-core/target/classes (run ./mvnw compile first)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
classes="${1:-$root/finetune4j-core/target/classes}"
jdeps -verbose:package -filter:none "$classes" 2>/dev/null \
  | awk '$1 ~ /^org\.finetune4j/ && $3 ~ /^org\.finetune4j/ && $1 != $3 { print $1, $3 }' | sort -u \
  | python3 -c '
import sys
edges = {}
for line in sys.stdin:
    a, b = line.split()
    edges.setdefault(a, set()).add(b)
    edges.setdefault(b, set())
short = lambda p: p[len("org.finetune4j."):] if p.startswith("org.finetune4j.") else p
pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
for a, b in pairs:
    print("pair", short(a), "<->", short(b))
index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        c = []
        while True:
            w = stack.pop(); on.discard(w); c.append(w)
            if w == v: break
        if len(c) > 1: comps.append(sorted(c))
sys.setrecursionlimit(10000)
for v in sorted(edges):
    if v not in index: visit(v)
for c in comps:
    print("cycle group (%d packages):" % len(c), " ".join(short(p) for p in c))
print("mutual pairs: %d, cycle groups: %d, packages in cycles: %d" % (len(pairs), len(comps), sum(map(len, comps))))
'
