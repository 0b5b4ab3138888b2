"""Fuzzes Finetune4j's inputs from outside (not a test; the project's tests never run Python).

    python3 scripts/fuzz-inputs.py [--models 320] [--data 130] [--jobs 2] [--seed 1] [--work DIR (default: a new temporary folder)]

Makes corrupted model folders from the fixture models in finetune4j-core/src/test/resources/fixtures (weights, config,
tokenizer files) and bad data files and recipes around a small valid training run, runs the CLI on each
(inspect, forward, predict or generate for a folder; train for data and recipes) and checks every case:
exit code 1 or 2 with exactly one stderr line `error: ...` that names a file of the case, no stack trace,
within 20 s of CPU time (user + system; the wall time of a shared machine is reported beside it, and a case
still running after 120 s is a hang) and under 1 GB of resident memory -- or exit 0, which counts as a pass
only for mutations that may leave the input valid (a changed weight value, a harmless column, CRLF line
ends ...). Prints one line per failing case and the counts by mutation kind and outcome.
"""
import argparse
import concurrent.futures as cf
import json
import os
import random
import shutil
import tempfile
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "src", "test", "resources", "fixtures")
FOLDERS = ["bert-seqcls", "bert-mlm", "bert-qa", "distilbert-seqcls", "roberta-seqcls", "gpt2-lm", "opt-lm", "llama-lm"]
LIMIT_S, LIMIT_KB, HANG_S = 20, 1 << 20, 120


# ----------------------------------------------------------------------------- safetensors helpers
def read_st(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def write_st(path, header, data, text=None):
    body = (text if text is not None else json.dumps(header, separators=(",", ":"))).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(body)) + body + data)


def tensors(header):
    return [k for k in header if k != "__metadata__"]


# ----------------------------------------------------------------------------- model-folder mutations
# Each takes (rng, folder) and returns (kind, may_succeed).
def m_truncate(rng, d):
    p = os.path.join(d, "model.safetensors")
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        f.truncate(rng.randrange(0, size))
    return "weights truncated", False


def m_header_bitflip(rng, d):
    p = os.path.join(d, "model.safetensors")
    raw = bytearray(open(p, "rb").read())
    n = struct.unpack("<Q", raw[:8])[0]
    i = 8 + rng.randrange(n)
    raw[i] ^= 1 << rng.randrange(8)
    open(p, "wb").write(raw)
    return "header bit flipped", True  # a flipped bit in a head tensor's name is a new head, a valid load


def m_data_bitflip(rng, d):
    p = os.path.join(d, "model.safetensors")
    raw = bytearray(open(p, "rb").read())
    n = struct.unpack("<Q", raw[:8])[0]
    i = 8 + n + rng.randrange(len(raw) - 8 - n)
    raw[i] ^= 1 << rng.randrange(8)
    open(p, "wb").write(raw)
    return "weight value bit flipped", True


def m_header_length(rng, d):
    p = os.path.join(d, "model.safetensors")
    raw = bytearray(open(p, "rb").read())
    raw[:8] = struct.pack("<Q", rng.choice([0, 1, 7, len(raw), len(raw) * 3, 2 ** 40, 2 ** 63 - 1]))
    open(p, "wb").write(raw)
    return "header length wrong", False


def m_rename_backbone(rng, d):
    p = os.path.join(d, "model.safetensors")
    h, data = read_st(p)
    names = [t for t in tensors(h) if "embed" in t or "wte" in t or ".layers." in t or ".layer." in t or ".h." in t]
    k = rng.choice(names)
    h[k[:-3] + "wXt"] = h.pop(k)
    write_st(p, h, data)
    return "backbone tensor renamed", False


def m_dtype(rng, d):
    p = os.path.join(d, "model.safetensors")
    h, data = read_st(p)
    k = rng.choice(tensors(h))
    h[k]["dtype"] = rng.choice(["F16", "BF16", "I64", "U8", "F64", "XX", "", 3])
    write_st(p, h, data)
    return "dtype changed", False


