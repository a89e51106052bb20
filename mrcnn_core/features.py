"""Frozen VGG19 conv1..conv4 features (pool4) and their on-disk cache.

NOTES.md: conv1..conv4 of an ImageNet VGG19 are a fixed feature extractor;
for 32 x 32 input their output (pool4) is 2 x 2 x 512.  It is computed once
per image and cached, together with the backbone's conv5 weights (which
initialise the trainable head), keyed by the weights' identity, the input
size, the Keras backend (random weights differ per backend) and the data's
content hash.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WEIGHTS_NOTOP = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
CONV5 = ("block5_conv1", "block5_conv2", "block5_conv3", "block5_conv4")
CACHE_VERSION = 1


class WeightsUnavailable(RuntimeError):
    """ImageNet weights are needed but cannot be found or downloaded."""


@dataclass(frozen=True)
class FeatureSet:
    """pool4 features of every sample of a dataset, plus conv5 init weights.

    ``x`` is (N, 2, 2, 512) float32 aligned with ``Dataset.x``; ``conv5`` is a
    list of 4 (kernel (3, 3, 512, 512), bias (512,)) pairs; ``weights`` names
    the backbone's weights ("imagenet", "file:<sha>", "none (random, seed S)").
    """

    x: np.ndarray
    conv5: list[tuple[np.ndarray, np.ndarray]]
    weights: str
    key: str
    path: str = ""

    @property
    def pretrained(self) -> bool:
        return not self.weights.startswith("none")


def resolve_weights(weights: str | None) -> str | None:
    """Map a user value (``imagenet``, a file path, ``none``/None) to Keras's argument.

    ``None`` means "take ``$MRCNN_WEIGHTS``, default imagenet".
    """
    if weights is None:
        weights = os.environ.get("MRCNN_WEIGHTS", "imagenet")
    w = str(weights).strip()
    if w.lower() in ("none", "random", ""):
        return None
    if w.lower() == "imagenet":
        return "imagenet"
    if not Path(w).is_file():
        raise WeightsUnavailable(f"weights file {w!r} does not exist "
                                 "(use 'imagenet', a .h5/.weights.h5 file, or 'none')")
    return str(Path(w).resolve())


def check_imagenet_available(timeout: float = 5.0) -> None:
    """Fail within seconds, naming MRCNN_WEIGHTS=none, if ImageNet weights can't be had."""
    cached = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models" / WEIGHTS_NOTOP
    if cached.is_file():
        return
    try:
        socket.create_connection(("storage.googleapis.com", 443), timeout=timeout).close()
    except OSError as e:
        raise WeightsUnavailable(
            f"ImageNet VGG19 weights are not in the Keras cache ({cached}) and cannot be "
            f"downloaded ({e}). Offline, run with random weights by setting "
            "MRCNN_WEIGHTS=none (every output will say so), or set MRCNN_WEIGHTS to a "
            "local weights file.") from e


def weights_id(weights: str | None, seed: int) -> str:
    if weights is None:
        return f"none (random glorot-uniform, numpy seed {seed})"
    if weights == "imagenet":
        return "imagenet"
    digest = hashlib.sha256(Path(weights).read_bytes()).hexdigest()[:12]
    return f"file:{Path(weights).name}:{digest}"


def build_vgg19(weights: str | None, seed: int = 0, input_size: int = 32):
    """VGG19 without top; random init is seeded so ``weights=None`` is reproducible."""
    import keras

    if weights == "imagenet":
        check_imagenet_available()
    model = keras.applications.VGG19(include_top=False, weights=weights,
                                     input_shape=(input_size, input_size, 3))
    if weights is None:
        # Draw Keras's default init (glorot-uniform kernels, zero biases) with
        # numpy, so random features are the same under every backend.
        rng = np.random.default_rng(seed)
        for layer in model.layers:
            if layer.get_weights():
                k, b = layer.get_weights()
                lim = np.sqrt(6.0 / (np.prod(k.shape[:-1]) + k.shape[0] * k.shape[1] * k.shape[-1]))
                layer.set_weights([rng.uniform(-lim, lim, k.shape).astype(np.float32),
                                   np.zeros_like(b)])
    return model


def default_cache_dir() -> Path:
    return Path(os.environ.get("MRCNN_CACHE_DIR", Path.home() / ".cache" / "mrcnn"))


def _array_digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def _load_cached(path: Path, key: str) -> FeatureSet | None:
    """Return the cached set, or None (with a warning) if it is stale or corrupt."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            x = z["x"]
            conv5 = [(z[f"k{i}"], z[f"b{i}"]) for i in range(4)]
        if meta.get("key") != key or meta.get("version") != CACHE_VERSION:
            raise ValueError(f"key {meta.get('key')} != {key}")
        if _array_digest(x) != meta.get("digest"):
            raise ValueError("feature checksum mismatch")
        return FeatureSet(x=x, conv5=conv5, weights=meta["weights"], key=key, path=str(path))
    except Exception as e:
        warnings.warn(f"feature cache {path} is stale or corrupt ({e}); rebuilding it",
                      RuntimeWarning, stacklevel=3)
        return None


def extract_features(dataset, weights: str | None = None, *, cache_dir: str | Path | None = None,
                     seed: int = 0, batch_size: int = 256, use_cache: bool = True) -> FeatureSet:
    """pool4 features of every image of ``dataset`` (computed once, then cached).

    ``weights``: ``"imagenet"``, a weights file, ``"none"``, or None for
    ``$MRCNN_WEIGHTS`` (default imagenet).  Offline with ImageNet requested
    this fails within seconds and names ``MRCNN_WEIGHTS=none``.
    """
    import keras

    if dataset.kind != "images":
        raise ValueError(f"{dataset.name} holds {dataset.kind}, not images; "
                         "feature datasets go to the head directly")
    w = resolve_weights(weights)
    wid = weights_id(w, seed)
    size = dataset.x.shape[1]
    key = hashlib.sha256(f"{wid}|{size}|{dataset.content_hash}|v{CACHE_VERSION}".encode()
                         ).hexdigest()[:20]
    path = Path(cache_dir or default_cache_dir()) / f"pool4-{dataset.name}-{key}.npz"
    if use_cache:
        hit = _load_cached(path, key)
        if hit is not None:
            return hit
    vgg = build_vgg19(w, seed=seed, input_size=size)
    pool4 = keras.Model(vgg.input, vgg.get_layer("block4_pool").output)
    xs = keras.applications.vgg19.preprocess_input(dataset.x.astype(np.float32))
    feats = np.concatenate([np.asarray(keras.ops.convert_to_numpy(pool4(xs[i:i + batch_size])))
                            for i in range(0, len(xs), batch_size)]).astype(np.float32)
    conv5 = [tuple(np.asarray(v, np.float32) for v in vgg.get_layer(n).get_weights())
             for n in CONV5]
    fs = FeatureSet(x=feats, conv5=conv5, weights=wid, key=key, path=str(path))
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"key": key, "version": CACHE_VERSION, "weights": wid, "size": size,
                "data": dataset.content_hash, "digest": _array_digest(feats)}
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez(tmp, meta=json.dumps(meta), x=feats,
                 **{f"k{i}": k for i, (k, _) in enumerate(conv5)},
                 **{f"b{i}": b for i, (_, b) in enumerate(conv5)})
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    return fs
