#!/usr/bin/env python3
"""The end-to-end corpus of BENCHMARKS.md: ANERcorp cut into sentences (at . ؟ !), each a
doccano JSONL record with its entities as code-point spans, repeated with fresh ids until
the file reaches SIZE bytes.

    python3 make_corpus.py ../shared/data/anercorp/ANERCorp.txt big.jsonl 50000000
"""
import json
import sys

src, out_path, size_limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
toks = []
for line in open(src, encoding="utf-8"):
    parts = line.rstrip("\n").rsplit(" ", 1)
    if line.strip() and len(parts) == 2:
        toks.append((parts[0], parts[1]))
sents, cur = [], []
for t in toks:
    cur.append(t)
    if t[0] in (".", "؟", "!"):
        sents.append(cur)
        cur = []
if cur:
    sents.append(cur)
records = []
for s in sents:
    text, spans, open_ = "", [], None
    for tok, tag in s:
        tok = tok.strip() or "_"
        if text:
            text += " "
        start = len(text)
        text += tok
        end = len(text)
        if tag.startswith("B-") or (tag.startswith("I-") and (open_ is None or open_[2] != tag[2:])):
            if open_:
                spans.append(open_)
            open_ = [start, end, tag[2:]]
        elif tag.startswith("I-"):
            open_[1] = end
        elif open_:
            spans.append(open_)
            open_ = None
    if open_:
        spans.append(open_)
    records.append((text, spans))
size, n = 0, 0
with open(out_path, "w", encoding="utf-8") as out:
    while size < size_limit:
        for text, spans in records:
            n += 1
            line = json.dumps({"id": n, "text": text, "label": spans}, ensure_ascii=False) + "\n"
            out.write(line)
            size += len(line.encode())
            if size >= size_limit:
                break
print(n, "documents,", size, "bytes")
