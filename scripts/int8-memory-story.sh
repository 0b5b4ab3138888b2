#!/usr/bin/env bash
# The load_in_8bit memory story at a size a workstation holds: a 1.3B-parameter OPT made by `init`
# (examples/configs/opt-1.3b.json) takes LoRA steps (r 16, alpha 32, dropout 0.05 on q_proj/v_proj)
# with gradient checkpointing, once with a float32 frozen base and once with load_in_8bit; each run is
# its own process, so each reports its own peak RSS. Then the logits' drift of 8-bit against float32.
# Not part of `mvn verify`. Usage: scripts/int8-memory-story.sh MODEL_DIR [seq] [steps]
# (MODEL_DIR is created when missing: about 5 GiB on disk, 11 GiB of memory while it is written).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"
seq="${2:-128}"
steps="${3:-2}"
cd "$root"
if [ ! -f "$dir/model.safetensors" ]; then
    ./finetune4j init --config examples/configs/opt-1.3b.json --out "$dir" --seed 0
fi
common=(bench --model "$dir" --batch 1 --seq "$seq" --warmup 1 --steps "$steps" --lora --gradient-checkpointing --json)
echo "== float32 frozen base"
./finetune4j "${common[@]}"
echo "== load_in_8bit"
./finetune4j "${common[@]}" --load-in-8bit
echo "== logits drift (batch 1 x $seq)"
./mvnw -o -q -pl finetune4j-core -am test-compile
./mvnw -o -q -pl finetune4j-core dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/acceptance-classpath.txt >/dev/null
OPT_OUT_TRACKING=true FINETUNE4J_THREADS="${FINETUNE4J_THREADS:-$(nproc)}" java -Dai.djl.offline=true \
    -cp "finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/acceptance-classpath.txt)" \
    org.finetune4j.model.Int8Drift "$dir" 1 "$seq"