def m_shape(rng, d):
    p = os.path.join(d, "model.safetensors")
    h, data = read_st(p)
    k = rng.choice(tensors(h))
    s = h[k]["shape"]
    h[k]["shape"] = rng.choice([s[::-1] if len(s) > 1 else [s[0] + 1], s + [1], [], [2 ** 40], [-1], [s[0] * 2] + s[1:],
                                "big", [1.5]])
    write_st(p, h, data)
    return "shape changed", True  # a reversed square shape still loads


def m_offsets(rng, d):
    p = os.path.join(d, "model.safetensors")
    h, data = read_st(p)
    k = rng.choice(tensors(h))
    b, e = h[k]["data_offsets"]
    h[k]["data_offsets"] = rng.choice([[b + 4, e + 4], [b - 4, e], [e, b], [0, e] if b else [4, e], [b, 2 ** 62], [-8, e], [b], "x"])
    write_st(p, h, data)
    return "data offsets changed", False


def m_drop_entry(rng, d):
    p = os.path.join(d, "model.safetensors")
    h, data = read_st(p)
    h.pop(rng.choice(tensors(h)))
    write_st(p, h, data)
    return "tensor entry removed", True  # a head tensor's absence is a new head


def m_header_text(rng, d):
    p = os.path.join(d, "model.safetensors")
    h, data = read_st(p)
    good = json.dumps(h, separators=(",", ":"))
    k = rng.choice(tensors(h))
    text = rng.choice([
        good[: len(good) // 2],
        good.replace('{"__metadata__"', '{"' + k + '":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__"', 1),
        "[" + good + "]",
        "null",
        "[" * 5000 + "]" * 5000,
        '{"__metadata__":{"format":' + "[" * 3000 + "]" * 3000 + "}}",
        good.replace('"__metadata__":{"format":"pt"}', '"__metadata__":{"format":7}'),
        good + "    garbage",
        "\u0000" * 64,
    ])
    write_st(p, h, data, text=text)
    return "header JSON broken", False


def m_weights_gone(rng, d):
    p = os.path.join(d, "model.safetensors")
    choice = rng.randrange(3)
    os.remove(p)
    if choice == 1:
        os.mkdir(p)
    elif choice == 2:
        open(p, "wb").close()
    return "weights missing, empty or a folder", False


def m_config_key(rng, d):
    p = os.path.join(d, "config.json")
    c = json.load(open(p))
    keys = [k for k in c if k not in ("transformers_version", "dtype", "torch_dtype", "use_cache", "bos_token_id",
                                      "eos_token_id", "problem_type", "classifier_dropout")]
    k = rng.choice(keys)
    action = rng.randrange(6)
    if action == 0:
        c.pop(k)
    elif action == 1:
        c[k] = "abc"
    elif action == 2:
        c[k] = -3
    elif action == 3:
        c[k] = 2 ** 40
    elif action == 4:
        c[k] = 0
    else:
        c[k] = [1, {"a": None}]
    json.dump(c, open(p, "w"))
    return "config key removed or of a wrong value", True  # dropout keys, pad ids ... may take any value


def m_config_type(rng, d):
    p = os.path.join(d, "config.json")
    c = json.load(open(p))
    c["model_type"] = rng.choice(["bert", "roberta", "distilbert", "gpt2", "opt", "llama", "mistral", "qwen2", "t5", "", None])
    json.dump(c, open(p, "w"))
    return "model_type changed", True  # the same type, or roberta over bert weights with other names ...


def m_config_arch(rng, d):
    p = os.path.join(d, "config.json")
    c = json.load(open(p))
    prefix = {"bert": "Bert", "roberta": "Roberta", "distilbert": "DistilBert", "gpt2": "GPT2", "opt": "OPT",
              "llama": "Llama"}[c["model_type"]]
    c["architectures"] = rng.choice([[prefix + s] for s in ["ForSequenceClassification", "ForMaskedLM", "ForCausalLM",
                                    "ForQuestionAnswering", "ForTokenClassification", "ForPreTraining", "Model",
                                    "LMHeadModel", "ForBogus"]] + [[], "x", [3]])
    json.dump(c, open(p, "w"))
    return "architectures changed", True  # another head is a valid folder with a new head


def m_config_text(rng, d):
    p = os.path.join(d, "config.json")
    good = open(p).read()
    text = rng.choice([good[: len(good) // 2], "", "[]", "{" * 3000 + "}" * 3000, good.replace("{", "{\"a\": 1, \"a\": 2, ", 1),
                       '{"model_type": "bert", "x": "' + "a" * 30_000_000 + '"}', "\udcff", good + "}}}"])
    with open(p, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    return "config JSON broken", False


def m_labels(rng, d):
    p = os.path.join(d, "config.json")
    c = json.load(open(p))
    c["id2label"] = rng.choice([{"0": "a", "2": "b"}, {"x": "a"}, [], "labels", {"0": None}, {str(i): "l" for i in range(9)}])
    json.dump(c, open(p, "w"))
    return "id2label broken", True  # 9 labels is valid for a folder without a trained classifier


def m_tokenizer(rng, d):
    files = [f for f in ("vocab.txt", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")
             if os.path.exists(os.path.join(d, f))]
    if not files:
        return m_config_key(rng, d)
    f = rng.choice(files)
    p = os.path.join(d, f)
    text = open(p, encoding="utf-8").read()
    action = rng.randrange(7)
    if action == 0:
        out = text[: len(text) // 3]
    elif action == 1:
        out = ""
    elif action == 2:
        os.remove(p)
        return "tokenizer file removed", True  # special_tokens_map.json is optional
    elif action == 3:
        out = text + ("zz" * 200_000) + "\n"
    elif action == 4:
        out = text.replace("[PAD]", "[PAX]").replace("<|endoftext|>", "<|endoftext").replace("<s>", "<x>")
    elif action == 5 and f == "vocab.json":
        v = json.loads(text)
        k = rng.choice(list(v))
        v[k] = rng.choice([10 ** 6, -1, "a", v[rng.choice(list(v))]])
        out = json.dumps(v)
    else:
        out = "\x00\xff" + text
    with open(p, "w", encoding="utf-8", errors="surrogatepass") as fh:
        fh.write(out)
    return "tokenizer file damaged", True  # a truncated vocab may still hold every special token


MODEL_MUTATIONS = [m_truncate, m_header_bitflip, m_data_bitflip, m_header_length, m_rename_backbone, m_dtype, m_shape,
                   m_offsets, m_drop_entry, m_header_text, m_weights_gone, m_config_key, m_config_type, m_config_arch,
                   m_config_text, m_labels, m_tokenizer]


def model_command(fixture, d, i):
    golden = os.path.join(FIXTURES, fixture, "golden.json")
    lm = fixture in ("gpt2-lm", "opt-lm", "llama-lm")
    choices = [["inspect", d], ["forward", d, "--inputs", golden]]
    if lm and fixture != "llama-lm":
        choices.append(["generate", "--model", d, "--prompt", "the cat", "--max-new-tokens", "4"])
    elif fixture.endswith("seqcls"):
        choices.append(["predict", "--model", d, "a good movie"])
    return choices[i % len(choices)]


# ----------------------------------------------------------------------------- data files and recipes
ROWS = [("a good movie", "pos"), ("the bad coffee", "neg"), ("nice and warm", "pos"), ("cold and late", "neg"),
        ("great music", "pos"), ("the old room", "neg"), ("happy day", "pos"), ("lazy food", "neg")]


def recipe_text(train, dev=None, extra_data=(), extra_training=(), model=None):
    lines = ["model:", "  path: " + (model or os.path.join(FIXTURES, "bert-seqcls")), "task: sequence-classification",
             "data:", "  train: " + train, "  text_column: sentence"]
    if dev:
        lines.append("  validation: " + dev)
    else:
        lines.append("  validation_split: 0.25")
    lines += ["  " + e for e in extra_data]
    lines += ["training:", "  output_dir: out", "  max_steps: 1", "  per_device_train_batch_size: 2", "  save_strategy: 'no'",
              "  logging_steps: 1"]
    lines += ["  " + e for e in extra_training]
    return "\n".join(lines) + "\n"


def tsv(rows, header="sentence\tlabel"):
    return header + "\n" + "".join(f"{t}\t{l}\n" for t, l in rows)


def data_case(rng, d, i):
    """Writes a bad (or possibly valid) data file or recipe into d; returns (kind, may_succeed, argv)."""
    w = lambda name, text, mode="w": (open(os.path.join(d, name), mode).write(text), os.path.join(d, name))[1]
    recipe = os.path.join(d, "recipe.yaml")
    k = i % 34
    may, kind, over = False, None, []
    if k == 0:
        w("train.tsv", ""); kind = "empty data file"
    elif k == 1:
        w("train.tsv", "sentence\tlabel\n"); kind = "header only"
    elif k == 2:
        w("train.tsv", tsv(ROWS, "text\tlabel")); kind = "text column missing"
    elif k == 3:
        w("train.tsv", tsv(ROWS).replace("\tneg\n", "\n", 2)); kind = "ragged rows"
    elif k == 4:
        w("train.tsv", tsv(ROWS).encode("latin-1") + "caf\xe9\tpos\n".encode("latin-1"), "wb"); kind = "not UTF-8"
    elif k == 5:
        w("train.tsv", "\ufeff" + tsv(ROWS)); kind = "byte-order mark"; may = True
    elif k == 6:
        w("train.tsv", tsv(ROWS).replace("\n", "\r\n")); kind = "CRLF line ends"; may = True
    elif k == 7:
        w("train.tsv", tsv(ROWS[:3]) + "a\x00b\tpos\n"); kind = "NUL byte"; may = True
    elif k == 8:
        w("train.tsv", tsv(ROWS + [("word " * 2_000_000, "pos")])); kind = "10 MB text (tsv)"; may = True
    elif k == 9:
        w("train.csv", "sentence,label\n" + "".join(f"{t},{l}\n" for t, l in ROWS) + '"' + "x " * 2_000_000 + '",neg\n')
        over = ["data.train=" + os.path.join(d, "train.csv")]; kind = "10 MB text (csv)"; may = True
    elif k == 10:
        w("train.jsonl", "".join(json.dumps({"sentence": t, "label": l}) + "\n" for t, l in ROWS)
          + json.dumps({"sentence": "y " * 2_000_000, "label": "pos"}) + "\n")
        over = ["data.train=" + os.path.join(d, "train.jsonl")]; kind = "10 MB text (jsonl)"; may = True
    elif k == 11:
        w("train.csv", 'sentence,label\n"unterminated,pos\n'); over = ["data.train=" + os.path.join(d, "train.csv")]
        kind = "unterminated CSV quote"
    elif k == 12:
        w("train.jsonl", '{"sentence": "a", "label": "pos"}\nnot json\n'); over = ["data.train=" + os.path.join(d, "train.jsonl")]
        kind = "JSONL line not JSON"
    elif k == 13:
        w("train.jsonl", "[" * 3000 + "]" * 3000 + "\n"); over = ["data.train=" + os.path.join(d, "train.jsonl")]
        kind = "JSONL nested 3,000 deep"
    elif k == 14:
        w("train.tsv", tsv([(t, "pos") for t, _ in ROWS])); kind = "one class"
    elif k == 15:
        w("train.tsv", tsv([(t, rng.choice(["0", "1", "NaN"])) for t, _ in ROWS] + [("x", "NaN")])); kind = "NaN label"
    elif k == 16:
        w("train.tsv", tsv([(t, rng.choice(["-1", "99", "0", "1"])) for t, _ in ROWS])); kind = "labels -1 / 99"
    elif k == 17:
        w("train.jsonl", "".join(json.dumps({"sentence": t, "label": rng.choice([1, "1", 1.0, True, None])}) + "\n"
                                 for t, _ in ROWS)); over = ["data.train=" + os.path.join(d, "train.jsonl")]
        kind = "labels of mixed types"; may = True
    elif k == 18:
        w("train.tsv", tsv(ROWS)); w("dev.tsv", tsv([("good", "pso"), ("bad", "neg")]))
        over = ["data.validation=" + os.path.join(d, "dev.tsv")]; kind = "unseen validation label"
    elif k == 19:
        w("train.tsv", tsv([(t, "") for t, _ in ROWS])); kind = "empty labels"
    elif k == 20:
        os.mkdir(os.path.join(d, "train.tsv")); kind = "data path is a folder"
    elif k == 21:
        kind = "data file missing"
    elif k == 22:
        w("train.tsv", bytes(rng.randrange(256) for _ in range(5000)), "wb"); kind = "binary garbage"
    elif k == 23:
        w("train.tsv", "\t".join(f"c{j}" for j in range(20000)) + "\n" + tsv(ROWS)); kind = "20,000 columns"
    else:
        w("train.tsv", tsv(ROWS))
        kind, text, may = recipe_mutation(rng, d, k - 24)
        w("recipe.yaml", text, "wb" if isinstance(text, bytes) else "w")
        return kind, may, ["train", recipe] + over
    w("recipe.yaml", recipe_text("train.tsv"))
    return kind, may, ["train", recipe] + over


def recipe_mutation(rng, d, k):
    good = recipe_text("train.tsv")
    if k == 0:
        return "unknown recipe key", good.replace("max_steps", "max_step"), False
    if k == 1:
        return "misspelled block", good.replace("training:", "trainig:"), False
    if k == 2:
        key, value = rng.choice([("max_steps", "many"), ("learning_rate", "fast"), ("per_device_train_batch_size", "-4"),
                                 ("lr_scheduler_type", "exp"), ("bf16", "true"), ("warmup_ratio", "3"),
                                 ("eval_strategy", "sometimes"), ("load_best_model_at_end", "true"),
                                 ("resume_from_checkpoint", "nowhere"), ("seed", "[1, 2]")])
        return "training value wrong", good + f"  {key}: {value}\n", False
    if k == 3:
        return "1 MB key", good + "a" * 1_000_000 + ": 1\n", False
    if k == 4:
        return "YAML nested 2,000 deep", good + "freeze: " + "[" * 2000 + "]" * 2000 + "\n", False
    if k == 5:
        return "tab indentation", good.replace("  max_steps", "\tmax_steps"), False
    if k == 6:
        return "recipe not UTF-8", good.encode("utf-8") + b"# caf\xe9\n", False
    if k == 7:
        return "output_dir is a file", (open(os.path.join(d, "out"), "w").write("x"), good)[1], False
    if k == 8:
        return "model.path missing", good.replace(os.path.join(FIXTURES, "bert-seqcls"), os.path.join(d, "nomodel")), False
    if k == 9:
        return rng.choice([("empty recipe", "", False), ("recipe is a list", "- a\n- b\n", False),
                           ("unknown task", good.replace("sequence-classification", "summarization"), False),
                           ("max_length past the positions", good.replace("  text_column", "  max_length: 100000\n  text_column"),
                            False),
                           ("peft option not supported", good + "peft:\n  method: lora\n  use_dora: true\n", False)])
    raise ValueError(k)


# ----------------------------------------------------------------------------- running and judging
def run(argv, cwd):
    t0 = time.time()
    time_file = os.path.join(cwd, ".time")
    cmd = ["/usr/bin/time", "-o", time_file, "-f", "%M %U %S", os.path.join(ROOT, "finetune4j")] + argv
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=HANG_S)
        code, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", time.time() - t0, HANG_S, 0
    try:
        rss, user, system = open(time_file).read().split()[-3:]
        rss, cpu = int(rss), float(user) + float(system)
    except (OSError, ValueError):
        rss, cpu = 0, 0.0
    err = "\n".join(l for l in err.splitlines() if not l.startswith("Command exited with non-zero status"))
    return code, err, time.time() - t0, cpu, rss


def judge(code, err, cpu, rss, may_succeed, names):
    if code is None:
        return "hang (over 120 s)"
    if cpu > LIMIT_S:
        return "over 20 s"
    if rss > LIMIT_KB:
        return "over 1 GB"
    if code == 0:
        return "pass (valid)" if may_succeed else "exit 0 on bad input"
    if code not in (1, 2):
        return f"exit {code}"
    lines = [l for l in err.splitlines() if l.strip()]
    if "\tat " in err or "Exception in thread" in err:
        return "stack trace"
    errors = [l for l in lines if l.startswith("error: ")]
    if len(errors) != 1 or (code == 1 and len(lines) != 1):
        return "not one error line"
    if code == 1 and not any(n in errors[0] for n in names):
        return "file not named"
    return "pass (error)"


def model_job(args):
    i, seed, work = args
    rng = random.Random(seed * 100003 + i)
    fixture = FOLDERS[i % len(FOLDERS)]
    case = os.path.join(work, f"model-{i:04d}")
    d = os.path.join(case, fixture)
    shutil.copytree(os.path.join(FIXTURES, fixture), d, ignore=shutil.ignore_patterns("lora", "golden.json",
                                                                                       "tokenizer_golden.json"))
    kind, may = MODEL_MUTATIONS[rng.randrange(len(MODEL_MUTATIONS))](rng, d)
    argv = model_command(fixture, d, i)
    code, err, seconds, cpu, rss = run(argv, case)
    verdict = judge(code, err, cpu, rss, may, [d, os.path.join(FIXTURES, fixture, "golden.json")])  # or the inputs
    shutil.rmtree(case, ignore_errors=True)
    return "model", kind, verdict, argv[0], seconds, cpu, rss, err.strip().splitlines()[-1:] if err.strip() else []


def data_job(args):
    i, seed, work = args
    rng = random.Random(seed * 100019 + i)
    d = os.path.join(work, f"data-{i:04d}")
    os.makedirs(d)
    kind, may, argv = data_case(rng, d, i)
    code, err, seconds, cpu, rss = run(argv, d)
    verdict = judge(code, err, cpu, rss, may, [d, "override '"])
    shutil.rmtree(d, ignore_errors=True)
    return "data", kind, verdict, argv[0], seconds, cpu, rss, err.strip().splitlines()[-1:] if err.strip() else []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=320)
    ap.add_argument("--data", type=int, default=136)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    if a.work is None:
        a.work = tempfile.mkdtemp(prefix="finetune4j-fuzz-")
    else:
        shutil.rmtree(a.work, ignore_errors=True)
        os.makedirs(a.work)
    subprocess.run([os.path.join(ROOT, "finetune4j"), "--version"], check=True, capture_output=True)  # build once
    jobs = [(model_job, (i, a.seed, a.work)) for i in range(a.models)] + [(data_job, (i, a.seed, a.work)) for i in range(a.data)]
    counts, worst_s, worst_cpu, worst_kb, over_wall = {}, 0.0, 0.0, 0, 0
    with cf.ThreadPoolExecutor(a.jobs) as pool:
        for group, kind, verdict, command, seconds, cpu, rss, last in pool.map(lambda j: j[0](j[1]), jobs):
            counts.setdefault((group, kind, verdict), 0)
            counts[(group, kind, verdict)] += 1
            worst_s, worst_cpu, worst_kb = max(worst_s, seconds), max(worst_cpu, cpu), max(worst_kb, rss)
            over_wall += seconds > LIMIT_S
            if not verdict.startswith("pass"):
                print(f"FAIL {group} [{kind}] {command}: {verdict}: {' '.join(last)[:300]}", flush=True)
    total = sum(counts.values())
    passed = sum(n for (g, k, v), n in counts.items() if v.startswith("pass"))
    print(f"\n{total} cases ({a.models} model folders, {a.data} data files and recipes), {passed} pass, "
          f"{total - passed} fail; most CPU {worst_cpu:.1f} s, longest wall {worst_s:.1f} s ({over_wall} cases over 20 s"
          f" of wall time, load average {os.getloadavg()[0]:.1f} at the end), largest RSS {worst_kb / 1024:.0f} MiB")
    for (g, k, v), n in sorted(counts.items()):
        print(f"  {g:5s} {k:40s} {v:22s} {n}")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
