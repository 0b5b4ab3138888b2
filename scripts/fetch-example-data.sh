#!/usr/bin/env bash
# Fills examples/assets/ (git-ignored) with the models and data the recipes in examples/ read.
#
#   scripts/fetch-example-data.sh            # every asset
#   scripts/fetch-example-data.sh sst2 ...   # only these (names below)
#
# Each file is copied from ../shared/assets when that folder is beside the repository, else downloaded
# from the public repository it comes from, at the commit given, and checked against its SHA-256
# (FETCH_OFFLINE=1 only copies). Nothing here is part of Finetune4j; the licences are the sources'.
# Two assets have no public copy in the form the recipes read, and are only copied:
#   models/stories260K   Karpathy's stories260K (llama2.c) converted to a Hugging Face LlamaForCausalLM
#                        folder; elsewhere, convert stories260K.bin + tok512 from karpathy/tinyllamas on
#                        the Hugging Face Hub into examples/assets/models/stories260K yourself.
#   conll2003/train.txt  eng.train without the 32 toy sentences its only public copy adds; without
#                        ../shared/assets the script downloads that copy as it is and says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/examples/assets"
shared="$root/../shared/assets"
gh="https://raw.githubusercontent.com"

# name | path under assets/ | sha256 (empty: not checked) | source URL (empty: copy only)
assets() {
  local tiny="$gh/msanvido/bert-tiny-torch-vuln/05971160c301253f2d25a475920ec701b0577572"
  local tinytok="$gh/faisalamara411-cmd/bert-tiny-imdb/7a57e6ff553cf07b0e332cfbd0f8a78713e9753e/src/bert-tiny-imdb"
  local sst="$gh/eyalbd2/Reproducing-AutoPrompt/6288fb5bec9c572f2492875ae0111df5b6daed11/glue_data/SST-2"
  local ner="$gh/imabhivaibhav/NER/7dc3944fb10a6d1f1ac65508379147679ab5aa1d"
  local wiki="$gh/pytorch/examples/77f55b912142e11fcfdf5b530231fb9c52f181e8/word_language_model/data/wikitext-2"
  cat <<EOF
bert-tiny|models/bert-tiny-noweights/config.json|f2702792bd0f7d98ed032f75bfca4f9e4b36ca27700f8a01d20e54de38840c65|$tiny/config.json
bert-tiny|models/bert-tiny-noweights/vocab.txt|07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3|$tiny/vocab.txt
bert-tiny|models/bert-tiny-noweights/tokenizer_config.json|e711904cac23112776b678356ccf702cf934babaa01125f698ac43bf9ad38e73|$tinytok/tokenizer_config.json
bert-tiny|models/bert-tiny-noweights/special_tokens_map.json|b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3|$tinytok/special_tokens_map.json
stories260k|models/stories260K/config.json||
stories260k|models/stories260K/generation_config.json||
stories260k|models/stories260K/model.safetensors|c58cf7822d476404e18b2855c6c6ab4063711abd7d0a7922bd175e51264e5b44|
stories260k|models/stories260K/tokenizer.json|122d22ca558413499eac24a0a4373c6ac76528aa97bd1f1a6a889214df0b254b|
stories260k|models/stories260K/tokenizer_config.json||
stories260k|models/stories260K/special_tokens_map.json||
sst2|datasets/sst2/train.tsv|48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1|$sst/train_full.tsv
sst2|datasets/sst2/dev.tsv|54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0|$sst/dev.tsv
imdb|datasets/imdb-1k/imdb_test_sample_1000.csv|7079c6a1e6c83857a09d738e4f023a59409d7544ff80b1cf374895de4b0d3586|$gh/faisalamara411-cmd/bert-tiny-imdb/0792f66917e937b41bd0d1009d8c648b08d58710/test.csv
conll2003|datasets/conll2003/train.txt|213953b5522fb7924802d883e50f027b2c6ffb5d4d0e63368ed82909f9b60423|$ner/eng.train
conll2003|datasets/conll2003/valid.txt|c02eb19809eafb83998326a0481942eb37d96f31826ae387cfe8773699969f5b|$ner/eng.testa
conll2003|datasets/conll2003/test.txt|dc4ac7f3d6d01a6bec59261814561da3b287b6b493b97d1f69c580b52ec1831b|$ner/eng.testb
squad|datasets/squad-v1.1-dev/dev-v1.1.json||$gh/rajpurkar/SQuAD-explorer/master/dataset/dev-v1.1.json
alpaca|datasets/alpaca-5k/alpaca_5000.json|fc1add24c93c9fbbe585a64a6c9bf6165eb110225f4470efbff382a913558ec0|$gh/tatsu-lab/stanford_alpaca/5e69c50054c48cd3b919c46d13bb2d92a62f4498/data/alpaca_5000.json
wikitext2|datasets/wikitext-2-v1/valid.txt|f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8|$wiki/valid.txt
wikitext2|datasets/wikitext-2-v1/test.txt|d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0|$wiki/test.txt
pubmed|datasets/pubmed-abstracts-dapt/abstracts.txt|41f9c0fcf325e0ede81695bf17be47ddead4550704cefd8a7dec0799b6ec2913|derive
EOF
}

