#!/usr/bin/env bash
# Finetune4j's `bench` and Transformers (scripts/bench-transformers.py) on the same cases, interleaved in one
# run: for each round, each case and each dtype, one Finetune4j JVM then one Python process (and, with
# BEFORE=path/to/another/finetune4j launcher, that build too, float32 only). Prints every run as it ends
# (with the load average), then the median over the rounds of each side's median step time and CPU seconds, the
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
print(r["step_time_s"], r["peak_rss_mb"], r.get("cpu_s_per_step", "nan"))')"
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
import collections, math, statistics, sys
runs = collections.defaultdict(list)
loads = []
for line in open(sys.argv[1]):
    side, dtype, case, t, rss, cpu, _, load = line.split()
    runs[(case, dtype, side)].append((float(t), float(rss), float(cpu)))
    loads.append(float(load))
print(f"\nmedians over rounds of each run's median step time and of its CPU seconds a step (all threads); spread = min-max;"
      f" load average {min(loads)}-{max(loads)}")
print(f"{'case':24} {'dtype':9} {'finetune4j s':>22} {'transformers s':>22} {'ratio':>6} {'before s':>22}"
      f" {'CPU s f4j/hf/before':>20} {'CPU ratio':>9} {'peak RSS MB f4j/hf/before':>26}")
def med(v, i):
    x = [r[i] for r in v if not math.isnan(r[i])]
    return statistics.median(x) if x else float("nan")
for case, dtype in sorted({(c, d) for c, d, _ in runs}):
    cols = {}
    for side in ("finetune4j", "transformers", "before"):
        v = runs.get((case, dtype, side))
        if v:
            ts = [r[0] for r in v]
            cols[side] = (f"{statistics.median(ts):.4f} ({min(ts):.3f}-{max(ts):.3f})", statistics.median(ts), med(v, 2),
                          f"{max(r[1] for r in v):.0f}")
        else:
            cols[side] = ("", None, float("nan"), "")
    f, h, b = cols["finetune4j"], cols["transformers"], cols["before"]
    ratio = f"{f[1] / h[1]:.3f}" if f[1] and h[1] else ""
    cpu = "/".join("" if math.isnan(c[2]) else f"{c[2]:.2f}" for c in (f, h, b))
    cpu_ratio = f"{f[2] / h[2]:.3f}" if not math.isnan(f[2]) and not math.isnan(h[2]) else ""
    print(f"{case:24} {dtype:9} {f[0]:>22} {h[0]:>22} {ratio:>6} {b[0]:>22} {cpu:>20} {cpu_ratio:>9} {f[3] + '/' + h[3] + '/' + b[3]:>26}")
EOF
rm -f "$log"
