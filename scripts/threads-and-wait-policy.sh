#!/usr/bin/env bash
# How every command runs under each OpenMP wait policy and thread count, on the machine as it is and with
# one more process spinning (`yes > /dev/null`, started here and stopped by its pid): wall seconds of each
# run, interleaved, ROUNDS times; prints the medians with the load average they saw. Needs a model folder
# to train and evaluate on (default: the bert-seqcls test fixture) and, for generate, a causal LM (default
# ../shared/assets/models/stories260K, else the gpt2-lm fixture).
#   scripts/threads-and-wait-policy.sh [ROUNDS]
# env: COMMANDS (default "train bench eval predict generate forward"), POLICIES (default "PASSIVE ACTIVE unset"; unset = libgomp's default), THREADS_LIST (default "2 1")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${1:-3}"
work="$(mktemp -d)"
yes_pid=""
trap '[ -n "$yes_pid" ] && kill "$yes_pid" 2>/dev/null; rm -rf "$work"' EXIT
fixture=finetune4j-core/src/test/resources/fixtures/bert-seqcls
lm=../shared/assets/models/stories260K
[ -f "$lm/config.json" ] || lm=finetune4j-core/src/test/resources/fixtures/gpt2-lm
./mvnw -q -B -o -DskipTests package -pl finetune4j-core -am >&2

# data in the fixture's vocabulary: 640 rows, so 60 steps at batch 32 are 3 epochs
python3 - "$work/train.tsv" <<'EOF'
import random, sys
random.seed(1)
good, bad = ["good", "great", "nice", "happy", "fine"], ["bad", "cold", "late", "lazy", "old"]
fill = ["the", "movie", "food", "coffee", "day", "park", "story", "music"]
with open(sys.argv[1], "w") as f:
    f.write("sentence\tlabel\n")
    for _ in range(640):
        pos = random.random() < 0.5
        words = [random.choice(good if pos else bad) if i % 3 == 1 else random.choice(fill) for i in range(12)]
        f.write(" ".join(words) + "\t" + ("positive" if pos else "negative") + "\n")
EOF
cat > "$work/recipe.yaml" <<EOF
model:
  path: $root/$fixture
data:
  train: $work/train.tsv
  text_column: sentence
  validation_split: 0
training:
  output_dir: $work/out
  overwrite_output_dir: true
  max_steps: 60
  per_device_train_batch_size: 32
  logging_steps: 60
  save_strategy: 'no'
EOF
./finetune4j train "$work/recipe.yaml" > /dev/null  # a trained classifier for eval and predict
cp -r "$work/out" "$work/model"
head -201 "$work/train.tsv" | tail -200 | cut -f1 | python3 -c 'import json,sys; [print(json.dumps({"text": l.strip()})) for l in sys.stdin]' > "$work/texts.jsonl"

read -r -a commands <<< "${COMMANDS:-train bench eval predict generate forward}"
run() { # COMMAND -> the argument list of that command
  case "$1" in
    train) echo train "$work/recipe.yaml" ;;
    bench) echo bench --case bert-tiny-32x128 --steps 5 --warmup 1 ;;
    eval) echo eval --model "$work/model" --data "$work/train.tsv" --text-column sentence ;;
    predict) echo predict --model "$work/model" --input "$work/texts.jsonl" ;;
    generate) echo generate --model "$lm" --prompt Once --max-new-tokens 200 ;;  # one word: the list is split on spaces
    forward) echo forward "$fixture" --inputs "$fixture/golden.json" --train-steps 5 ;;
  esac
}
log="$work/log"
for busy in no yes; do
  if [ "$busy" = yes ]; then
    yes > /dev/null &
    yes_pid=$!
  fi
  for r in $(seq "$rounds"); do
    for c in "${commands[@]}"; do
      for t in ${THREADS_LIST:-2 1}; do
        for p in ${POLICIES:-PASSIVE ACTIVE unset}; do
          load="$(cut -d' ' -f1 /proc/loadavg)"
          s="$(date +%s.%N)"
          # empty: libgomp's own default (it spins a while, then sleeps); the launcher keeps an empty value
          env FINETUNE4J_THREADS="$t" OMP_WAIT_POLICY="$([ "$p" = unset ] || echo "$p")" ./finetune4j $(run "$c") > /dev/null 2>&1
          e="$(date +%s.%N)"
          echo "$busy $c $t $p $(echo "$e - $s" | bc) $load" | tee -a "$log" >&2
        done
      done
    done
  done
  if [ -n "$yes_pid" ]; then
    kill "$yes_pid"
    yes_pid=""
  fi
done

python3 - "$log" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
loads = collections.defaultdict(list)
for line in open(sys.argv[1]):
    busy, c, t, p, secs, load = line.split()
    runs[(busy, c, t, p)].append(float(secs))
    loads[busy].append(float(load))
for busy in ("no", "yes"):
    print(f"\n{'one extra spinning process' if busy == 'yes' else 'no extra load'} (load average {min(loads[busy])}-{max(loads[busy])}): median wall seconds (min-max)")
    keys = sorted({(c, t) for b, c, t, _ in runs if b == busy}, key=lambda k: (k[0], -int(k[1])))
    policies = sorted({p for b, _, _, p in runs if b == busy})
    print(f"{'command':10} {'threads':>7} " + " ".join(f"{p:>20}" for p in policies))
    for c, t in keys:
        cells = []
        for p in policies:
            v = runs.get((busy, c, t, p), [])
            cells.append(f"{statistics.median(v):7.2f} ({min(v):.1f}-{max(v):.1f})" if v else "")
        print(f"{c:10} {t:>7} " + " ".join(f"{x:>20}" for x in cells))
EOF
