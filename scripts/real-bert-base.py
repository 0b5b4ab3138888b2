"""The Python half of scripts/real-bert-base.sh (see there); standard library only. Not a test.

  real-bert-base.py fill-mask MODEL_DIR INPUTS.json FINETUNE4J.json TRANSFORMERS.json
        the top predictions at [MASK] from both, and the largest logit difference (target 1e-4)
  real-bert-base.py conll PUBTATOR_FILE
        NCBI-disease PubTator abstracts as CoNLL lines "word tag" (IOB2, Disease), a blank line after each sentence
"""
import json
import re
import sys


def flatten(x):
    return [v for row in x for v in flatten(row)] if isinstance(x, list) else [x]


def fill_mask(model_dir, inputs, java_file, hf_file):
    vocab = open(f"{model_dir}/vocab.txt", encoding="utf-8").read().split("\n")
    ids = json.load(open(inputs))["input_ids"][0]
    pos = ids.index(vocab.index("[MASK]"))
    java = json.load(open(java_file))["logits"][0]
    hf = json.load(open(hf_file))["logits"][0]
    worst = max(abs(a - b) for a, b in zip(flatten(java), flatten(hf)))
    for name, logits in (("Finetune4j", java), ("Transformers", hf)):
        row = logits[pos]
        top = sorted(range(len(row)), key=lambda i: -row[i])[:5]
        print(f"{name} top 5 at [MASK]: " + ", ".join(f"{vocab[i]} ({row[i]:.3f})" for i in top))
    print(f"logits [1, {len(ids)}, {len(java[0])}]: max |Finetune4j - Transformers| = {worst:.3g} (target 1e-4)")
    first = vocab[max(range(len(java[pos])), key=lambda i: java[pos][i])]
    ok = first == "paris" and worst < 1e-4
    print("PASS" if ok else "FAIL")
    return ok


def conll(path):
    docs = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.match(r"^(\d+)\|([ta])\|(.*)$", line)
        if m:
            doc = docs.setdefault(m.group(1), {"text": "", "spans": []})
            doc["text"] += (" " if m.group(2) == "a" else "") + m.group(3)
        elif line.count("\t") >= 4:
            pmid, start, end = line.split("\t")[:3]
            docs[pmid]["spans"].append((int(start), int(end)))
    out = []
    for doc in docs.values():
        inside = None
        for tok in re.finditer(r"\w+|[^\w\s]", doc["text"]):
            span = next(((s, e) for s, e in doc["spans"] if s <= tok.start() < e), None)
            tag = "O" if span is None else ("I-Disease" if span == inside else "B-Disease")
            inside = span
            out.append(f"{tok.group()} {tag}")
            if tok.group() == "." and span is None:
                out.append("")
                inside = None
        out.append("")
    print("\n".join(line for i, line in enumerate(out) if line or (i > 0 and out[i - 1])))


if __name__ == "__main__":
    if sys.argv[1] == "fill-mask":
        sys.exit(0 if fill_mask(*sys.argv[2:6]) else 1)
    conll(sys.argv[2])
