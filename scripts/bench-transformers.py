#!/usr/bin/env python3
"""Training-step time of Hugging Face Transformers on the shapes `finetune4j bench` times.

    python scripts/bench-transformers.py --case bert-base-8x128 [--bf16] [--threads 2] [--steps 5] [--warmup 2]

One JSON line per case: median step time, every step's time, peak RSS. A step is what
`finetune4j bench` times: zero_grad, the forward pass with labels (under
torch.autocast("cpu", dtype=torch.bfloat16) with --bf16, as Trainer's bf16=True), backward,
clip_grad_norm_(1.0) and torch.optim.AdamW (lr 2e-5, weight decay 0.01). Models are randomly
initialised from the library's default configs (train mode, default dropout and attention
implementation), the batch is fixed random token ids with seed 1.
"""
import argparse
import json
import resource
import statistics
import time

import torch

# name: (family, config overrides, batch, sequence, LoRA)
CASES = {
    "bert-tiny-32x128": ("bert", dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512),
                         32, 128, False),
    "bert-base-8x128": ("bert", {}, 8, 128, False),
    "gpt2-small-4x128": ("gpt2", {}, 4, 128, False),
    "gpt2-small-4x128-lora": ("gpt2", {}, 4, 128, True),  # PEFT LoRA r 16, alpha 32, dropout 0.05 on c_attn
}


def model_for(family, overrides, lora):
    from transformers import BertConfig, BertForSequenceClassification, GPT2Config, GPT2LMHeadModel
    if family == "bert":
        config = BertConfig(num_labels=2, **overrides)
        return BertForSequenceClassification(config), config.vocab_size
    config = GPT2Config(**overrides)
    model = GPT2LMHeadModel(config)
    if lora:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules=["c_attn"],
                                                 fan_in_fan_out=True, bias="none", task_type="CAUSAL_LM"))
    return model, config.vocab_size


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_case(name, bf16, warmup, steps):
    family, overrides, batch, seq, lora = CASES[name]
    torch.manual_seed(0)
    model, vocab = model_for(family, overrides, lora)
    model.train()
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, vocab, (batch, seq), generator=g)
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    inputs["labels"] = torch.randint(0, 2, (batch,), generator=g) if family == "bert" else ids
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-5, weight_decay=0.01)
    times = []
    cpu = 0.0
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        c0 = cpu_seconds()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            cpu += cpu_seconds() - c0
    return {"case": name, "dtype": "bfloat16" if bf16 else "float32",
            "attn_implementation": getattr(model.config, "_attn_implementation", None),
            "step_time_s": round(statistics.median(times), 4), "step_times_s": [round(t, 4) for t in times],
            "cpu_s_per_step": round(cpu / steps, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="repeatable; default all")
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for name in a.case or list(CASES):
        print(json.dumps(time_case(name, a.bf16, a.warmup, a.steps)), flush=True)


if __name__ == "__main__":
    main()
