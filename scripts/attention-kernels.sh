#!/usr/bin/env bash
# Times the eager attention path against libtorch's scaled_dot_product_attention, forward and backward,
# float32 and bfloat16 autocast, on the shapes of the bench cases, a GQA layer and a decoding step
# (finetune4j-core/src/test/java/org/finetune4j/nn/AttentionKernels.java); medians of REPS interleaved runs, wall and CPU.
# Not part of `mvn verify`. Usage: scripts/attention-kernels.sh [REPS]  (default 7)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./mvnw -o -q -pl finetune4j-core -am test-compile
./mvnw -o -q -pl finetune4j-core dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/acceptance-classpath.txt >/dev/null
OPT_OUT_TRACKING=true FINETUNE4J_THREADS="${FINETUNE4J_THREADS:-$(nproc)}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
    java -Dai.djl.offline=true -cp "finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/acceptance-classpath.txt)" \
    org.finetune4j.nn.AttentionKernels "${1:-7}"
