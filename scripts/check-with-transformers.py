"""Acceptance check (not a test): Transformers loads a sequence classifier that Finetune4j saved and
gives the same class probabilities as `./finetune4j predict`.

    python scripts/check-with-transformers.py runs/sst2-bert-tiny

Needs the oracle's Python environment (see ../shared/oracle/README.md); the project never runs Python.
"""
import json, os, subprocess, sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
d = sys.argv[1]
texts = ["it 's a charming and often affecting journey .", "unflinchingly bleak and desperate", "a great movie"]
tok = AutoTokenizer.from_pretrained(d)
m = AutoModelForSequenceClassification.from_pretrained(d).eval()
with torch.no_grad():
    enc = tok(texts, padding=True, return_tensors="pt")
    p = m(**enc).logits.softmax(-1)
print("id2label", m.config.id2label)
out = subprocess.run(["./finetune4j", "predict", "--model", os.path.abspath(d)] + texts, capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))).stdout.strip().split("\n")
worst = 0
for i, line in enumerate(out):
    j = json.loads(line)
    for k, lab in m.config.id2label.items():
        worst = max(worst, abs(j["probabilities"][lab] - p[i, k].item()))
    print(texts[i][:40], j["label"], [round(x, 6) for x in p[i].tolist()], j["probabilities"])
print("max |p_java - p_hf| =", worst)
