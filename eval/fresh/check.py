"""Sanity check for the fresh corpus (standard library only)."""
import json
import re
import string
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PUNCT = str.maketrans("", "", string.punctuation + "\u2014\u2013\u2018\u2019\u201c\u201d")

def norm(s):
    s = s.lower().translate(PUNCT)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())

def load(name):
    rows = []
    for i, line in enumerate((HERE / name).read_text(encoding="utf-8").splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            sys.exit(f"{name}:{i}: invalid JSON: {e}")
    return rows

errors = []
arts, qs = load("articles.jsonl"), load("questions.jsonl")
docs = {a["id"]: a for a in arts}
if len(arts) != 10: errors.append(f"{len(arts)} articles, want 10")
if len(qs) != 40: errors.append(f"{len(qs)} questions, want 40")
need = {"id", "title", "text", "authors", "outlet", "date", "url", "genre"}
for a in arts:
    if set(a) != need: errors.append(f"{a.get('id')}: fields {sorted(a)}")
    n = len(a["text"].split())
    if not 250 <= n <= 450: errors.append(f"{a['id']}: {n} words")
    if not re.fullmatch(r"2025-\d\d-\d\d", a["date"]): errors.append(f"{a['id']}: date {a['date']}")
print("genres:", dict(Counter(a["genre"] for a in arts)), "outlets:", len({a["outlet"] for a in arts}))
print("words:", {a["id"]: len(a["text"].split()) for a in arts})
if len({q["id"] for q in qs}) != len(qs): errors.append("duplicate question ids")
ans = [q for q in qs if not q["unanswerable"]]
una = [q for q in qs if q["unanswerable"]]
print(f"answerable {len(ans)}, unanswerable {len(una)}")
for q in ans:
    if not q["answers"] or not q["doc_ids"]:
        errors.append(f"{q['id']}: no answers/doc_ids"); continue
    for d in q["doc_ids"]:
        if d not in docs: errors.append(f"{q['id']}: unknown doc {d}"); continue
        text = " " + norm(docs[d]["text"]) + " "
        for a in q["answers"]:
            if " " + norm(a) + " " not in text:
                errors.append(f"{q['id']}: answer {a!r} not in {d}")
for q in una:
    if q["answers"] or q["doc_ids"]: errors.append(f"{q['id']}: unanswerable with answers/doc_ids")
print("OK" if not errors else "\n".join(["FAIL", *errors]))
sys.exit(1 if errors else 0)
