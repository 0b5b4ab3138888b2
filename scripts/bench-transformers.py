#!/usr/bin/env python3
"""Training-step time of Hugging Face Transformers on the shapes `finetune4j bench` times.

    python scripts/bench-transformers.py --case bert-base-8x128 [--bf16] [--threads 2] [--steps 5] [--warmup 2]
        [--device cuda]
    python scripts/bench-transformers.py --config examples/configs/llama-1b.json --lora --batch 4 --seq 512 --bf16 --device cuda

One JSON line per case: median step time, every step's time, peak RSS (and peak GPU memory). A
step is what `finetune4j bench` times: zero_grad, the forward pass with labels (under
torch.autocast(device, dtype=torch.bfloat16) with --bf16, as Trainer's bf16=True), backward,
clip_grad_norm_(1.0) and torch.optim.AdamW (lr 2e-5, weight decay 0.01, fused=True: Trainer's default
optimizer adamw_torch_fused from torch 2.8 on), on a GPU up to
torch.cuda.synchronize(). Models are randomly initialised from the library's default configs
(train mode, default dropout and attention implementation), the batch is fixed random token ids
with seed 1. --config times a causal LM made from a config.json instead (weights in its
torch_dtype), with --lora PEFT's LoRA r 16, alpha 32, dropout 0.05 on its default targets, as
`finetune4j bench --model DIR --lora` on a folder `finetune4j init` made from the same config.
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


def model_from_config(path, lora):
    from transformers import AutoConfig, AutoModelForCausalLM
    config = AutoConfig.from_pretrained(path)
    dtype = getattr(config, "torch_dtype", None) or getattr(config, "dtype", None) or torch.float32
    model = AutoModelForCausalLM.from_config(config, torch_dtype=dtype)
    if lora:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, bias="none", task_type="CAUSAL_LM"))
    return model, config.vocab_size


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_case(name, bf16, warmup, steps, device="cpu", config=None):
    """A case of CASES by name, or with config (a config.json) a case (name, batch, seq, lora) of that model."""
    torch.manual_seed(0)
    if config:
        name, batch, seq, lora = name
        family = "causal"
        model, vocab = model_from_config(config, lora)
    else:
        family, overrides, batch, seq, lora = CASES[name]
        model, vocab = model_for(family, overrides, lora)
    device = torch.device(device)
    model.to(device)
    model.train()
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, vocab, (batch, seq), generator=g)
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    inputs["labels"] = torch.randint(0, 2, (batch,), generator=g) if family == "bert" else ids
    inputs = {k: v.to(device) for k, v in inputs.items()}
    gpu = device.type == "cuda"
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-5, weight_decay=0.01, fused=True)
    times = []
    cpu = 0.0
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        c0 = cpu_seconds()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if gpu:
            torch.cuda.synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            cpu += cpu_seconds() - c0
    return {"case": name, "dtype": "bfloat16" if bf16 else "float32",
            "attn_implementation": getattr(model.config, "_attn_implementation", None),
            "step_time_s": round(statistics.median(times), 4), "step_times_s": [round(t, 4) for t in times],
            "cpu_s_per_step": round(cpu / steps, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(device),
            "gpu_peak_mb": round(torch.cuda.max_memory_allocated(device) / 1048576, 1) if gpu else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="repeatable; default all")
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    ap.add_argument("--config", help="a causal LM's config.json to time instead of the cases")
    ap.add_argument("--lora", action="store_true", help="with --config: train a LoRA adapter only")
    ap.add_argument("--batch", type=int, default=8, help="with --config: rows per batch (default 8)")
    ap.add_argument("--seq", type=int, default=128, help="with --config: tokens per row (default 128)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False  # as libtorch's default, which finetune4j keeps
        torch.backends.cudnn.allow_tf32 = False
    if a.config:
        name = f"{a.config}-{a.batch}x{a.seq}" + ("-lora" if a.lora else "")
        print(json.dumps(time_case((name, a.batch, a.seq, a.lora), a.bf16, a.warmup, a.steps, a.device, a.config)), flush=True)
        return
    for name in a.case or list(CASES):
        print(json.dumps(time_case(name, a.bf16, a.warmup, a.steps, a.device)), flush=True)


if __name__ == "__main__":
    main()
