#!/usr/bin/env bash
# Resident memory of a long training run, printed every 50 steps with its growth after step 100 and the peak
# (finetune4j-core/src/test/java/org/finetune4j/train/RssOverSteps.java), with the launcher's environment.
# The JVM runs with the launcher's options (./finetune4j). Not part of `mvn verify`. Usage: scripts/rss-over-steps.sh RECIPE.yaml [key=value ...]
# e.g. scripts/rss-over-steps.sh examples/sst2-bert-tiny.yaml training.max_steps=1000 training.save_strategy=no
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./mvnw -o -q -pl finetune4j-core -am test-compile
./mvnw -o -q -pl finetune4j-core dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/acceptance-classpath.txt >/dev/null
export OPT_OUT_TRACKING=true FINETUNE4J_THREADS="${FINETUNE4J_THREADS:-$(nproc)}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY-PASSIVE}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-8589934592}" MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-268435456}"
java -XX:TieredStopAtLevel=1 -Xss4m -XX:+UseSerialGC -Dai.djl.offline=true -cp "finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/acceptance-classpath.txt)" \
    org.finetune4j.train.RssOverSteps "$@"
