#!/usr/bin/env bash
# Interop check (not a test): huggingface_hub and Finetune4j read each other's caches offline.
# Starts the test Hub (FakeHubMain, 127.0.0.1 only) with the fixture model as acme/tiny-bert, then
#  1. ./finetune4j download fills cache A; huggingface_hub.snapshot_download(local_files_only=True) reads it;
#  2. huggingface_hub.snapshot_download fills cache B from the same Hub; ./finetune4j download --offline
#     and ./finetune4j inspect --offline read it.
# Usage: scripts/hub-interop.sh PYTHON   (a Python with huggingface_hub installed)
set -euo pipefail
py="${1:?usage: scripts/hub-interop.sh PYTHON}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./mvnw -o -q -DskipTests -pl finetune4j-core -am package test-compile
work="$(mktemp -d)"
trap 'kill "$hub_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkfifo "$work/in"
java -cp "finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/classpath.txt)" org.finetune4j.hub.FakeHubMain <"$work/in" >"$work/endpoint" &
hub_pid=$!
exec 3>"$work/in"
for _ in $(seq 50); do [ -s "$work/endpoint" ] && break; sleep 0.2; done
export HF_ENDPOINT="$(head -1 "$work/endpoint")" HF_TOKEN= HF_HOME="$work/home"
echo "test Hub at $HF_ENDPOINT"

echo "== 1. Finetune4j fills cache A, huggingface_hub reads it offline"
a="$(HF_HUB_CACHE="$work/A" ./finetune4j download acme/tiny-bert 2>/dev/null)"
b="$(HF_HUB_CACHE="$work/A" HF_HUB_OFFLINE=1 "$py" -c 'from huggingface_hub import snapshot_download as s; print(s("acme/tiny-bert", local_files_only=True))')"
echo "finetune4j: $a"; echo "python:     $b"
[ "$a" = "$b" ] || { echo "FAIL: different snapshot folders"; exit 1; }
HF_HUB_CACHE="$work/A" HF_HUB_OFFLINE=1 "$py" -c 'from huggingface_hub import hf_hub_download as h; import sys
p = h("acme/tiny-bert", "model.safetensors", local_files_only=True); print("hf_hub_download:", p)'

echo "== 2. huggingface_hub fills cache B, Finetune4j reads it offline"
c="$(HF_HUB_CACHE="$work/B" "$py" -c 'from huggingface_hub import snapshot_download as s
print(s("acme/tiny-bert", allow_patterns=["*.json", "*.txt", "*.safetensors"]))')"
d="$(HF_HUB_CACHE="$work/B" ./finetune4j download acme/tiny-bert --offline)"
echo "python:     $c"; echo "finetune4j: $d"
[ "$c" = "$d" ] || { echo "FAIL: different snapshot folders"; exit 1; }
HF_HUB_CACHE="$work/B" ./finetune4j inspect acme/tiny-bert --offline | head -3
find "$work/B" -maxdepth 3 | sed "s|$work/||" | sort
echo "OK: both caches are shared"
