#!/usr/bin/env bash
# Finetune4j's `bench` and Transformers (scripts/bench-transformers.py) on the same cases, interleaved in one
# run: for each round, each case and each dtype, one Finetune4j JVM then one Python process (and, with
# BEFORE=path/to/another/finetune4j launcher, that build too, float32 only). Prints every run as it ends
# (with the load average), then the median over the rounds of each side's median step time, the
# ratio Finetune4j / Transformers and the spread.
#
#   scripts/bench-side-by-side.sh [ROUNDS] [CASE ...]
#   env: PYTHON (default python3), DTYPES (default "float32 bfloat16"), STEPS (5), WARMUP (2),
#        THREADS (default FINETUNE4J_THREADS or nproc), BEFORE (another launcher, e.g. of the previous engine)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(bert-base-8x128 bert-tiny-32x128 gpt2-small-4x128 gpt2-small-4x128-lora)
python="${PYTHON:-python3}"
steps="${STEPS:-5}"
warmup="${WARMUP:-2}"
threads="${THREADS:-${FINETUNE4J_THREADS:-$(nproc)}}"
log="$(mktemp)"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

run() { # SIDE DTYPE CASE COMMAND...
  local side="$1" dtype="$2" case="$3" load
  shift 3
  load="$(cut -d' ' -f1 /proc/loadavg)"
  local t
  t="$("$@" | "$python" -c '
import json, sys
s = sys.stdin.read().strip()
try:
    r = json.loads(s)
except ValueError:
    r = json.loads(s.splitlines()[-1])
r = r[-1] if isinstance(r, list) else r
print(r["step_time_s"], r["peak_rss_mb"])')"
  echo "$side $dtype $case $t load $load" | tee -a "$log"
}

for r in $(seq "$rounds"); do
  for c in "${cases[@]}"; do
    for d in ${DTYPES:-float32 bfloat16}; do
      flag=()
      [ "$d" = bfloat16 ] && flag=(--bf16)
      run finetune4j "$d" "$c" env FINETUNE4J_THREADS="$threads" "$root/finetune4j" bench --case "$c" --steps "$steps" \
        --warmup "$warmup" --json "${flag[@]}"
      run transformers "$d" "$c" "$python" "$root/scripts/bench-transformers.py" --case "$c" --threads "$threads" \
        --steps "$steps" --warmup "$warmup" "${flag[@]}"
      if [ -n "${BEFORE:-}" ] && [ "$d" = float32 ]; then
        run before "$d" "$c" env FINETUNE4J_THREADS="$threads" "$BEFORE" bench --case "$c" --steps "$steps" \
          --warmup "$warmup" --json
      fi
    done
  done
done

"$python" - "$log" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
loads = []
for line in open(sys.argv[1]):
    side, dtype, case, t, rss, _, load = line.split()
    runs[(case, dtype, side)].append((float(t), float(rss)))
    loads.append(float(load))
print(f"\nmedian over rounds of each run's median step time (s); spread = min-max; load average {min(loads)}-{max(loads)}")
print(f"{'case':24} {'dtype':9} {'finetune4j':>22} {'transformers':>22} {'ratio':>6} {'before':>22} {'peak RSS MB f4j/hf/before':>28}")
for case, dtype in sorted({(c, d) for c, d, _ in runs}):
    def cell(side):
        v = runs.get((case, dtype, side))
        if not v:
            return "", None, ""
        ts = [t for t, _ in v]
        return f"{statistics.median(ts):.4f} ({min(ts):.3f}-{max(ts):.3f})", statistics.median(ts), f"{max(r for _, r in v):.0f}"
    f, fm, fr = cell("finetune4j")
    h, hm, hr = cell("transformers")
    b, _, br = cell("before")
    ratio = f"{fm / hm:.3f}" if fm and hm else ""
    print(f"{case:24} {dtype:9} {f:>22} {h:>22} {ratio:>6} {b:>22} {fr + '/' + hr + '/' + br:>28}")
EOF
rm -f "$log"
