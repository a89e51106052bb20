"""Frozen VGG conv1..conv4 features (pool4) and their on-disk cache.

The paper freezes conv1..conv4 of an ImageNet VGG19 as a fixed feature
extractor; for 32 x 32 input their output (pool4) is 2 x 2 x 512.  It is
computed once per image and cached together with the backbone's conv5
weights (which initialise the trainable head, model.py).  The backbone is a
parameter: ``vgg19`` (the paper's: 4 conv5 layers) or ``vgg16`` (3 conv5
layers; its ImageNet weights are the ones available offline, see the book's
Reproduction notes).  The cache key names the backbone, the weights' identity
(sha256 of a weights file), the input size and the data's content hash.
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

from .weights import TENSORS_SHA256, conv_tensors_sha256, loaded_or_said  # noqa: F401

CACHE_VERSION = 2
BACKBONES = {
    # name: (keras.applications constructor, Keras's ImageNet notop file, conv5 layers)
    "vgg19": ("VGG19", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
              ("block5_conv1", "block5_conv2", "block5_conv3", "block5_conv4")),
    "vgg16": ("VGG16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
              ("block5_conv1", "block5_conv2", "block5_conv3")),
}
DEFAULT_BACKBONE = "vgg19"  # the paper's
# Published values of Keras's ImageNet weights: block1_conv1 kernel[0, 0, 0, :4].  Keras's
# own download and the converted file in ../shared/weights are the same weights in two
# containers; these values tell them (and a wrong or corrupted download) apart.
IMAGENET_PROBES = {"vgg16": ("block1_conv1", (0.42947057, 0.11727387, 0.03401296, 0.35422093))}


class WeightsUnavailable(RuntimeError):
    """Backbone weights are needed but cannot be found, downloaded or loaded."""


@dataclass(frozen=True)
class FeatureSet:
    """pool4 features of every sample of a dataset, plus conv5 init weights.

    ``x`` is (N, 2, 2, 512) float32 aligned with ``Dataset.x``; ``conv5`` is a
    list of (kernel (3, 3, 512, 512), bias (512,)) pairs, one per conv5 layer
    of the backbone (4 for VGG19, 3 for VGG16); ``weights`` names the weights
    ("imagenet", "file:<name>:sha256:<digest>", "none (random, seed S)").
    """

    x: np.ndarray
    conv5: list[tuple[np.ndarray, np.ndarray]]
    weights: str
    key: str
    path: str = ""
    backbone: str = DEFAULT_BACKBONE
    #: the rows this set holds (a row-subset cache, see :func:`save_rows`); None: every row
    rows: np.ndarray | None = None

    @property
    def pretrained(self) -> bool:
        return not self.weights.startswith("none")

    def check_rows(self, needed, what: str) -> None:
        """Refuse ``what`` when it needs rows a row-subset cache does not hold."""
        if self.rows is None:
            return
        missing = np.setdiff1d(np.asarray(needed), self.rows)
        if missing.size:
            raise FeaturesIncomplete(
                f"{what} needs {missing.size} image(s) (e.g. row {int(missing[0])}) that the "
                f"row-subset feature cache {self.path} does not hold ({len(self.rows)} of "
                f"{len(self.x)} rows): run only the tasks it was made for, or carry the weights")


class FeaturesIncomplete(ValueError):
    """A row-subset feature cache asked for images it does not hold."""


def check_backbone(backbone: str | None) -> str:
    """``None`` -> ``$MRCNN_BACKBONE`` (default vgg19); an unknown name is an error naming it."""
    b = (backbone or os.environ.get("MRCNN_BACKBONE") or DEFAULT_BACKBONE).strip().lower()
    if b not in BACKBONES:
        raise ValueError(f"unknown backbone {b!r}; choose from {sorted(BACKBONES)}")
    return b


def weights_search_path() -> list[Path]:
    """Folders searched for a weights file given by name only."""
    out = []
    if os.environ.get("MRCNN_WEIGHTS_DIR"):
        out.append(Path(os.environ["MRCNN_WEIGHTS_DIR"]))
    from ..data.where import data_dir

    if (d := data_dir()) is not None:  # fetch writes weights/ beside data/
        out.append(d.parent / "weights")
    # a checkout beside the project's shared folder (../shared/weights)
    out.append(Path(__file__).resolve().parents[3] / "shared" / "weights")
    return out


def resolve_weights(weights: str | None, sha256: str | None = None) -> str | None:
    """Map a user value (``imagenet``, a file path or name, ``none``/None) to Keras's argument.

    ``None`` means "take ``$MRCNN_WEIGHTS``, default imagenet".  A bare file
    name is looked up in :func:`weights_search_path`.  With ``sha256`` given
    (a profile pins its weights), a file with another digest is refused.
    """
    if weights is None:
        weights = os.environ.get("MRCNN_WEIGHTS", "imagenet")
    w = str(weights).strip()
    if w.lower() in ("none", "random", ""):
        return None
    if w.lower() == "imagenet":
        return "imagenet"
    p = Path(w).expanduser()
    if not p.is_file() and not p.is_absolute() and len(p.parts) == 1:
        hits = [d / p for d in weights_search_path() if (d / p).is_file()]
        if hits:
            p = hits[0]
    if not p.is_file():
        looked = ", ".join(str(d) for d in weights_search_path())
        raise WeightsUnavailable(f"weights file {w!r} does not exist (looked in the working "
                                 f"directory and {looked}; set MRCNN_WEIGHTS_DIR, or use "
                                 "'imagenet', a .weights.h5 file, or 'none')")
    if sha256:
        got = file_sha256(p)
        if got != sha256.lower():
            raise WeightsUnavailable(f"weights file {p} has sha256 {got}, not the {sha256} "
                                     "the profile pins: wrong or damaged file")
    return str(p.resolve())


def keras_cached_weights(backbone: str) -> Path:
    return (Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"
            / BACKBONES[check_backbone(backbone)][1])


def check_imagenet_available(backbone: str | None = None, timeout: float = 5.0) -> None:
    """Fail within seconds, naming MRCNN_WEIGHTS, if ImageNet weights can't be had."""
    b = check_backbone(backbone)
    cached = keras_cached_weights(b)
    if cached.is_file():
        return
    try:
        socket.create_connection(("storage.googleapis.com", 443), timeout=timeout).close()
    except OSError as e:
        raise WeightsUnavailable(
            f"ImageNet {b.upper()} weights are not in the Keras cache ({cached}) and cannot be "
            f"downloaded ({e}). Offline, use a local weights file (MRCNN_WEIGHTS=<file>, e.g. the "
            "profile imagenet-vgg16 with the shared VGG16 file) or random weights with "
            "MRCNN_WEIGHTS=none (every output will say so).") from e


