"""Makes the question-answering parity goldens (not a test; the project never runs Python):
finetune4j-core/src/test/resources/fixtures/bert-qa and distilbert-qa.

    HF_HUB_OFFLINE=1 python scripts/make-qa-goldens.py ../shared/oracle finetune4j-core/src/test/resources/fixtures

Each model is BertForQuestionAnswering / DistilBertForQuestionAnswering built by Transformers from the
config of the bert-seqcls / distilbert-seqcls fixture (seeded), saved with its tokenizer files, and a
golden.json with the fields of the other goldens: start and end logits, the loss, hidden-state and
attention summaries, gradient norms and 5 AdamW steps (oracle.py's helpers; its command line reads no
start/end positions). The batch is three padded question/context pairs: an answer inside the context,
one at [CLS] (no answer in the window) and one whose positions lie past the sequence (ignored).
"""
import json
import math
import os
import shutil
import sys

import torch

ORACLE, FIXTURES = sys.argv[1], sys.argv[2]
sys.path.insert(0, ORACLE)
import oracle  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoConfig, AutoTokenizer  # noqa: E402

MODELS = {"bert-qa": ("bert-seqcls", "BertForQuestionAnswering", 1401),
          "distilbert-qa": ("distilbert-seqcls", "DistilBertForQuestionAnswering", 1402)}
PAIRS = [("where did the cat sit?", "the cat sat on the mat."),
         ("is it good?", "yes, very good and the music was even better."),
         ("what did we eat?", "i did not like the food.")]
TOKEN_FILES = ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


def inputs_for(tok, with_types):
    batch = tok([q for q, _ in PAIRS], [c for _, c in PAIRS], padding=True)
    ids = batch["input_ids"]
    t = len(ids[0])
    context = [r.index(3) + 1 for r in ids]  # first token after the question's [SEP]
    inputs = {"input_ids": ids, "attention_mask": batch["attention_mask"]}
    if with_types:
        inputs["token_type_ids"] = batch["token_type_ids"]
    inputs["start_positions"] = [context[0] + 3, 0, t + 5]   # "on", [CLS], past the end (ignored)
    inputs["end_positions"] = [context[0] + 5, 0, t + 7]     # "mat"
    return inputs


def forward_backward(model, inputs):
    """oracle.forward_backward for a QA output (start_logits / end_logits instead of logits)."""
    model.train()
    model.zero_grad(set_to_none=True)
    out = model(**inputs, output_hidden_states=True, output_attentions=True, return_dict=True)
    res = {"logits_shape": list(out.start_logits.shape), "start_logits": oracle.to_list(out.start_logits),
           "end_logits": oracle.to_list(out.end_logits), "loss": oracle.f32(out.loss)}
    hidden = [oracle.summary(h, oracle.hidden_sample) for h in out.hidden_states]
    attentions = [oracle.summary(a, oracle.attn_sample) for a in out.attentions]
    out.loss.backward()
    norms, total = {}, 0.0
    for n, p in model.named_parameters():
        if p.requires_grad and p.grad is not None:
            g = p.grad.detach().to(torch.float64)
            norms[n] = oracle.f32(g.norm())
            total += float((g * g).sum())
    return res, hidden, attentions, norms, oracle.f32(math.sqrt(total))


def make(name, source, cls, seed):
    src, out = os.path.join(FIXTURES, source), os.path.join(FIXTURES, name)
    os.makedirs(out, exist_ok=True)
    config = AutoConfig.from_pretrained(src)
    config.architectures = [cls]
    torch.manual_seed(seed)
    model = getattr(transformers, cls)._from_config(config, attn_implementation="eager")
    model.save_pretrained(out, safe_serialization=True)
    for f in TOKEN_FILES:
        shutil.copy(os.path.join(src, f), out)
    tok = AutoTokenizer.from_pretrained(out)
    inputs = inputs_for(tok, "distil" not in name)
    model = oracle.load_model(out, cls)
    tensors = {k: torch.tensor(v, dtype=torch.long) for k, v in inputs.items()}
    res, hidden, attentions, norms, total = forward_backward(model, tensors)
    train = oracle.train(model, tensors, 5)
    golden = {"format_version": 1, "model_class": cls, "seed": seed, "attn_implementation": "eager",
              "dtype": "float32", "versions": oracle.versions(), "inputs": inputs,
              "texts": [list(p) for p in PAIRS], "expected": res, "hidden_states": hidden,
              "attentions": attentions, "grad_norms": norms, "grad_global_norm": total, "train": train}
    with open(os.path.join(out, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(name, "loss", res["loss"], "positions", inputs["start_positions"], inputs["end_positions"])


for n, (s, c, seed) in MODELS.items():
    make(n, s, c, seed)