# The PubTator files the PubMed abstracts are made of (BC5CDR train, dev, test; NCBI Disease train, test).
pubtator() {
  local cdr="$gh/cryptoradon/biomedRelExt"
  echo "$cdr/e42e94570138158963ae4696298bf09232071740/CDR_Data/CDR.Corpus.v010516/CDR_TrainingSet.PubTator.txt"
  echo "$cdr/c3f40f6f28da6c2f227f487bd3c46a78215a2b2f/CDR_Data/CDR.Corpus.v010516/CDR_DevelopmentSet.PubTator.txt"
  echo "$cdr/c3f40f6f28da6c2f227f487bd3c46a78215a2b2f/CDR_Data/CDR.Corpus.v010516/CDR_TestSet.PubTator.txt"
  echo "$gh/yannistannier/textmining/963cade8c40515341e593a94003465a9b6982dc9/NCBItrainset_corpus.txt"
  echo "$gh/yannistannier/textmining/963cade8c40515341e593a94003465a9b6982dc9/NCBItestset_corpus.txt"
}

# One document a line: "title abstract", each PMID once, in file order.
derive_abstracts() {
  awk 'function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    { sub(/\r$/, "") }
    index($0, "|t|") { split($0, p, "|"); id = p[1]; title = trim(substr($0, length(id) + 4)); next }
    index($0, "|a|") { split($0, p, "|"); if (p[1] == id && !(id in done)) { done[id] = 1; print trim(title " " trim(substr($0, length(id) + 4))) } }' "$@"
}

fetch() { # url file
  curl -fsSL --retry 3 -o "$2" "$1"
}

missing=0
wanted=" $* "
while IFS='|' read -r name path sha url; do
  [ $# -gt 0 ] && [[ "$wanted" != *" $name "* ]] && continue
  out="$dest/$path"
  mkdir -p "$(dirname "$out")"
  if [ -f "$out" ] && { [ -z "$sha" ] || [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$sha" ]; }; then
    continue
  fi
  if [ -f "$shared/$path" ]; then
    cp "$shared/$path" "$out.part"
  elif [ -z "$url" ] || [ "${FETCH_OFFLINE:-0}" = 1 ]; then
    echo "missing: examples/assets/$path (no public copy in this form, or FETCH_OFFLINE=1; see the top of this script)" >&2
    missing=$((missing + 1))
    continue
  elif [ "$url" = derive ]; then
    tmp="$(mktemp -d)"
    i=0
    while read -r u; do i=$((i + 1)); fetch "$u" "$tmp/$i.txt"; done < <(pubtator)
    derive_abstracts "$tmp"/1.txt "$tmp"/2.txt "$tmp"/3.txt "$tmp"/4.txt "$tmp"/5.txt > "$out.part"
    rm -rf "$tmp"
  else
    fetch "$url" "$out.part"
  fi
  got="$(sha256sum "$out.part" | cut -d' ' -f1)"
  if [ -n "$sha" ] && [ "$got" != "$sha" ]; then
    if [ "$path" = datasets/conll2003/train.txt ]; then
      echo "note: examples/assets/$path is eng.train as published (with 32 added toy sentences), not the cleaned copy" >&2
    else
      rm -f "$out.part"
      echo "error: examples/assets/$path: sha256 $got, expected $sha" >&2
      exit 1
    fi
  fi
  mv "$out.part" "$out"
  echo "examples/assets/$path"
done < <(assets)
[ "$missing" -eq 0 ] || { echo "$missing file(s) missing; the recipes that read them will say so" >&2; exit 1; }
