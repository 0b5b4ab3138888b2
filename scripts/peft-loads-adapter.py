#!/usr/bin/env python3
"""PEFT loads an adapter folder Finetune4j saved onto its base: every adapter tensor in the file reaches
the model unchanged, and the adapted model runs a forward pass (loss printed).

    python scripts/peft-loads-adapter.py BASE_DIR ADAPTER_DIR

Needs transformers and peft (run with HF_HUB_OFFLINE=1); the project's tests never run it.
"""
import json
import os
import sys

import torch
import transformers
from peft import PeftModel
from safetensors.torch import load_file

base_dir, adapter_dir = sys.argv[1], sys.argv[2]
cfg = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
cls = {"SEQ_CLS": "AutoModelForSequenceClassification", "CAUSAL_LM": "AutoModelForCausalLM"}.get(cfg.get("task_type"), "AutoModel")
base = getattr(transformers, cls).from_pretrained(base_dir)
print(f"base: {type(base).__name__}, {sum(p.numel() for p in base.parameters()):,} parameters, dtype {base.dtype}")
model = PeftModel.from_pretrained(base, adapter_dir)
saved = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
state = {k.replace(".default", ""): v for k, v in model.state_dict().items()}
missing = [k for k in saved if k not in state]
if missing:
    sys.exit(f"not in the PEFT model: {missing[:5]}")
worst = max(float((state[k].float() - v.float()).abs().max()) for k, v in saved.items())
print(f"{len(saved)} adapter tensors loaded; largest difference from the file: {worst}")
ids = torch.tensor([[1, 20, 30, 40, 50, 60, 70, 2]])
with torch.no_grad():
    out = model(input_ids=ids, labels=ids)
print(f"forward on 8 tokens: loss {float(out.loss):.4f}")
if worst != 0 or not torch.isfinite(out.loss):
    sys.exit("mismatch")
