#!/usr/bin/env python3
"""Writes the demo's data (finetune4j-core/src/main/resources/demo). For `demo --tiny`: a sentence corpus for
masked-LM further pretraining, short labelled reviews (train and held-out test), and a WordPiece
vocabulary that covers both. For `demo` (the real all-MiniLM-L6-v2): movie-review sentences in the
style of SST-2 (sentiment_train.csv, sentiment_test.csv), with negation ("far from dull"), contrast
("the cast is wonderful, but the script falls flat": the clause after "but" decides) and mixed
aspects, so the task is not solved by spotting one word. Every phrase below was written for
Finetune4j and is under the project's licence; no sentence comes from SST-2 or any other dataset.
The combinations are drawn with fixed seeds, so running this again gives the same files.
Usage: python3 scripts/make-demo-data.py"""
import csv
import os
import random
import re

OUT = os.path.join(os.path.dirname(__file__), "..", "finetune4j-core", "src", "main", "resources", "demo")
rng = random.Random(20261126)

THINGS = ["film", "movie", "restaurant", "hotel", "book", "phone", "laptop", "camera", "album", "concert",
          "cafe", "game", "jacket", "blender", "museum", "bakery", "speaker", "tablet", "show", "novel"]
ASPECTS = {
    "film": ["acting", "plot", "ending", "soundtrack", "dialogue"], "movie": ["cast", "story", "pacing", "music", "script"],
    "restaurant": ["service", "food", "staff", "menu", "dessert"], "hotel": ["room", "staff", "breakfast", "bed", "view"],
    "book": ["writing", "story", "ending", "characters", "style"], "phone": ["battery", "screen", "camera", "speaker", "design"],
    "laptop": ["keyboard", "screen", "battery", "fan", "speed"], "camera": ["lens", "battery", "menu", "grip", "focus"],
    "album": ["vocals", "lyrics", "songs", "sound", "production"], "concert": ["band", "sound", "crowd", "lights", "setlist"],
    "cafe": ["coffee", "cake", "staff", "music", "service"], "game": ["controls", "story", "graphics", "levels", "music"],
    "jacket": ["fabric", "zip", "fit", "colour", "pockets"], "blender": ["motor", "lid", "blades", "noise", "design"],
    "museum": ["exhibits", "guide", "building", "shop", "staff"], "bakery": ["bread", "cakes", "staff", "coffee", "prices"],
    "speaker": ["sound", "bass", "volume", "battery", "buttons"], "tablet": ["screen", "battery", "speakers", "case", "speed"],
    "show": ["cast", "jokes", "episodes", "writing", "finale"], "novel": ["plot", "characters", "prose", "ending", "pace"],
}
POS_ADJ = ["great", "wonderful", "excellent", "superb", "lovely", "brilliant", "fantastic", "delightful", "amazing",
           "charming", "solid", "perfect", "impressive", "pleasant", "outstanding", "fun", "warm", "clever"]
NEG_ADJ = ["terrible", "awful", "dull", "poor", "boring", "horrible", "disappointing", "weak", "bad", "broken",
           "sloppy", "mediocre", "annoying", "cheap", "painful", "rude", "cold", "flimsy"]
POS_OPEN = ["I loved this {t}.", "What a {a} {t}!", "This {t} made my day.", "Honestly the best {t} I have tried.",
            "I would happily buy this {t} again.", "We enjoyed every minute with this {t}.", "A {a} {t}, start to finish.",
            "My friends adore this {t}.", "Five stars for this {t}."]
NEG_OPEN = ["I hated this {t}.", "What a {a} {t}.", "This {t} ruined my day.", "Honestly the worst {t} I have tried.",
            "I will never buy this {t} again.", "We regretted every minute with this {t}.", "A {a} {t}, start to finish.",
            "My friends could not stand this {t}.", "One star for this {t}."]
POS_MID = ["The {x} was {a}.", "The {x} felt {a} and the {y} was {b}.", "Everything about the {x} was {a}.",
           "Even the {x} was {a}.", "The {x} and the {y} were both {a}."]
NEG_MID = ["The {x} was {a}.", "The {x} felt {a} and the {y} was {b}.", "Everything about the {x} was {a}.",
           "Even the {x} was {a}.", "The {x} and the {y} were both {a}."]
POS_END = ["Highly recommended.", "Worth every penny.", "I will be back soon.", "A real pleasure.", "Go and see for yourself.",
           "I smiled the whole time.", ""]
