"""The sentence-transformers model run by ONNX Runtime: exported once from the local model folder, optionally
with int8 weights (dynamic quantization, which uses AVX-512 VNNI where the CPU has it), and cached.

The export reads only the local folder (never downloads). It is kept in `<cache_dir>/encoders/<key>/` (by default
`.qa-cache/encoders/`, beside the evaluation indexes), written to a temporary file and renamed, so a crash mid-export
leaves no half file. Only models that mean-pool their token vectors (all-MiniLM-L6-v2 and most
sentence-transformers models) can be exported; another pooling is a clear ModelNotFound.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelNotFound

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

CALIBRATION = Path(__file__).resolve().parent.parent / "data" / "calibration.json"
_EXPORT_LOCK = threading.Lock()


def _folder_key(folder: Path, quantized: bool) -> str:
    """A cache key of the model folder's configuration and weights (size and mtime) and the export kind."""
    parts = [str(folder.resolve()), "int8" if quantized else "fp32", "v1"]
    for name in sorted(os.listdir(folder)):
        p = folder / name
        if p.is_file():
            st = p.stat()
            parts.append(f"{name}:{st.st_size}:{int(st.st_mtime)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _check_mean_pooling(folder: Path) -> None:
    config = folder / "1_Pooling" / "config.json"
    if config.is_file():
        pooling = json.loads(config.read_text(encoding="utf-8"))
        if not pooling.get("pooling_mode_mean_tokens", False):
            raise ModelNotFound(f"{folder}: only mean-pooling models can run with an ONNX encoder; use --encoder torch")


def export(folder: Path, target: Path, quantized: bool) -> None:
    """The model at `folder` as ONNX at `target`: token vectors mean-pooled and L2-normalised in the graph."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    _check_mean_pooling(folder)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)

    class Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            h = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
            mask = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    enc = tokenizer(["a short text", "another, longer text to export with"], padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp-{os.getpid()}.onnx")
    fp32 = tmp if not quantized else target.with_suffix(f".fp32-{os.getpid()}.onnx")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad():
        torch.onnx.export(
            Pooled(model),
            tuple(enc[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={n: {0: "texts", 1: "tokens"} for n in names} | {"embedding": {0: "texts"}},
            opset_version=17,
            dynamo=False,
        )
    if quantized:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        fp32.unlink(missing_ok=True)
    os.replace(tmp, target)


class OnnxEmbedder:
    """Embeds with ONNX Runtime on the CPU; `name` is the model's name with the encoder after an "@"."""

    # Inputs are padded to a multiple of this many tokens (masked: the vectors are the same).
    pad_multiple = 1

    def __init__(
        self,
        folder: Path,
        name: str,
        quantized: bool,
        cache_dir: Path,
        batch_size: int = 64,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort

        self._tokenizer = _tokenizer(folder)
        self.name = name
        self.batch_size = batch_size
        target = Path(cache_dir) / "encoders" / _folder_key(folder, quantized) / "model.onnx"
        with _EXPORT_LOCK:
            if not target.is_file():
                export(folder, target, quantized)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
        self.path = target
        self.dim = int(self.embed(["x"]).shape[1])

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return np.asarray(self._session.run(None, feed)[0], dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Batched, normalised embeddings (in length order inside, returned in the given order)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        enc = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(enc[i].ids))
        rows = [
            self._run(_batch([enc[i] for i in order[lo : lo + self.batch_size]], self.pad_multiple))
            for lo in range(0, len(order), self.batch_size)
        ]
        out = np.zeros((len(texts), rows[0].shape[1]), dtype=np.float32)
        out[order] = np.concatenate(rows)
        return out


def _tokenizer(folder: Path) -> Tokenizer:
    """The model's fast tokenizer, truncating at its max_seq_length, unpadded (batches pad themselves)."""
    from tokenizers import Tokenizer

    if not (folder / "tokenizer.json").is_file():
        raise ModelNotFound(f"{folder}: no tokenizer.json; an ONNX or OpenVINO encoder needs a fast tokenizer")
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(_max_length(folder))
    tokenizer.no_padding()
    return tokenizer


def _batch(encodings: list[Encoding], multiple: int = 1) -> dict[str, np.ndarray]:
    """The model inputs of some encodings, padded with zeros to the longest, rounded up to `multiple` tokens."""
    width = -(-max(len(e.ids) for e in encodings) // multiple) * multiple
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for r, e in enumerate(encodings):
        n = len(e.ids)
        ids[r, :n] = e.ids
        mask[r, :n] = 1
        types[r, :n] = e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def _max_length(folder: Path) -> int:
    """The model's max_seq_length (sentence_bert_config.json), else 512."""
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 512))
    return 512


def calibration_texts() -> list[str]:
    """Texts for static int8 calibration: qa/data/calibration.json, the chunks, sentences and sentence pairs of
    the seed corpus, fixed in the package so that editing corpus/ never changes the encoder."""
    return list(json.loads(CALIBRATION.read_text(encoding="utf-8"))["texts"])


class OpenVinoEmbedder(OnnxEmbedder):
    """The ONNX export compiled by OpenVINO, with int8 weights and activations from NNCF's post-training
    quantization (calibrated on calibration_texts(); bf16 where the CPU has it), cached like the ONNX export.

    OpenVINO prepares each new input shape on its first run, so widths are rounded up to 32 tokens: a question or a
    few quoted sentences then reuse a handful of shapes (measured: 3 sentences in 26 ms instead of 47)."""

    pad_multiple = 32

    def __init__(
        self, folder: Path, name: str, cache_dir: Path, batch_size: int = 16, threads: int | None = None
    ) -> None:
        import openvino as ov

        self._tokenizer = _tokenizer(folder)
        self.name = name
        self.batch_size = batch_size
        base = Path(cache_dir) / "encoders" / _folder_key(folder, False)
        # the calibration texts are part of the model: another set is another file
        calibration = hashlib.sha256(CALIBRATION.read_bytes()).hexdigest()[:12]
        target = base / f"openvino-int8-{calibration}.xml"
        with _EXPORT_LOCK:
            if not target.is_file():
                if not (base / "model.onnx").is_file():
                    export(folder, base / "model.onnx", False)
                self._quantize(base / "model.onnx", target)
        core = ov.Core()
        config = {"INFERENCE_NUM_THREADS": threads or (os.cpu_count() or 1), "PERFORMANCE_HINT": "LATENCY"}
        self._compiled = core.compile_model(core.read_model(str(target)), "CPU", config)
        self._local = threading.local()
        self.path = target
        self.dim = int(self.embed(["x"]).shape[1])

    def _quantize(self, source: Path, target: Path) -> None:
        import nncf
        import openvino

        model = openvino.Core().read_model(str(source))
        texts = calibration_texts()
        batches = [_batch(self._tokenizer.encode_batch(texts[i : i + 8])) for i in range(0, len(texts), 8)]
        quantized = nncf.quantize(
            model, nncf.Dataset(batches), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(batches) * 8
        )
        tmp = target.with_name(f"tmp-{os.getpid()}.xml")
        openvino.save_model(quantized, str(tmp))
        os.replace(tmp.with_suffix(".bin"), target.with_suffix(".bin"))
        os.replace(tmp, target)

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:  # one infer request per thread: the embedder is shared by the web app's threads
            request = self._local.request = self._compiled.create_infer_request()
        result = request.infer(feed)
        return np.asarray(next(iter(result.values())), dtype=np.float32)
