#!/usr/bin/env bash
# Acceptance check (not a unit test): a real Spark standalone cluster on 127.0.0.1, a master and two workers, each its
# own JVM started from the Spark jars Maven fetched (no Spark download), runs examples/sst2-bert-tiny.yaml through
# spark-submit as 2 ranks of per-device batch 32 for 200 steps; one process then trains the same recipe with batch 64,
# and the losses logged every 10 steps must agree. The check runs on a copy of the model folder with dropout 0: with
# dropout, two ranks draw other masks than one process does (by design), and the curves then agree only in their
# trend (run with DROPOUT=keep to see how closely).
# Usage: scripts/spark-standalone.sh [steps]      (default 200; the data comes from ../shared/assets;
#        KEEP=1 keeps the cluster's logs and both runs' folders and says where)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
steps="${1:-200}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${KEEP:-}" ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # file, text, seconds
    for _ in $(seq $(( $3 * 5 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
    echo "FAIL: no '$2' in $1 after $3 s:"; tail -20 "$1"; exit 1
}

echo "== building finetune4j-spark/target/finetune4j-spark.jar and listing the Spark jars"
./mvnw -q -B -DskipTests package -pl finetune4j-core,finetune4j-spark   # also target/spark-classpath.txt
mkdir -p "$work/spark/jars"   # a Spark home whose jars/ are the fetched ones: the workers build executor commands from it
tr ':' '\n' <finetune4j-spark/target/spark-classpath.txt | while read -r jar; do ln -s "$jar" "$work/spark/jars/"; done
export SPARK_HOME="$work/spark" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 OPT_OUT_TRACKING=true
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
    --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
spark=(java "${opens[@]}" -Xmx512m -cp "$SPARK_HOME/jars/*")

master_port="$(free_port)"
master="spark://127.0.0.1:$master_port"
echo "== master at $master, two workers of 1 core each"
"${spark[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$master_port" --webui-port "$(free_port)" \
    >"$work/master.log" 2>&1 &
pids+=($!)
wait_for "$work/master.log" "I have been elected leader" 60
for w in 1 2; do
    "${spark[@]}" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 3g --work-dir "$work/worker$w" \
        --webui-port "$(free_port)" "$master" >"$work/worker$w.log" 2>&1 &
    pids+=($!)
done
wait_for "$work/worker1.log" "Successfully registered with master" 60
wait_for "$work/worker2.log" "Successfully registered with master" 60

model="../shared/assets/models/bert-tiny-noweights"
if [ "${DROPOUT:-zero}" != keep ]; then
    cp -r "$model" "$work/model"
    python3 - "$work/model/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["hidden_dropout_prob"] = 0.0; c["attention_probs_dropout_prob"] = 0.0
json.dump(c, open(sys.argv[1], "w"))
PY
    model="$work/model"
fi
common=(examples/sst2-bert-tiny.yaml "model.path=$model" "training.max_steps=$steps" training.logging_steps=10
    training.save_strategy=no training.eval_strategy=no)

echo "== spark-submit: 2 ranks x batch 32, $steps steps"
start=$(date +%s)
"${spark[@]}" org.apache.spark.deploy.SparkSubmit --master "$master" --deploy-mode client \
    --conf spark.log.level=WARN --conf spark.driver.host=127.0.0.1 --conf spark.executor.cores=1 --conf spark.cores.max=2 --conf spark.executor.memory=1g \
    --class org.finetune4j.spark.SparkTrain finetune4j-spark/target/finetune4j-spark.jar \
    "${common[@]}" distributed.nproc=2 training.per_device_train_batch_size=32 "training.output_dir=$work/two" \
    2> >(grep -v "^SLF4J\|WARN\|^\s*$" >&2)
echo "   $(( $(date +%s) - start )) s"

echo "== one process: batch 64, $steps steps"
start=$(date +%s)
./finetune4j train "${common[@]}" training.per_device_train_batch_size=64 "training.output_dir=$work/one" >/dev/null
echo "   $(( $(date +%s) - start )) s"

python3 - "$work/one/metrics.jsonl" "$work/two/metrics.jsonl" <<'PY'
import json, sys
def losses(f): return [(e["step"], e["loss"]) for e in map(json.loads, open(f)) if "loss" in e]
one, two = losses(sys.argv[1]), losses(sys.argv[2])
print("step  1 rank x 64   2 ranks x 32   difference")
worst = 0
for (s, a), (t, b) in zip(one, two):
    assert s == t
    worst = max(worst, abs(a - b))
    print(f"{s:4d}  {a:11.4f}   {b:12.4f}   {b - a:+.4f}")
ok = len(one) == len(two) and worst <= 2e-3
print(("PASS" if ok else "FAIL") + f": {len(two)} logged losses, largest difference {worst:.4f} (allowed 0.0020)")
sys.exit(0 if ok else 1)
PY
