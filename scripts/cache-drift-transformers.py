"""Reference point for the KV-cache check (not a test): how far Transformers' own cached and uncached
logits drift apart on the same greedy decode that scripts/acceptance-stories260k.sh checks in
Finetune4j (200 steps from BOS on stories260K, float32, two threads), printed in the same two measures.

    python scripts/cache-drift-transformers.py [../shared/assets/models/stories260K]

Needs the oracle's Python environment (see ../shared/oracle/README.md); the project never runs Python.
"""
import json, sys, torch
from transformers import AutoModelForCausalLM

d = sys.argv[1] if len(sys.argv) > 1 else "../shared/assets/models/stories260K"
torch.set_num_threads(2)
want = json.load(open(d + "/reference_greedy.json"))["tokens"]
for attn in ("eager", "sdpa"):
    m = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation=attn).eval()
    ids, past, worst, worst_rel, largest = [want[0]], None, 0.0, 0.0, 0.0
    with torch.no_grad():
        for _ in range(len(want) - 1):
            full = m(torch.tensor([ids]), use_cache=False).logits[0, -1]
            step = torch.tensor([ids] if past is None else [[ids[-1]]])
            out = m(step, past_key_values=past, use_cache=True)
            past, cached = out.past_key_values, out.logits[0, -1]
            diff = (full - cached).abs()
            worst = max(worst, diff.max().item())
            worst_rel = max(worst_rel, (diff / full.abs().clamp(min=1)).max().item())
            largest = max(largest, full.abs().max().item())
            ids.append(int(full.argmax()))
    print(f"{attn}: greedy ids match reference_greedy.json: {ids == want}; cached vs uncached logits over "
          f"{len(want) - 1} steps: max |diff| {worst:.3g}, max |diff| / max(1, |logit|) {worst_rel:.3g} "
          f"(largest |logit| {largest:.2f})")
