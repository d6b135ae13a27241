"""Settings: every default lives here and nowhere else."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

# File suffixes the corpus reader understands; anything else is skipped with a warning.
TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson")
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")


class Settings(BaseModel):
    """Paths and knobs of the assistant; a value left unset means the default below."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    corpus_paths: tuple[Path, ...] = (Path("corpus"),)
    index_dir: Path = Path("index")
    # Files larger than this are refused rather than read into memory whole.
    max_file_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    # Probability above which the text classifier calls an article opinion when no cue exists.
    opinion_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)
