"""The Python half of scripts/import-onnx-check.sh (see there). Not a test: the project never runs Python.

  import-onnx-check.py inputs MODEL_DIR            prints the three sentences' inputs JSON (for ./finetune4j forward)
  import-onnx-check.py compare WORK REFERENCE_DIR  prints the comparisons
"""
import json
import sys

import numpy as np

SENTENCES = ["The quick brown fox jumps over the lazy dog.",
             "Finetune4j imports BERT-family encoders from ONNX exports in pure Java.",
             "What is the capital of France?"]


def inputs(model_dir):
    from transformers import AutoTokenizer
    enc = AutoTokenizer.from_pretrained(model_dir)(SENTENCES, padding=True)
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def tensors_equal(work, reference):
    from safetensors.numpy import load_file
    a = load_file(f"{work}/all-minilm-l6-v2/model.safetensors")
    b = load_file(f"{reference}/model.safetensors")
    worst = max(float(np.abs(a[k] - b[k]).max()) for k in b if k in a and a[k].shape == b[k].shape)
    same = set(a) == set(b) and all(a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in b)
    print(f"all-MiniLM-L6-v2: {len(a)} tensors imported, {len(b)} in the reference; names differ: {sorted(set(a) ^ set(b))};"
          f" bit-identical: {same}; max |diff| {worst:.3g}")
    for m in ("all-minilm-l6-v2", "bge-small-en-v1.5"):
        j = json.load(open(f"{work}/{m}.inspect.json"))
        print(f"inspect {m}: {j['class']}, {j['layers']} layers, hidden {j['hidden_size']}, {j['attention_heads']} heads;"
              f" newly initialised {j['newly_initialised']}, unused {j['unexpected']}")
    return same


def hidden_states(work):
    import onnxruntime as ort
    import torch
    from transformers import BertModel
    d = f"{work}/bge-small-en-v1.5"
    feed = {k: np.array(v, dtype=np.int64) for k, v in inputs(d).items()}
    mask = feed["attention_mask"][..., None].astype(bool)
    ref = ort.InferenceSession(f"{work}/bge-small-en-v1.5.onnx").run(["last_hidden_state"], feed)[0]
    model = BertModel.from_pretrained(d, add_pooling_layer=False, attn_implementation="eager").eval()
    with torch.no_grad():
        hf = model(**{k: torch.tensor(v) for k, v in feed.items()}).last_hidden_state.numpy()
    java = np.array(json.load(open(f"{d}.forward.json"))["logits"], dtype=np.float32)
    for name, x in (("Transformers on the imported folder", hf), ("Finetune4j on the imported folder", java)):
        diff = np.abs(np.where(mask, x - ref, 0)).max()
        print(f"bge-small-en-v1.5 last hidden state, 3 sentences, {int(feed['attention_mask'].sum())} tokens:"
              f" {name} vs onnxruntime on the original .onnx: max |diff| {diff:.3g}")
    diff = np.abs(np.where(mask, java - hf, 0)).max()
    print(f"bge-small-en-v1.5: Finetune4j vs Transformers on the imported folder: max |diff| {diff:.3g} (target 1e-4)")
    return diff < 1e-4


if __name__ == "__main__":
    if sys.argv[1] == "inputs":
        print(json.dumps(inputs(sys.argv[2])))
    else:
        ok = tensors_equal(sys.argv[2], sys.argv[3]) & hidden_states(sys.argv[2])
        print("PASS" if ok else "FAIL")
        sys.exit(0 if ok else 1)
