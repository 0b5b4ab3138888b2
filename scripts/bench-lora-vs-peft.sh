#!/usr/bin/env bash
# Times a LoRA step and a full fine-tuning step on GPT-2 small (4 x 128 tokens), in Finetune4j and in
# PEFT/Transformers, interleaved so all four see the same machine load:
#   PYTHON=path/to/venv/bin/python scripts/bench-lora-vs-peft.sh [ROUNDS] [STEPS] [OUT_DIR] [WARMUP]
# Each round runs, in order: finetune4j gpt2-small-4x128-lora, bench.py gpt2-small-lora,
# finetune4j gpt2-small-4x128, bench.py gpt2-small (WARMUP warm-up steps, default 2, then STEPS timed steps each,
# 2 threads). Both sides' first step after a single warm-up is still slow, hence two.
# The Python side is ../shared/oracle/bench.py (its gpt2-small-lora case: r 16, alpha 32, dropout 0.05 on
# c_attn, as the Java case). Results: one JSON file per run in OUT_DIR, and a summary of medians.
set -euo pipefail
rounds="${1:-2}"
steps="${2:-3}"
out="${3:-runs/bench-lora}"
warmup="${4:-2}"
py="${PYTHON:-python3}"
bench_py="../shared/oracle/bench.py"
mkdir -p "$out"
export FINETUNE4J_THREADS=2
for r in $(seq 1 "$rounds"); do
  echo "round $r: $(uptime)" | tee -a "$out/load.txt"
  ./finetune4j bench --case gpt2-small-4x128-lora --warmup "$warmup" --steps "$steps" --json > "$out/java-lora-$r.json"
  "$py" "$bench_py" --threads 2 --only gpt2-small-lora --warmup "$warmup" --steps "$steps" > "$out/peft-lora-$r.json"
  ./finetune4j bench --case gpt2-small-4x128 --warmup "$warmup" --steps "$steps" --json > "$out/java-full-$r.json"
  "$py" "$bench_py" --threads 2 --only gpt2-small --warmup "$warmup" --steps "$steps" > "$out/peft-full-$r.json"
done
"$py" - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def java(f): return json.load(open(f))[0]["step_times_s"]
def peft(f, case): return json.load(open(f))[case]["step_times_s"]
t = {"java-lora": [], "peft-lora": [], "java-full": [], "peft-full": []}
for r in range(1, rounds + 1):
    t["java-lora"] += java(f"{out}/java-lora-{r}.json"); t["java-full"] += java(f"{out}/java-full-{r}.json")
    t["peft-lora"] += peft(f"{out}/peft-lora-{r}.json", "gpt2-small-lora"); t["peft-full"] += peft(f"{out}/peft-full-{r}.json", "gpt2-small")
m = {k: statistics.median(v) for k, v in t.items()}
for k, v in t.items():
    print(f"{k:10s} median {m[k]:.3f} s/step  steps {v}")
print(f"LoRA / full, Finetune4j: {m['java-lora'] / m['java-full']:.3f}")
print(f"LoRA / full, PEFT:       {m['peft-lora'] / m['peft-full']:.3f}")
print(f"Finetune4j / PEFT, LoRA: {m['java-lora'] / m['peft-lora']:.3f}")
print(f"Finetune4j / PEFT, full: {m['java-full'] / m['peft-full']:.3f}")
PY
