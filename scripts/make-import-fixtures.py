#!/usr/bin/env python3
"""Writes the test inputs of `finetune4j import` into finetune4j-core/src/test/resources/import (small generated
files; the tests never run Python). Needs torch, transformers, onnx, onnxruntime and tensorflow-cpu.

  tf-bert-mlm/          the fixture bert-mlm (a tiny random BertForMaskedLM) as a TensorFlow checkpoint
                        with Google's variable names, written by TensorFlow's own Saver, with Adam slots
                        and global_step as a fine-tuning run leaves them, bert_config.json and vocab.txt;
                        importing it must give back fixtures/bert-mlm/model.safetensors exactly
  tf-bert-pretraining/  a tiny random BertForPreTraining (pooler and next-sentence head too) under a
                        TF-Hub `module/` scope in two shards; expected.safetensors is what Transformers
                        saved for that model
  onnx-bert/            the body of fixtures/bert-mlm exported by torch.onnx.export (opset 11, the legacy
                        exporter, as the langchain4j models were made) with its tokenizer.json;
                        golden.json holds onnxruntime's last hidden state on two sentences

Usage: HF_HUB_OFFLINE=1 python scripts/make-import-fixtures.py
"""
import json
import os
import shutil
import sys

import numpy as np
import tensorflow as tf
import torch
from safetensors.numpy import load_file
from transformers import BertConfig, BertForPreTraining, BertModel, BertTokenizerFast

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURE = os.path.join(ROOT, "src", "test", "resources", "fixtures", "bert-mlm")
OUT = os.path.join(ROOT, "src", "test", "resources", "import")


def google_name(hf):
    """The inverse of the import's mapping: Transformers' name to Google's variable name and transpose flag."""
    parts = hf.split(".")
    if hf == "cls.predictions.bias":
        return "cls/predictions/output_bias", False
    if hf.startswith("cls.seq_relationship."):
        return "cls/seq_relationship/" + ("output_weights" if parts[-1] == "weight" else "output_bias"), False
    if parts[-2].endswith("_embeddings"):
        return "/".join(parts[:-1]), False
    out = []
    i = 0
    while i < len(parts):
        if parts[i] == "layer" and i + 1 < len(parts) and parts[i + 1].isdigit():
            out.append("layer_" + parts[i + 1])
            i += 2
            continue
        out.append(parts[i])
        i += 1
    norm = "LayerNorm" in parts
    last = {"weight": "gamma" if norm else "kernel", "bias": "beta" if norm else "bias"}[out[-1]]
    return "/".join(out[:-1] + [last]), last == "kernel"


def save_checkpoint(tensors, prefix, scope="", devices=1, slots=False):
    """Saves {hf_name: array} with TensorFlow's Saver (graph mode), spread over `devices` shards."""
    tf.compat.v1.reset_default_graph()
    graph = tf.Graph()
    with graph.as_default():
        for k, (hf, a) in enumerate(sorted(tensors.items())):
            name, transpose = google_name(hf)
            value = np.ascontiguousarray(a.T if transpose else a)
            with tf.device("/cpu:%d" % (k % devices)):
                tf.compat.v1.get_variable(scope + name, initializer=value)
                if slots:
                    tf.compat.v1.get_variable(scope + name + "/adam_m", initializer=np.zeros_like(value))
                    tf.compat.v1.get_variable(scope + name + "/adam_v", initializer=np.full_like(value, 1e-3))
        if slots:
            tf.compat.v1.get_variable("global_step", initializer=np.int64(1000))
        saver = tf.compat.v1.train.Saver(sharded=devices > 1)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, prefix, write_meta_graph=False, write_state=False)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def tf_bert_mlm():
    out = fresh(os.path.join(OUT, "tf-bert-mlm"))
    save_checkpoint(load_file(os.path.join(FIXTURE, "model.safetensors")), os.path.join(out, "bert_model.ckpt"), slots=True)
    cfg = json.load(open(os.path.join(FIXTURE, "config.json")))
    keys = ["attention_probs_dropout_prob", "hidden_act", "hidden_dropout_prob", "hidden_size", "initializer_range",
            "intermediate_size", "max_position_embeddings", "num_attention_heads", "num_hidden_layers",
            "type_vocab_size", "vocab_size"]
    json.dump({k: cfg[k] for k in keys}, open(os.path.join(out, "bert_config.json"), "w"), indent=2)
    shutil.copy(os.path.join(FIXTURE, "vocab.txt"), out)


def tf_bert_pretraining():
    out = fresh(os.path.join(OUT, "tf-bert-pretraining"))
    torch.manual_seed(7)
    config = BertConfig.from_pretrained(FIXTURE)
    model = BertForPreTraining(config).eval()
    tmp = os.path.join(out, "tmp")
    model.save_pretrained(tmp, safe_serialization=True)
    shutil.copyfile(os.path.join(tmp, "model.safetensors"), os.path.join(out, "expected.safetensors"))
    shutil.rmtree(tmp)
    tensors = load_file(os.path.join(out, "expected.safetensors"))
    save_checkpoint(tensors, os.path.join(out, "model.ckpt"), scope="module/", devices=2)


def onnx_bert():
    import onnxruntime as ort
    out = fresh(os.path.join(OUT, "onnx-bert"))

    class Encoder(BertModel):  # positional inputs, the last hidden state out, as the langchain4j exports
        def forward(self, input_ids, attention_mask, token_type_ids):
            return super().forward(input_ids=input_ids, attention_mask=attention_mask,
                                   token_type_ids=token_type_ids).last_hidden_state

    model = BertModel.from_pretrained(FIXTURE, add_pooling_layer=False, attn_implementation="eager").eval()
    exported = Encoder.from_pretrained(FIXTURE, add_pooling_layer=False, attn_implementation="eager").eval()
    tok = BertTokenizerFast.from_pretrained(FIXTURE)
    tok.backend_tokenizer.save(os.path.join(out, "tokenizer.json"))
    enc = tok(["the cat sat on the mat", "a dog"], padding=True, return_tensors="pt")
    args = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    axes = {n: {0: "batch", 1: "sequence"} for n in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]}
    torch.onnx.export(exported, args, os.path.join(out, "model.onnx"), input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=11, do_constant_folding=True,
                      dynamo=False)
    session = ort.InferenceSession(os.path.join(out, "model.onnx"))
    feed = {k: v.numpy() for k, v in enc.items()}
    hidden = session.run(["last_hidden_state"], feed)[0]
    with torch.no_grad():
        ref = model(**enc).last_hidden_state.numpy()
    print("onnxruntime vs Transformers, max |diff|:", float(np.abs(hidden - ref).max()), file=sys.stderr)
    golden = {"inputs": {k: v.tolist() for k, v in feed.items()}, "last_hidden_state": hidden.tolist(),
              "versions": {"torch": torch.__version__, "onnxruntime": ort.__version__}}
    json.dump(golden, open(os.path.join(out, "golden.json"), "w"))


if __name__ == "__main__":
    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    tf.compat.v1.disable_eager_execution()
    tf_bert_mlm()
    tf_bert_pretraining()
    onnx_bert()
    print("wrote", OUT, file=sys.stderr)
