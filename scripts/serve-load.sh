#!/usr/bin/env bash
# Load measurement of `finetune4j serve` (not part of `mvn verify`): greedy completions of 64 new tokens
# on stories260K, first 800 requests one at a time, then 16 concurrent clients x 50 requests; prints
# requests/s, tokens/s, p50/p95 latency and the server's resident memory over each run
# (finetune4j-core/src/test/java/org/finetune4j/serve/LoadClient.java). The server runs through ./finetune4j, as a user runs it.
# Usage: scripts/serve-load.sh [MODEL_DIR] [CLIENTS] [REQUESTS_PER_CLIENT] [MAX_TOKENS]
#        (default ../shared/assets/models/stories260K 16 50 64)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model="${1:-$root/../shared/assets/models/stories260K}"
clients="${2:-16}"
each="${3:-50}"
tokens="${4:-64}"
cd "$root"
./mvnw -o -q -pl finetune4j-core test-compile
./mvnw -o -q -pl finetune4j-core dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/load-classpath.txt >/dev/null
log="$(mktemp)"
source scripts/serve-lib.sh
start_serve "$log" --model "$model" --max-concurrent "$clients"
pid="$(pgrep -P $server java || echo $server)"   # the launcher execs java, so this is the server itself
echo "server pid $pid on port $port, model $id; machine: $(nproc) cores; load: $(uptime | sed 's/.*load average/load average/')"
java -cp "finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/load-classpath.txt)" org.finetune4j.serve.LoadClient \
    "$port" "$pid" "$id" "$clients" "$each" "$tokens"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
kill -TERM $server
wait $server || true
trap - EXIT
rm -f "$log"
