#!/usr/bin/env bash
# The three reference evaluations of the README, each with its BM25 and dense baselines from the same run.
# Reads ../shared/data (never copied into the repository); writes eval/results/*.json and *.recall.png.
set -euo pipefail
cd "$(dirname "$0")/.."
QA=${QA:-.venv/bin/qa}
DATA=${DATA:-../shared/data}
export HF_HUB_OFFLINE=1
mkdir -p eval/results .qa-cache
# news_qa: the gold articles plus the first 1,000 articles of sample_5k as distractors.
head -n 1000 "$DATA/news_corpus/sample_5k.jsonl" > .qa-cache/sample_5k-first-1000.jsonl
"$QA" eval --gold "$DATA/news_qa/questions_dev.jsonl" \
    --corpus "$DATA/news_qa/articles.jsonl" .qa-cache/sample_5k-first-1000.jsonl \
    --compare --json eval/results/news_qa.json
"$QA" eval --gold "$DATA/squad2/questions_dev.jsonl" --corpus "$DATA/squad2/paragraphs.jsonl" \
    --compare --json eval/results/squad2.json
"$QA" eval --gold eval/seed_gold.jsonl --corpus corpus --compare --json eval/results/seed_gold.json
