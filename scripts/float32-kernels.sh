#!/usr/bin/env bash
# Single float32 CPU kernels in Finetune4j's libtorch (the JavaCPP presets' build: OpenBLAS, and AVX2 code for
# most elementwise kernels) and in torch from Python (MKL, AVX-512 dispatch), ROUNDS times each, one process after
# the other (finetune4j-core/src/test/java/org/finetune4j/tensor/Float32Kernels.java and the same ops below):
# a linear layer's forward and backward at [512 x 768] x [768 x 2304], an attention-shaped batched product
# (96 x [128 x 64] x [64 x 128]), a product, a zero fill and dropout on 4M floats; median milliseconds of 20 runs,
# same thread count and wait policy on both sides.
# Not part of `mvn verify`. Usage: PYTHON=/path/to/venv/bin/python scripts/float32-kernels.sh [ROUNDS]  (default 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
threads="${FINETUNE4J_THREADS:-$(nproc)}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY-PASSIVE}"
[ -n "$OMP_WAIT_POLICY" ] || unset OMP_WAIT_POLICY
./mvnw -o -q -pl finetune4j-core -am test-compile
./mvnw -o -q -pl finetune4j-core dependency:build-classpath -Dmdep.outputFile="$PWD"/finetune4j-core/target/acceptance-classpath.txt >/dev/null
echo "# $(date -u +%FT%TZ)  $(nproc) cores  load: $(cut -d' ' -f1-3 /proc/loadavg)  threads $threads  OMP_WAIT_POLICY ${OMP_WAIT_POLICY:-(libgomp default)}"
for r in $(seq "${1:-3}"); do
  # glibc malloc and OpenBLAS's spin as the finetune4j launcher sets them
  MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=8589934592 MALLOC_TOP_PAD_=268435456 OPENBLAS_THREAD_TIMEOUT=16 \
  OPT_OUT_TRACKING=true FINETUNE4J_THREADS="$threads" java -Dai.djl.offline=true \
      -cp "finetune4j-core/target/test-classes:finetune4j-core/target/classes:$(cat finetune4j-core/target/acceptance-classpath.txt)" \
      org.finetune4j.tensor.Float32Kernels 20
  "$python" - "$threads" <<'PY'
import sys, time, torch
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(1)
x = torch.randn(512, 768, requires_grad=True); w = torch.randn(2304, 768, requires_grad=True)
a = torch.randn(4096, 1024); b = torch.randn(4096, 1024)
q = torch.randn(96, 128, 64); k = torch.randn(96, 64, 128)
def linear():
    torch.nn.functional.linear(x, w).sum().backward(); x.grad = None; w.grad = None
def median(f, reps=20):
    t = []
    for i in range(reps + 3):
        t0 = time.perf_counter(); f(); dt = (time.perf_counter() - t0) * 1e3
        if i >= 3: t.append(dt)
    return sorted(t)[reps // 2]
ms = [median(f) for f in (linear, lambda: torch.bmm(q, k), lambda: a * b, lambda: torch.zeros_like(a),
                          lambda: torch.nn.functional.dropout(a, 0.1, True))]
print(f"python  linear {ms[0]:.1f} ms (MKL)  bmm {ms[1]:.2f} ms  mul {ms[2]:.2f} ms  zeros {ms[3]:.2f} ms  dropout {ms[4]:.2f} ms"
      f"  threads {torch.get_num_threads()}"
      f"  ({torch.backends.cpu.get_cpu_capability()})")
PY
done
