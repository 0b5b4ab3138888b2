#!/usr/bin/env bash
# A 1.2B-parameter Llama held in bfloat16 (the shape of Llama 3.2 1B, made by `init --dtype bfloat16` from
# examples/configs/llama-1b.json, with the stories260K tokenizer): the file's size against the peak resident
# memory of loading it, a few LoRA steps under bf16 autocast, and the adapter loaded by PEFT onto the same
# base (scripts/peft-loads-adapter.py). Not part of `mvn verify`; needs about 12 GiB of memory while `init`
# writes the folder. Usage: PYTHON=path/to/venv/bin/python scripts/bf16-1b-story.sh MODEL_DIR [STEPS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"
steps="${2:-3}"
py="${PYTHON:-python3}"
tok="$root/../shared/assets/models/stories260K"
cd "$root"
if [ ! -f "$dir/model.safetensors" ]; then
    ./finetune4j init --config examples/configs/llama-1b.json --out "$dir" --seed 0 --dtype bfloat16 --tokenizer "$tok"
fi
file=$(stat -c %s "$dir/model.safetensors")
echo "== model.safetensors: $((file / 1048576)) MiB"
echo "== load, then $steps LoRA steps (r 16 on q_proj, v_proj) under bf16 autocast, batch 1 x 64"
./finetune4j bench --model "$dir" --batch 1 --seq 64 --warmup 0 --steps "$steps" --lora --bf16 --json
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%s\n' "Once upon a time there was a little girl." "She liked to play in the park with her dog." \
    "One day the dog ran away and she looked for it everywhere." > "$work/train.txt"
cat > "$work/recipe.yaml" <<YAML
model:
  path: $dir
task: clm
data:
  train: $work/train.txt
  validation_split: 0
  block_size: 16
training:
  output_dir: $work/out
  max_steps: $steps
  per_device_train_batch_size: 1
  bf16: true
  save_strategy: 'no'
peft:
  method: lora
  r: 16
  lora_alpha: 32
  target_modules: [q_proj, v_proj]
YAML
echo "== a LoRA run with training.bf16, then PEFT loads its adapter"
./finetune4j train "$work/recipe.yaml"
"$py" scripts/peft-loads-adapter.py "$dir" "$work/out"