_SHA: dict = {}


def file_sha256(path: str | Path) -> str:
    """sha256 of a file (memoised per path, size and mtime)."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SHA:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _SHA[key] = h.hexdigest()
    return _SHA[key]


def weights_id(weights: str | None, seed: int, backbone: str = DEFAULT_BACKBONE) -> str:
    """A string naming the weights exactly: stored in every row and banner."""
    if weights is None:
        return f"none (random glorot-uniform, numpy seed {seed})"
    if weights == "imagenet":
        cached = keras_cached_weights(backbone)
        return (f"imagenet:{cached.name}:sha256:{file_sha256(cached)}" if cached.is_file()
                else "imagenet")
    return f"file:{Path(weights).name}:sha256:{file_sha256(weights)}"


def build_backbone(backbone: str, weights: str | None, seed: int = 0, input_size: int = 32):
    """VGG16/VGG19 without top; random init is seeded so ``weights=None`` is reproducible."""
    import keras

    backbone = check_backbone(backbone)
    ctor = getattr(keras.applications, BACKBONES[backbone][0])
    if weights == "imagenet":
        check_imagenet_available(backbone)
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            model = ctor(include_top=False, weights=weights, input_shape=(input_size, input_size, 3))
    except Exception as e:  # wrong architecture, truncated or foreign file
        if weights in (None, "imagenet"):
            raise
        raise WeightsUnavailable(f"weights file {weights} cannot be loaded into a {backbone} "
                                 f"without top ({type(e).__name__}: {str(e)[:200]}); is it a "
                                 f"{backbone} notop weights file?") from e
    if (why := loaded_or_said(model, backbone, weights, said)):
        raise WeightsUnavailable(why)
    if weights == "imagenet":
        check_probe(model, backbone)
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


def check_probe(model, backbone: str, atol: float = 1e-6) -> None:
    """Compare the model's probe values with the published ImageNet ones (where known)."""
    if backbone not in IMAGENET_PROBES:
        return
    layer, want = IMAGENET_PROBES[backbone]
    got = np.asarray(model.get_layer(layer).get_weights()[0])[0, 0, 0, :len(want)]
    if not np.allclose(got, want, atol=atol):
        raise WeightsUnavailable(f"the ImageNet {backbone} weights do not have the published "
                                 f"probe values ({layer} kernel[0, 0, 0, :4] = "
                                 f"{np.round(got, 8).tolist()}, expected {list(want)}): a wrong "
                                 "or corrupted download; delete it from ~/.keras/models")


