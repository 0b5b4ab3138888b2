#!/usr/bin/env python3
"""Goldens of Transformers under CPU bf16 autocast, and a bfloat16 copy of a fixture saved by Transformers.

    python scripts/bf16-goldens.py finetune4j-core/src/test/resources/fixtures finetune4j-core/src/test/resources/bf16

For bert-seqcls and llama-lm (fixtures made by Transformers, float32 weights): the logits and
loss of the fixture's golden inputs with the forward pass under
torch.autocast("cpu", dtype=torch.bfloat16), eager attention, train mode, dropout 0 (as the
fixtures' configs say), the same pass in float32 for reference, and the gradient norms of the
backward pass run after autocast, as Trainer does. Written to OUT/<fixture>.json.

Also OUT/bert-seqcls-bf16/: the bert-seqcls model converted with .to(torch.bfloat16) and written
by save_pretrained (config.json's dtype becomes bfloat16, model.safetensors holds BF16 tensors),
plus its tokenizer files, so the Java side can check that it loads the file as it is and writes
it back byte for byte.

Needs torch and transformers (run with HF_HUB_OFFLINE=1); the project's tests never run it.
"""
import json
import shutil
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification


def floats(t):
    return [float(f"{x:.9g}") for x in t.detach().float().reshape(-1).tolist()]  # float32 round trip


def run(model, inputs, autocast):
    model.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        out = model(**inputs)
    out.loss.backward()
    norms = {n: float(p.grad.float().norm()) for n, p in model.named_parameters() if p.grad is not None}
    return {"logits": floats(out.logits), "logits_shape": list(out.logits.shape), "loss": float(out.loss.detach()),
            "grad_norms": norms}


def golden(fixtures, name, out):
    g = json.loads((fixtures / name / "golden.json").read_text())
    cls = AutoModelForCausalLM if name.endswith("-lm") else AutoModelForSequenceClassification
    model = cls.from_pretrained(fixtures / name, attn_implementation="eager", dtype=torch.float32)
    model.train()
    inputs = {k: torch.tensor(v) for k, v in g["inputs"].items()}
    res = {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "fixture": name,
        "autocast": "torch.autocast('cpu', dtype=torch.bfloat16) around the forward pass; backward after it",
        "inputs": g["inputs"],
        "bf16": run(model, inputs, True),
        "float32": run(model, inputs, False),
    }
    (out / f"{name}.json").write_text(json.dumps(res, separators=(",", ":")) + "\n")


def bf16_copy(fixtures, out):
    src = fixtures / "bert-seqcls"
    dst = out / "bert-seqcls-bf16"
    model = AutoModelForSequenceClassification.from_pretrained(src, dtype=torch.float32)
    model.to(torch.bfloat16).save_pretrained(dst)
    for f in src.iterdir():
        if f.name not in ("config.json", "model.safetensors", "golden.json") and f.is_file() and not f.name.startswith("tokenizer_golden"):
            shutil.copy(f, dst / f.name)


def main():
    fixtures, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    for name in ("bert-seqcls", "llama-lm"):
        golden(fixtures, name, out)
    bf16_copy(fixtures, out)


if __name__ == "__main__":
    main()
