#!/usr/bin/env bash
# Acceptance check (not a unit test): a safetensors file over 2 GiB opens through the
# memory-mapped reader, its last tensor (past byte 2^31) reads back right, and the reading
# process's resident memory stays far below the file size.
#   scripts/safetensors-2gib.sh          (needs about 2.5 GB free in ${TMPDIR:-/tmp})
# MVN_FLAGS defaults to -o (offline); set MVN_FLAGS= to let Maven download.
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q ${MVN_FLAGS--o} -pl finetune4j-core -am test-compile dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/test-classpath.txt
CP="finetune4j-core/target/classes:finetune4j-core/target/test-classes:$(cat finetune4j-core/target/test-classpath.txt)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "writing $tmp/big.safetensors ..."
java -cp "$CP" org.finetune4j.io.BigFileCheck write "$tmp/big.safetensors"
echo "reading it in a fresh JVM (-Xmx256m) ..."
java -Xmx256m -cp "$CP" org.finetune4j.io.BigFileCheck read "$tmp/big.safetensors"
