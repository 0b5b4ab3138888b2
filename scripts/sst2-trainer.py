"""One SST-2 run of examples/sst2-bert-tiny.yaml in Transformers' Trainer, for scripts/bench-sst2-vs-trainer.sh.

The same recipe as Finetune4j trains: BERT-tiny-shaped BertForSequenceClassification initialised at random
from the config (seed given), max_length 64, batch 32 (eval 128), AdamW lr 1e-3, weight decay 0.01, linear
schedule with 6% warmup, evaluation and a checkpoint each epoch, DataCollatorWithPadding (each batch padded
to its longest row). Prints one JSON line: wall seconds of the whole process, train runtime, real tokens/s,
pad fraction of the training batches, dev accuracy.

    python scripts/sst2-trainer.py --model examples/assets/models/bert-tiny-noweights \
        --data examples/assets/datasets/sst2 --out target/sst2-trainer --seed 1 --epochs 1
"""
import time

START = time.time()

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import (BertConfig, BertForSequenceClassification, BertTokenizerFast,  # noqa: E402
                          DataCollatorWithPadding, Trainer, TrainingArguments, set_seed)


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["sentence"] for r in rows], [int(r["label"]) for r in rows]


class Rows(torch.utils.data.Dataset):
    def __init__(self, enc, labels):
        self.enc, self.labels = enc, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        item = {k: v[i] for k, v in self.enc.items()}
        item["labels"] = self.labels[i]
        return item


class CountingCollator(DataCollatorWithPadding):
    """DataCollatorWithPadding that counts real tokens and padded slots of the training batches."""
    real = 0
    slots = 0
    counting = True

    def __call__(self, features):
        batch = super().__call__(features)
        if CountingCollator.counting:
            mask = batch["attention_mask"]
            CountingCollator.real += int(mask.sum())
            CountingCollator.slots += mask.numel()
        return batch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=float, default=1)
    p.add_argument("--bf16", action="store_true")
    a = p.parse_args()

    set_seed(a.seed)
    tok = BertTokenizerFast.from_pretrained(a.model)
    config = BertConfig.from_pretrained(a.model, num_labels=2)
    model = BertForSequenceClassification(config)
    train_x, train_y = read_tsv(os.path.join(a.data, "train.tsv"))
    dev_x, dev_y = read_tsv(os.path.join(a.data, "dev.tsv"))
    train = Rows(tok(train_x, truncation=True, max_length=64), train_y)
    dev = Rows(tok(dev_x, truncation=True, max_length=64), dev_y)

    args = TrainingArguments(output_dir=a.out, num_train_epochs=a.epochs,
                             per_device_train_batch_size=32, per_device_eval_batch_size=128, learning_rate=1e-3,
                             weight_decay=0.01, warmup_steps=0.06, lr_scheduler_type="linear", logging_steps=200,
                             eval_strategy="epoch", save_strategy="epoch", save_total_limit=2, seed=a.seed,
                             bf16=a.bf16, use_cpu=True, report_to=[], dataloader_num_workers=0, disable_tqdm=True)

    def accuracy(pred):
        return {"accuracy": float((np.argmax(pred.predictions, -1) == pred.label_ids).mean())}

    class Counting(Trainer):
        def evaluate(self, *args, **kwargs):
            CountingCollator.counting = False
            try:
                return super().evaluate(*args, **kwargs)
            finally:
                CountingCollator.counting = True

    trainer = Counting(model=model, args=args, train_dataset=train, eval_dataset=dev,
                       data_collator=CountingCollator(tok), compute_metrics=accuracy)
    out = trainer.train()
    metrics = trainer.evaluate()
    runtime = out.metrics["train_runtime"]
    print(json.dumps({"side": "transformers", "seed": a.seed, "torch_threads": torch.get_num_threads(),
                      "wall_s": round(time.time() - START, 2), "train_runtime_s": runtime,
                      "real_tokens_per_s": round(CountingCollator.real / runtime, 1),
                      "pad_fraction": round(1 - CountingCollator.real / CountingCollator.slots, 4),
                      "eval_accuracy": metrics["eval_accuracy"]}))


if __name__ == "__main__":
    main()