NEG_END = ["Avoid it.", "A waste of money.", "I want my money back.", "Never again.", "Save yourself the trouble.",
           "I was bored the whole time.", ""]


def review(positive):
    t = rng.choice(THINGS)
    x, y = rng.sample(ASPECTS[t], 2)
    adj = POS_ADJ if positive else NEG_ADJ
    a, b, c = rng.sample(adj, 3)
    parts = [rng.choice(POS_OPEN if positive else NEG_OPEN).format(t=t, a=a)]
    parts.append(rng.choice(POS_MID if positive else NEG_MID).format(x=x, y=y, a=b, b=c))
    end = rng.choice(POS_END if positive else NEG_END)
    if end:
        parts.append(end)
    return agree(" ".join(parts))


def agree(text):
    """'The songs was' -> 'The songs were' (not after 'about', where 'everything' is the subject)."""
    return re.sub(r"(?<!about )\b([Tt]he) (\w+s) was\b",
                  lambda m: m.group(0) if m.group(2) in ("bass", "lens", "focus") else m.group(1) + " " + m.group(2) + " were", text)


SUBJECTS = ["The cook", "My neighbour", "A small child", "The old teacher", "Our team", "The farmer", "A tired traveller",
            "The shop owner", "My sister", "The pilot", "A young writer", "The nurse", "The driver", "Grandmother",
            "The students", "A quiet boy", "The musician", "The gardener", "Her uncle", "The engineer"]
VERBS = ["bought", "found", "carried", "opened", "fixed", "painted", "cleaned", "read", "cooked", "planted",
         "borrowed", "sold", "wrote", "built", "watched", "packed", "washed", "ordered", "moved", "tested"]
OBJECTS = ["a red bicycle", "the heavy box", "an old map", "a new phone", "the kitchen table", "a short letter",
           "the garden gate", "a warm jacket", "some fresh bread", "a blue umbrella", "the broken clock", "a paper kite",
           "the front door", "a cup of tea", "a long novel", "the wooden chair", "a bag of apples", "the laptop",
           "a small camera", "the winter boots"]
WHEN = ["in the morning", "after lunch", "on a rainy day", "before dinner", "at the weekend", "late at night",
        "during the storm", "in the spring", "on the way home", "last summer", "before the concert", "after school"]
FACTS = ["Rain fell softly on the roof.", "The train left the station on time.", "Bread rises when the dough is warm.",
         "The river runs past the old mill.", "Cats often sleep in the afternoon sun.", "The library opens at nine.",
         "Snow covered the hills overnight.", "The market sells fish and fresh vegetables.", "Bees visit the flowers in the field.",
         "The museum shows paintings from many countries.", "A good battery lasts the whole day.",
         "The cafe serves coffee and cake.", "The film starts after the news.", "Music filled the concert hall.",
         "The hotel stands near the beach.", "Children play football in the park.", "The bakery smells of warm bread.",
         "Wind turned the blades of the mill.", "Stars are bright when the sky is clear.", "The road climbs up the hill."]


def sentence():
    if rng.random() < 0.12:
        return rng.choice(FACTS)
    s = "{} {} {} {}.".format(rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(WHEN))
    return s


