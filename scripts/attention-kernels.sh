#!/usr/bin/env bash
# Times the eager attention path against libtorch's scaled_dot_product_attention, forward and backward,
# float32 and bfloat16 autocast, on the shapes of the bench cases, a GQA layer and a decoding step
# (src/test/java/org/finetune4j/nn/AttentionKernels.java); medians of REPS interleaved runs, wall and CPU.
# Not part of `mvn verify`. Usage: scripts/attention-kernels.sh [REPS]  (default 7)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./mvnw -o -q test-compile
./mvnw -o -q dependency:build-classpath -Dmdep.outputFile=target/acceptance-classpath.txt >/dev/null
OPT_OUT_TRACKING=true FINETUNE4J_THREADS="${FINETUNE4J_THREADS:-$(nproc)}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
    java -Dai.djl.offline=true -cp "target/test-classes:target/classes:$(cat target/acceptance-classpath.txt)" \
    org.finetune4j.nn.AttentionKernels "${1:-7}"
