#!/usr/bin/env bash
# Gloo all-reduce over loopback between N processes on this machine (not a test): the median time of summing
# each size of float32 in 25 MB buckets, as the data-parallel gradient sync does. Sizes in MB default to
# bert-tiny's gradients (16.8 MB), LoRA on BERT-base (~1.2 MB) and BERT-base's (418 MB).
# Usage: scripts/allreduce-bench.sh [ranks] [MB ...]     (each rank gets 1 libtorch thread)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2}"
shift || true
sizes=("${@:-1.2 16.8 100 418}")
./mvnw -o -q -pl finetune4j-core -am test-compile
./mvnw -o -q -pl finetune4j-core dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/bench-classpath.txt >/dev/null
cp="finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/bench-classpath.txt)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pids=()
for r in $(seq 0 $((n - 1))); do
    FINETUNE4J_THREADS=1 java -cp "$cp" org.finetune4j.distributed.AllReduceBench "$r" "$n" "$port" ${sizes[*]} &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