def unique(make, n):
    seen, out = set(), []
    while len(out) < n:
        s = make()
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = [(r, "positive") for r in unique(lambda: review(True), 280)] + [(r, "negative") for r in unique(lambda: review(False), 280)]
    rng.shuffle(rows)
    test, train = rows[:120], rows[120:]
    for name, part in (("reviews_train.csv", train), ("reviews_test.csv", test)):
        with open(os.path.join(OUT, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["text", "label"])
            w.writerows(part)
    corpus = unique(sentence, 400)
    with open(os.path.join(OUT, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(corpus) + "\n")
    words = set()
    for text in corpus + [r for r, _ in rows]:
        words.update(re.findall(r"[a-z0-9]+|[^a-z0-9\s]", text.lower()))
    letters = sorted(set("abcdefghijklmnopqrstuvwxyz0123456789"))
    punct = sorted(set(".,!?;:'\"()-") | {w for w in words if not w.isalnum()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + punct + letters + ["##" + c for c in letters]
    vocab += sorted(w for w in words if w.isalnum() and w not in vocab)
    with open(os.path.join(OUT, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(dict.fromkeys(vocab)) + "\n")


# ---- the real demo's movie-review sentences (their own generator, so the files above stay as they were) ----

film_rng = random.Random(20261207)
FILM_SUBJECTS = ["the film", "this movie", "the director's latest", "the script", "the cast", "the story", "the ending",
                 "the soundtrack", "the dialogue", "the pacing", "the camera work", "the lead performance", "the second half",
                 "this sequel", "the documentary", "the animation", "the humour", "the plot", "the final act", "the romance",
                 "the villain", "the screenplay", "the editing", "the opening scene", "the young star", "the premise"]
FILM_POS = ["is a joy to watch", "is beautifully made", "never loses its grip", "feels fresh and alive", "is funny, warm and wise",
            "is a quiet triumph", "earns every laugh", "moved me to tears", "stays with you long after the credits",
            "is smart and surprising", "delivers in every scene", "is a small masterpiece", "glows with real feeling",
            "is gripping from start to finish", "sparkles with wit", "hits every note", "is tender and honest",
            "rewards your patience", "is the best thing here", "lifts the whole picture", "is a genuine delight",
            "works beautifully", "is clever without showing off", "feels completely true"]
FILM_NEG = ["is a chore to sit through", "falls flat", "drags on forever", "feels stale and lifeless", "is painfully unfunny",
            "is a mess", "never earns its tears", "left me cold", "is forgotten before the credits roll",
            "is dull and predictable", "wastes a fine cast", "is a tired retread", "goes nowhere", "is clumsy and loud",
            "sinks the whole picture", "is the weakest thing here", "makes no sense at all", "bored me stiff",
            "feels cheap and rushed", "is a long, empty shrug", "tries too hard and fails", "is hollow at its core",
            "insults your intelligence", "plays like a bad rehearsal"]
GOOD_ADJ = ["good", "moving", "funny", "clever", "gripping", "charming", "original", "enjoyable", "fresh", "heartfelt"]
BAD_ADJ = ["boring", "dull", "bad", "stupid", "tedious", "awful", "predictable", "lifeless", "clumsy", "pointless"]
FILM_REC_POS = ["See it.", "Go see it.", "A must-see.", "Worth the ticket.", "I would watch it again.", "Bring your friends."]
FILM_REC_NEG = ["Skip it.", "Save your money.", "Wait for something better.", "Not worth the ticket.", "I walked out.",
                "Avoid it."]


def clause(positive, subject=None):
    s = subject or film_rng.choice(FILM_SUBJECTS)
    return s + " " + film_rng.choice(FILM_POS if positive else FILM_NEG)


def film_review(positive):
    kind = film_rng.random()
    if kind < 0.30:
        text = clause(positive)
    elif kind < 0.50:  # negation: the adjective's sentiment is turned around
        s = film_rng.choice(FILM_SUBJECTS)
        if positive:
            text = s + " is " + film_rng.choice(["never", "far from", "anything but", "not at all"]) + " " + film_rng.choice(BAD_ADJ)
        else:
            text = s + " is " + film_rng.choice(["hardly", "not exactly", "far from", "never really"]) + " " + film_rng.choice(GOOD_ADJ)
    elif kind < 0.75:  # contrast: what follows "but" decides
        a, b = film_rng.sample(FILM_SUBJECTS, 2)
        if film_rng.random() < 0.5:
            text = clause(not positive, a) + ", but " + clause(positive, b)
        else:
            text = "although " + clause(not positive, a) + ", " + clause(positive, b)
    elif kind < 0.88:  # expectations
        text = (film_rng.choice(["i expected very little, and", "on paper it sounds silly, yet"]) + " " + clause(True)
                if positive else film_rng.choice(["i had high hopes, but", "it looks lovely, yet"]) + " " + clause(False))
    else:  # two aspects that agree
        a, b = film_rng.sample(FILM_SUBJECTS, 2)
        text = clause(positive, a) + " and " + clause(positive, b)
    text = text[0].upper() + text[1:].replace(" i ", " I ").replace("I expected", "I expected") + "."
    if film_rng.random() < 0.25:
        text += " " + film_rng.choice(FILM_REC_POS if positive else FILM_REC_NEG)
    return text


def main_films(train=2000, test=400):
    rows = [(r, "positive") for r in unique(lambda: film_review(True), (train + test) // 2)] + \
           [(r, "negative") for r in unique(lambda: film_review(False), (train + test) // 2)]
    film_rng.shuffle(rows)
    for name, part in (("sentiment_train.csv", rows[:train]), ("sentiment_test.csv", rows[train:])):
        with open(os.path.join(OUT, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["text", "label"])
            w.writerows(part)


if __name__ == "__main__":
    main()
    main_films()
