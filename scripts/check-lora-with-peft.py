"""Acceptance check (not a test): PEFT loads an adapter folder (one Finetune4j saved, or any other) onto its
base and gives the same logits, loss and gradient norms as `./finetune4j forward BASE --adapter ADAPTER`.

    python scripts/check-lora-with-peft.py BASE_DIR ADAPTER_DIR INPUTS.json [--num-labels N] [--pad-token-id ID]

INPUTS.json is what `forward --inputs` takes (a fixture's golden.json works). Needs the oracle's Python
environment (see ../shared/oracle/README.md); the project itself never runs Python.
"""
import argparse, json, os, subprocess, sys
import torch
import transformers
from peft import PeftModel

ap = argparse.ArgumentParser()
ap.add_argument("base"); ap.add_argument("adapter"); ap.add_argument("inputs")
ap.add_argument("--num-labels", type=int); ap.add_argument("--pad-token-id", type=int)
a = ap.parse_args()
torch.set_num_threads(1)
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
java = subprocess.run(["./finetune4j", "forward", os.path.abspath(a.base), "--adapter", os.path.abspath(a.adapter),
                       "--inputs", os.path.abspath(a.inputs)], capture_output=True, text=True, cwd=root)
if java.returncode != 0:
    sys.exit("finetune4j forward failed: " + java.stderr.strip())
j = json.loads(java.stdout)

cfg = json.load(open(os.path.join(a.adapter, "adapter_config.json")))
config = transformers.AutoConfig.from_pretrained(a.base)
for k in [k for k in vars(config) if "dropout" in k or k.endswith("_pdrop")]:
    if isinstance(getattr(config, k), float):
        setattr(config, k, 0.0)  # the probe runs without dropout, as `forward` does
if a.num_labels:
    config.num_labels = a.num_labels
if a.pad_token_id is not None:
    config.pad_token_id = a.pad_token_id
cls = {"SEQ_CLS": "AutoModelForSequenceClassification", "CAUSAL_LM": "AutoModelForCausalLM",
       "TOKEN_CLS": "AutoModelForTokenClassification"}.get(cfg.get("task_type"), "AutoModel")
base = getattr(transformers, cls).from_pretrained(a.base, config=config, attn_implementation="eager")
model = PeftModel.from_pretrained(base, a.adapter, is_trainable=True)
model.train()
batch = json.load(open(a.inputs))
batch = batch.get("inputs", batch)
t = {k: torch.tensor(v) for k, v in batch.items() if k in ("input_ids", "attention_mask", "token_type_ids", "labels")}
out = model(**t)
logits = out.logits.detach()
got = torch.tensor(j["logits"])
print("model", type(base).__name__, "adapter", a.adapter)
print("max |logits_java - logits_peft| =", (got - logits).abs().max().item())
if out.loss is not None:
    out.loss.backward()
    print("loss java %.7f peft %.7f" % (j["loss"], out.loss.item()))
    worst = 0.0
    for n, p in model.named_parameters():
        if p.requires_grad:
            key = n.removeprefix("base_model.model.").replace(".modules_to_save.default.", ".").replace(".default.", ".")
            g = p.grad.norm().item() if p.grad is not None else 0.0
            worst = max(worst, abs(j["grad_norms"][key] - g) / max(g, 1e-6))
    print("max relative |grad_norm_java - grad_norm_peft| =", worst)