def build_vgg19(weights: str | None, seed: int = 0, input_size: int = 32):
    """The paper's backbone (kept for callers of the first API)."""
    return build_backbone("vgg19", weights, seed, input_size)


def preprocess(x: np.ndarray) -> np.ndarray:
    """Caffe-mode ImageNet preprocessing (RGB->BGR, channel means off), as for both VGGs."""
    import keras

    return keras.applications.vgg19.preprocess_input(np.asarray(x, np.float32))


def default_cache_dir() -> Path:
    return Path(os.environ.get("MRCNN_CACHE_DIR", Path.home() / ".cache" / "mrcnn"))


def _array_digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def _load_cached(path: Path, key: str, backbone: str) -> FeatureSet | None:
    """Return the cached set, or None (with a warning) if it is stale or corrupt."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            x = z["x"]
            rows = z["rows"] if "rows" in z.files else None
            conv5 = [(z[f"k{i}"], z[f"b{i}"]) for i in range(int(meta["n_conv5"]))]
        if meta.get("key") != key or meta.get("version") != CACHE_VERSION:
            raise ValueError(f"key {meta.get('key')} != {key}")
        if _array_digest(x) != meta.get("digest"):
            raise ValueError("feature checksum mismatch")
        if rows is not None:  # a row-subset cache: the other rows are NaN, and refused by use
            if _array_digest(rows) != meta.get("rows_digest"):
                raise ValueError("row index checksum mismatch")
            full = np.full((int(meta["n_rows"]), *x.shape[1:]), np.nan, np.float32)
            full[rows] = x
            x = full
        return FeatureSet(x=x, conv5=conv5, weights=meta["weights"], key=key, path=str(path),
                          backbone=backbone, rows=rows)
    except Exception as e:
        warnings.warn(f"feature cache {path} is stale or corrupt ({e}); rebuilding it",
                      RuntimeWarning, stacklevel=3)
        return None


def pinned_id(weights: str | None, sha256: str | None) -> str | None:
    """The weights id of a pinned file, known without the file (its name and pinned digest)."""
    if not weights or not sha256 or str(weights).lower() in ("none", "random", "imagenet"):
        return None
    return f"file:{Path(str(weights)).name}:sha256:{sha256.lower()}"


def _cache_key(backbone: str, wid: str, size: int, data_hash: str) -> str:
    return hashlib.sha256(f"{backbone}|{wid}|{size}|{data_hash}|v{CACHE_VERSION}".encode()
                          ).hexdigest()[:20]


def _cached_pinned(dataset, weights, sha256, backbone, cache_dir) -> "FeatureSet | None":
    wid = pinned_id(weights, sha256)
    if wid is None:
        return None
    key = _cache_key(backbone, wid, dataset.x.shape[1], dataset.content_hash)
    path = Path(cache_dir or default_cache_dir()) / f"pool4-{backbone}-{dataset.name}-{key}.npz"
    # the whole set first; else a row-subset made for a device that cannot carry the weights
    return _load_cached(path, key, backbone) or _load_cached(rows_path(path), key, backbone)


def rows_path(path: str | Path) -> Path:
    """Where the row-subset cache of the full cache file ``path`` lives."""
    p = Path(path)
    return p.with_name(p.stem + ".rows.npz")


def save_rows(fs: FeatureSet, rows, path: str | Path | None = None, *,
              compress: bool = True) -> Path:
    """Write the features of ``rows`` only (and every conv5 weight) beside ``fs``'s cache file.

    For a machine that can carry neither the weights file nor the whole cache (a device call
    carries at most 64 MiB): its tasks' images are all it needs.  It serves only where the
    pinned weights file is absent (:func:`extract_features`), under the same key, and a run
    that needs another row is refused (:meth:`FeatureSet.check_rows`).  ``compress=False``
    leaves the compression to an archive around it (xz packs these floats tighter than zip).
    """
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if fs.rows is not None:
        fs.check_rows(rows, "this row subset")
    if rows.size == 0 or rows[0] < 0 or rows[-1] >= len(fs.x):
        raise ValueError(f"rows must be a non-empty subset of 0..{len(fs.x) - 1}")
    x = np.ascontiguousarray(fs.x[rows])
    out = Path(path) if path else rows_path(fs.path)
    meta = {"key": fs.key, "version": CACHE_VERSION, "weights": fs.weights,
            "backbone": fs.backbone, "n_conv5": len(fs.conv5), "n_rows": len(fs.x),
            "digest": _array_digest(x), "rows_digest": _array_digest(rows)}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}.npz")
    save = np.savez_compressed if compress else np.savez
    save(tmp, meta=json.dumps(meta), x=x, rows=rows,
         **{f"k{i}": k for i, (k, _) in enumerate(fs.conv5)},
         **{f"b{i}": b_ for i, (_, b_) in enumerate(fs.conv5)})
    os.replace(tmp, out)
    return out


def extract_features(dataset, weights: str | None = None, *, backbone: str | None = None,
                     cache_dir: str | Path | None = None, seed: int = 0, batch_size: int = 256,
                     use_cache: bool = True, sha256: str | None = None) -> FeatureSet:
    """pool4 features of every image of ``dataset`` (computed once, then cached).

    ``weights``: ``"imagenet"``, a weights file (path, or a name found on
    :func:`weights_search_path`), ``"none"``, or None for ``$MRCNN_WEIGHTS``
    (default imagenet).  ``backbone``: ``vgg19`` (paper) or ``vgg16``, None
    for ``$MRCNN_BACKBONE`` (default vgg19).  ``sha256`` pins a weights file.
    Offline with ImageNet requested this fails within seconds.
    """
    import keras

    if dataset.kind != "images":
        raise ValueError(f"{dataset.name} holds {dataset.kind}, not images; "
                         "feature datasets go to the head directly")
    b = check_backbone(backbone)
    try:
        w = resolve_weights(weights, sha256)
    except WeightsUnavailable:
        # A pinned file that is not here: features made elsewhere with exactly those weights
        # (the cache file carries them, with the conv5 weights) serve as well.
        hit = _cached_pinned(dataset, weights, sha256, b, cache_dir) if use_cache else None
        if hit is None:
            raise
        return hit
    vgg = None
    if w == "imagenet" and not keras_cached_weights(b).is_file():
        # download first, so that the weights' sha256 is known for the cache key and rows
        vgg = build_backbone(b, w, seed=seed, input_size=dataset.x.shape[1])
    wid = weights_id(w, seed, b)
    size = dataset.x.shape[1]
    key = _cache_key(b, wid, size, dataset.content_hash)
    path = Path(cache_dir or default_cache_dir()) / f"pool4-{b}-{dataset.name}-{key}.npz"
    if use_cache:
        hit = _load_cached(path, key, b)
        if hit is not None:
            return hit
    vgg = vgg or build_backbone(b, w, seed=seed, input_size=size)
    pool4 = keras.Model(vgg.input, vgg.get_layer("block4_pool").output)
    xs = preprocess(dataset.x)
    feats = np.concatenate([np.asarray(keras.ops.convert_to_numpy(pool4(xs[i:i + batch_size])))
                            for i in range(0, len(xs), batch_size)]).astype(np.float32)
    conv5 = [tuple(np.asarray(v, np.float32) for v in vgg.get_layer(n).get_weights())
             for n in BACKBONES[b][2]]
    fs = FeatureSet(x=feats, conv5=conv5, weights=wid, key=key, path=str(path), backbone=b)
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"key": key, "version": CACHE_VERSION, "weights": wid, "size": size, "backbone": b,
                "n_conv5": len(conv5), "data": dataset.content_hash, "digest": _array_digest(feats)}
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez(tmp, meta=json.dumps(meta), x=feats,
                 **{f"k{i}": k for i, (k, _) in enumerate(conv5)},
                 **{f"b{i}": b_ for i, (_, b_) in enumerate(conv5)})
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    return fs
