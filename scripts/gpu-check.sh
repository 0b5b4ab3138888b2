#!/usr/bin/env bash
# The GPU check of docs/ARCHITECTURE.md (Devices): on a machine with an NVIDIA GPU and its driver, from a fresh
# checkout with ../shared beside it, in about 10 minutes on an H100:
#   1. builds the GPU natives (Maven profile cuda: libtorch's linux-x86_64-gpu jar and NVIDIA's redist jars;
#      where those cannot be had, cuda-system on the machine's CUDA 13.1 / cuDNN 9.19 libraries);
#   2. runs the fixture parity suite on the GPU (ParityTest, LoraParityTest with -Dfinetune4j.device=cuda:
#      float32 with TF32 off, libtorch's default; logits and losses within 1e-4 of Transformers' goldens);
#   3. times bert-base-8x128, gpt2-small-4x128 and a 1.2B Llama (examples/configs/llama-1b.json, bf16 weights,
#      random init) with LoRA r 16 at 8x512, all under bf16 autocast, with `finetune4j bench --device cuda --bf16`
#      and with Transformers (scripts/bench-transformers.py --device cuda --bf16) on the same GPU, one after the
#      other, and prints each side's median step time, the ratio Finetune4j / Transformers and the MFU of both
#      (against the bf16 matmul rate bench measures on the device, and against an H100's 989 TFLOP/s dense bf16).
# Needs: the NVIDIA driver; Maven Central reachable (or ~/.m2 holding the GPU jars); PYTHON with a CUDA build of
# torch, transformers and peft for the Transformers side (skipped, and said so, without them).
# Usage: scripts/gpu-check.sh   env: PYTHON (python3), STEPS (20), WARMUP (5), PEAK_TFLOPS (989)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"
steps="${STEPS:-20}"
warmup="${WARMUP:-5}"
peak="${PEAK_TFLOPS:-989}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
failed=0
say() { echo "== $*"; }

say "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || { echo "error: no NVIDIA driver (nvidia-smi)"; exit 1; }
uptime

say "1. the GPU build (-Pcuda)"
profile=cuda
if ! timeout 420 ./mvnw -q -B -DskipTests -Pcuda package -pl finetune4j-core -am; then
  say "-Pcuda did not resolve; trying -Pcuda-system on the machine's CUDA libraries"
  profile=cuda-system
  libs=/usr/local/cuda/lib64
  for d in $("$py" -c 'import glob, os, site; print(" ".join(glob.glob(os.path.join(site.getsitepackages()[0], "nvidia", "*", "lib"))))' 2>/dev/null); do
    libs="$libs:$d"
  done
  export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  timeout 300 ./mvnw -q -B -DskipTests -Pcuda-system package -pl finetune4j-core -am || { echo "error: the GPU build did not build"; exit 1; }
fi
export FINETUNE4J_DEVICE=cuda FINETUNE4J_CUDA_PROFILE="$profile"

say "2. the fixture parity suite on cuda"
parity_log="$root/finetune4j-core/target/gpu-check-parity.log"
if timeout 300 ./mvnw -B -P"$profile" -pl finetune4j-core test -Dtest='ParityTest,LoraParityTest' -Dfinetune4j.device=cuda \
    -Dsurefire.failIfNoSpecifiedTests=false > "$parity_log" 2>&1; then
  grep -E "Tests run:.*Parity" "$parity_log"
  say "parity on cuda: passed"
else
  grep -E "Tests run:|FAIL|expected|but was|Exception|error:" "$parity_log" | head -40
  say "parity on cuda: FAILED (the whole log: $parity_log)"
  failed=1
fi

say "3. bench on cuda, bf16, beside Transformers"
if "$py" -c 'import torch, transformers, peft; assert torch.cuda.is_available()' 2>/dev/null; then
  transformers=1
  "$py" -c 'import torch, transformers, peft; print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__)'
else
  transformers=0
  echo "no CUDA torch with transformers and peft at PYTHON=$py: the Transformers side is skipped"
fi
llama="$work/llama-1b"
./finetune4j init --config examples/configs/llama-1b.json --out "$llama" --seed 0 --dtype bfloat16 > /dev/null || failed=1

bench() { # NAME FINETUNE4J-ARGS -- PYTHON-ARGS
  local name="$1" f=() p=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do f+=("$1"); shift; done
  shift
  p=("$@")
  timeout 240 ./finetune4j bench --device cuda --bf16 --steps "$steps" --warmup "$warmup" --json "${f[@]}" > "$work/$name.f4j.json" \
    || { echo "$name: finetune4j bench failed"; failed=1; return; }
  if [ "$transformers" = 1 ]; then
    timeout 240 "$py" scripts/bench-transformers.py --device cuda --bf16 --steps "$steps" --warmup "$warmup" "${p[@]}" \
      > "$work/$name.hf.json" || echo "$name: Transformers' bench failed"
  fi
  "$py" - "$name" "$work/$name.f4j.json" "$work/$name.hf.json" "$peak" <<'PY'
import json, os, sys
name, f4j_file, hf_file, peak = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
f = json.load(open(f4j_file))[-1]
gflop, t = f["model_gflop_per_step"], f["step_time_s"]
line = (f"{name:24s} finetune4j {t:8.4f} s/step  MFU {f['mfu']:.3f} of bf16 matmul {f['matmul_gflops'] / 1000:.0f} TFLOP/s,"
        f" {gflop / t / 1000 / peak:.3f} of {peak:.0f}  GPU peak {f.get('gpu_peak_mb', 0):.0f} MB")
if os.path.exists(hf_file) and os.path.getsize(hf_file) > 0:
    h = json.loads(open(hf_file).read().strip().splitlines()[-1])
    th = h["step_time_s"]
    line += (f" | transformers {th:8.4f} s/step  MFU {gflop / th / 1000 / peak:.3f} of {peak:.0f}"
             f" GPU peak {h.get('gpu_peak_mb') or 0:.0f} MB | ratio {t / th:.2f} (<= 1.0: finetune4j as fast or faster)")
print(line, flush=True)
PY
}

bench bert-base-8x128 --case bert-base-8x128 -- --case bert-base-8x128
bench gpt2-small-4x128 --case gpt2-small-4x128 -- --case gpt2-small-4x128
bench llama-1b-8x512-lora --model "$llama" --lora --batch 8 --seq 512 -- \
  --config "$llama/config.json" --lora --batch 8 --seq 512

say "done ($([ $failed = 0 ] && echo "all ran" || echo "with failures above"))"
exit $failed
