#!/usr/bin/env bash
# Acceptance check on the real stories260K Llama: loading works and greedy decoding from BOS reproduces
# reference_greedy.json as a plain loop (full forward per token) and through the Generator with and
# without the KV cache; cached and uncached logits agree within 1e-5 at every step; prints tokens/s.
# Not part of `mvn verify`.
# Usage: scripts/acceptance-stories260k.sh [stories260K folder]  (default ../shared/assets/models/stories260K)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -gt 0 ]; then
    assets="$(cd "$1" && pwd)"  # relative to the caller's directory
else
    assets="$root/../shared/assets/models/stories260K"
fi
cd "$root"
if [ ! -f "$assets/reference_greedy.json" ]; then
    echo "no reference_greedy.json in $assets" >&2
    exit 2
fi
./mvnw -o -q -pl finetune4j-core -am test-compile
./mvnw -o -q -pl finetune4j-core dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/acceptance-classpath.txt >/dev/null
OPT_OUT_TRACKING=true FINETUNE4J_THREADS="${FINETUNE4J_THREADS:-$(nproc)}" java -Dai.djl.offline=true \
    -cp "finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/acceptance-classpath.txt)" \
    org.finetune4j.model.StoriesAcceptance "$assets"
