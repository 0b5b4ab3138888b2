#!/usr/bin/env bash
# One epoch of SST-2 with examples/sst2-bert-tiny.yaml in Finetune4j (packed, the default, and padded) and the
# same recipe in Transformers' Trainer (DataCollatorWithPadding; scripts/sst2-trainer.py), one after another,
# for each seed given. Prints per run: whole-process wall seconds, real (non-pad) tokens/s, pad fraction of the
# training batches and dev accuracy; then the means and the ratio of the wall times. Wall and CPU seconds
# (user + system, all threads) are the whole process's, from /usr/bin/time.
#
#   scripts/fetch-example-data.sh bert-tiny sst2
#   PYTHON=/path/to/venv/bin/python scripts/bench-sst2-vs-trainer.sh 1 2 3
#
# Environment: PYTHON (a Python with torch and transformers; default python3), SIDES (default
# "packed padded transformers"), EPOCHS (default 1), BF16=1 (both sides under bfloat16 autocast),
# OUT (scratch folder, default a new temporary one), PY_OMP_WAIT_POLICY (the Python side's OpenMP wait
# policy, default PASSIVE as the finetune4j launcher sets it: on a shared machine torch's spinning default
# made the same steps about ten times slower; set it empty for libgomp's default), FINETUNE4J_THREADS
# (Finetune4j's threads, as for every command; default one per core, which training narrows to one when its
# batches are small, as packed SST-2 batches of BERT-tiny are: each run's log says so). The Python side runs torch's
# default threads (one per core) unless OMP_NUM_THREADS says otherwise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
sides="${SIDES:-packed padded transformers}"
epochs="${EPOCHS:-1}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1)
[ -f examples/assets/datasets/sst2/train.tsv ] || { echo "error: examples/assets is empty; run scripts/fetch-example-data.sh bert-tiny sst2" >&2; exit 1; }
bf16_java=""; bf16_py=""
if [ "${BF16:-0}" = 1 ]; then bf16_java="training.bf16=true"; bf16_py="--bf16"; fi

./finetune4j --version >/dev/null # builds the jar first, outside the timings
py_policy="${PY_OMP_WAIT_POLICY-PASSIVE}"
echo "# $(date -u +%FT%TZ)  $(nproc) cores  load: $(cut -d' ' -f1-3 /proc/loadavg)  epochs $epochs  bf16 ${BF16:-0}" \
  " finetune4j threads ${FINETUNE4J_THREADS:-default}  Python threads ${OMP_NUM_THREADS:-default}  Python OMP_WAIT_POLICY ${py_policy:-(libgomp default)}"
results="$out/results.jsonl"
: > "$results"

java_run() { # side seed
  local side="$1" seed="$2" dir="$out/$1-$2" packing=true
  [ "$side" = padded ] && packing=false
  /usr/bin/time -f '%e %U %S' -o "$out/$side-$seed.time" ./finetune4j train examples/sst2-bert-tiny.yaml "training.num_train_epochs=$epochs" "training.seed=$seed" \
    "training.output_dir=$dir" training.overwrite_output_dir=true "data.packing=$packing" $bf16_java > "$out/$side-$seed.log" 2>&1
  "$python" - "$side" "$seed" "$out/$side-$seed.time" "$dir" "$out/$side-$seed.log" <<'EOF' >> "$results"
import json, os, re, sys
side, seed, times, d, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
narrowed = [re.match(r"threads: (\d+) of", l) for l in open(log)]
threads = next((int(m.group(1)) for m in narrowed if m), int(os.environ.get("FINETUNE4J_THREADS") or os.cpu_count()))
wall, user, system = map(float, open(times).read().split()[-3:])
summary = [json.loads(l) for l in open(d + "/metrics.jsonl") if "train_runtime" in l][-1]
acc = json.load(open(d + "/eval_results.json"))["eval_accuracy"]
print(json.dumps({"side": side, "seed": seed, "threads": threads, "wall_s": wall, "cpu_s": round(user + system, 2),
                  "train_runtime_s": summary["train_runtime"],
                  "real_tokens_per_s": summary["train_real_tokens_per_second"], "pad_fraction": summary["train_pad_fraction"],
                  "eval_accuracy": acc}))
EOF
}

py_run() { # seed
  env -u OMP_WAIT_POLICY ${py_policy:+OMP_WAIT_POLICY=$py_policy} /usr/bin/time -f '%e %U %S' -o "$out/transformers-$1.time" \
    "$python" scripts/sst2-trainer.py --model examples/assets/models/bert-tiny-noweights --data examples/assets/datasets/sst2 \
    --out "$out/transformers-$1" --seed "$1" --epochs "$epochs" $bf16_py 2> "$out/transformers-$1.log" > "$out/transformers-$1.json"
  "$python" - "$out/transformers-$1.json" "$out/transformers-$1.time" <<'EOF' >> "$results"
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
wall, user, system = map(float, open(sys.argv[2]).read().split()[-3:])
r.update(wall_s=wall, cpu_s=round(user + system, 2))
print(json.dumps(r))
EOF
}

for seed in "${seeds[@]}"; do
  for side in $sides; do
    if [ "$side" = transformers ]; then py_run "$seed"; else java_run "$side" "$seed"; fi
    tail -1 "$results"
  done
done
echo "# $(date -u +%FT%TZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
sides = {}
for r in rows:
    sides.setdefault(r["side"], []).append(r)
mean = lambda xs: sum(xs) / len(xs)
for side, rs in sides.items():
    print(f"{side:13s} wall {mean([r['wall_s'] for r in rs]):8.1f} s  CPU {mean([r['cpu_s'] for r in rs]):8.1f} s  real tokens/s {mean([r['real_tokens_per_s'] for r in rs]):9.1f}"
          f"  pad {100 * mean([r['pad_fraction'] for r in rs]):5.1f}%  dev accuracy {mean([r['eval_accuracy'] for r in rs]):.4f}"
          f"  ({len(rs)} runs)")
if "transformers" in sides:
    ref = mean([r["wall_s"] for r in sides["transformers"]])
    for side in sides:
        if side != "transformers":
            cpu = mean([r['cpu_s'] for r in sides[side]]) / mean([r['cpu_s'] for r in sides['transformers']])
            print(f"{side} / transformers: wall time {mean([r['wall_s'] for r in sides[side]]) / ref:.2f}x, CPU time {cpu:.2f}x")
EOF
