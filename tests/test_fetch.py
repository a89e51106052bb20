"""fetch: the data rebuilt from an official folder, the VGG19 file from the Keras cache, the
VGG16 converter on a tiny ONNX model; nothing touches the network."""
import os
from pathlib import Path

import numpy as np
import pytest

from mrcnn_core.experiments import fetch as F
from mrcnn_core.__main__ import main

from test_manifest import _official_from


def test_fetch_data_from_an_official_folder_is_idempotent(real_cifar_root, tmp_path, capsys):
    others = [real_cifar_root.parent / n for n in ("data-pairs", "data-heldout")]
    if not all((o / "cifar-100-python" / "test").is_file() for o in others):
        pytest.skip("needs real data: ../shared/data-pairs and data-heldout")
    official = _official_from(real_cifar_root, tmp_path / "official", also=others)
    lines = F.fetch_data(tmp_path / "dest", official)
    assert lines == ["data: built, 1000 images, as the manifest",
                     "data-pairs: built, 5000 images, as the manifest",
                     "data-heldout: built, 3000 images, as the manifest"]
    assert all(x.endswith("already as the manifest")
               for x in F.fetch_data(tmp_path / "dest", official))


def test_fetch_offline_says_where_to_put_the_file(tmp_path, capsys, monkeypatch):
    """Offline (the download is replaced by one that fails), one line per missing piece."""
    from mrcnn_core import data as D

    def offline(dest, timeout=15.0):
        raise D.DataError("could not download (offline)")

    monkeypatch.setattr(D, "download_cifar100", offline)
    code = main(["fetch", "--dest", str(tmp_path / "d"), "--what", "data"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: CIFAR-100") and "official" in err
    assert len(err.strip().splitlines()) == 1


def test_vgg19_is_found_in_the_keras_cache_and_checked(real_cifar_root, tmp_path, monkeypatch):
    """A VGG19 file in Keras's cache: Keras finds it by name and md5 (no download), fetch
    checks the profile's sha256 and places it beside the data."""
    f = real_cifar_root.parent / "weights" / F.VGG19_FILE
    if not f.is_file():
        pytest.skip("needs real data: the VGG19 file beside the data (../shared/weights)")
    home = tmp_path / "keras"
    (home / "models").mkdir(parents=True)
    os.symlink(f, home / "models" / F.VGG19_FILE)
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(F, "_vgg19_origin", lambda: "http://127.0.0.1:9/never-used")
    line = F.fetch_vgg19(tmp_path / "dest")
    assert "sha256 as pinned" in line and (tmp_path / "dest" / "weights" / F.VGG19_FILE).is_file()
    assert "already here" in F.fetch_vgg19(tmp_path / "dest")


def test_vgg16_converter_on_a_tiny_onnx_model(tmp_path):
    """OIHW -> HWIO for every Conv node, in graph order, biases unchanged."""
    onnx = pytest.importorskip("onnx")
    from onnx import helper, numpy_helper

    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(4, 3, 3, 3)).astype(np.float32), np.arange(4, dtype=np.float32)
    w2, b2 = rng.normal(size=(2, 4, 3, 3)).astype(np.float32), np.ones(2, np.float32)
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["h"]),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Conv", ["r", "w2", "b2"], ["y"])]
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"),
                                                         (b2, "b2"))]
    g = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", 1, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", 1, [1, 2, 4, 4])], inits)
    path = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(g), str(path))
    layers = F.keras_conv_weights(F.onnx_conv_layers(path))
    assert [w.shape for w, _ in layers] == [(3, 3, 3, 4), (3, 3, 4, 2)]
    np.testing.assert_array_equal(layers[0][0][1, 2, 0, 3], w1[3, 0, 1, 2])  # [h,w,i,o] = [o,i,h,w]
    np.testing.assert_array_equal(layers[1][1], b2)
    assert F.tensors_sha256(layers) == F.tensors_sha256([(w.copy(), b.copy()) for w, b in layers])


def test_unknown_fetch_step(tmp_path):
    with pytest.raises(F.FetchError, match="unknown fetch step"):
        F.fetch(tmp_path, ["weights"])


def test_a_page_fetches_only_what_it_needs():
    from mrcnn_core.experiments.fetch import page_needs

    assert page_needs("23_fig3") == []  # reads the committed stores only
    assert page_needs("01_data") == ["data"]
    # the book's profile is VGG19's; its studies' slices run on the substitute VGG16
    assert page_needs("23_fig3", compute=True) == ["data", "vgg16"]
    assert page_needs("20_table1", compute=True) == ["data", "vgg19"]
    assert page_needs("20_table1", compute=True, profile="imagenet-vgg16") == ["data", "vgg16"]
    assert page_needs("23_fig3", compute=True, profile="smoke") == ["data", "vgg16"]
    # the pages that read the studies' profile are the ones page_needs knows of
    import re
    from pathlib import Path

    from mrcnn_core.experiments.fetch import STUDY_PAGES

    nbs = Path(__file__).resolve().parents[1] / "notebooks"
    assert tuple(sorted(p.stem for p in nbs.glob("*.md")
                        if re.search(r"studies_profile\(profile\)", p.read_text()))) == STUDY_PAGES


def test_colab_fetch_points_the_package_at_what_it_fetched(tmp_path, monkeypatch):
    """On Colab the install cell fetches, then MRCNN_DATA_DIR names the result; a failed step
    is one line and the page goes on; a reader's own MRCNN_DATA_DIR is kept."""
    from mrcnn_core.experiments import fetch as F

    calls = []
    # colab_fetch sets os.environ itself: recorded first, so the reader's value (or its absence)
    # comes back after the test (a leaked MRCNN_DATA_DIR failed the next test's data, #44)
    monkeypatch.setenv("MRCNN_DATA_DIR", "recorded")
    monkeypatch.delenv("MRCNN_DATA_DIR")
    monkeypatch.setattr(F, "fetch", lambda dest, what: calls.append((Path(dest), list(what)))
                        or ["data: built"])
    lines = F.colab_fetch("01_data", dest=tmp_path / "d")
    assert calls == [((tmp_path / "d").resolve(), ["data"])] and lines[0] == "data: built"
    assert os.environ["MRCNN_DATA_DIR"] == str((tmp_path / "d" / "data").resolve())
    assert any("Corel" in x for x in lines)  # no public download: said, with where to put it

    def offline(dest, what):
        raise F.FetchError("CIFAR-100: offline")

    monkeypatch.setattr(F, "fetch", offline)
    assert F.colab_fetch("01_data", dest=tmp_path / "e")[0] == "fetch: CIFAR-100: offline"
    own = tmp_path / "own"
    (own / "cifar-100-python").mkdir(parents=True)
    monkeypatch.setenv("MRCNN_DATA_DIR", str(own))
    assert F.colab_fetch("01_data") == [f"using MRCNN_DATA_DIR={own}"]
    assert F.colab_fetch("26_selection") == []  # nothing to fetch


def test_fetch_offline_lists_failures_first_one_line_each(tmp_path, capsys, monkeypatch):
    """#42: offline fetch printed one 562-character line that opened with a success and
    said '(Exception)'; now failures first, one line each, then what was done."""
    from mrcnn_core import data as D

    def offline(dest, timeout=15.0):
        raise D.DataError("could not download (offline)")

    def no_keras(dest):
        raise F.FetchError("VGG19: Keras could not download x (no network); offline, place it")

    monkeypatch.setattr(D, "download_cifar100", offline)
    monkeypatch.setattr(F, "fetch_vgg19", no_keras)
    monkeypatch.setattr(F, "fetch_vgg16", lambda dest: "vgg16: already here")
    code = main(["fetch", "--dest", str(tmp_path / "d")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[0].startswith("error: CIFAR-100") and "VGG19" in err[1]
    assert err[-1].strip() == "done: vgg16: already here" and len(err) == 3
    assert not any("(Exception)" in x or "../shared" in x for x in err)


def test_a_tarball_in_the_destination_is_checked_and_used(real_cifar_root, tmp_path, capsys,
                                                          monkeypatch):
    """#42: a partial or corrupt cifar-100-python.tar.gz in <dest>/official was ignored without
    a word (fetch went on to download); it is md5-checked: a bad one is named in one line, a
    good one is unpacked and used."""
    import hashlib
    import tarfile

    from mrcnn_core import data as D
    from mrcnn_core.data import cifar100 as C

    def no_network(dest, timeout=15.0):
        raise AssertionError("fetch went to the network past the tarball")

    monkeypatch.setattr(D, "download_cifar100", no_network)
    official = tmp_path / "dest" / "official"
    official.mkdir(parents=True)
    tar = official / "cifar-100-python.tar.gz"
    tar.write_bytes(b"\x1f\x8b" + b"\0" * 1000)  # a download cut short
    code = main(["fetch", "--dest", str(tmp_path / "dest"), "--what", "data"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert str(tar) in err and "partial or corrupt" in err and "md5" in err
    # a tarball whose md5 is the official one (here: the patched value) is unpacked and used
    src = _official_from(real_cifar_root, tmp_path / "src")
    with tarfile.open(tar, "w:gz") as tf:
        tf.add(src, arcname="cifar-100-python")
    monkeypatch.setattr(C, "CIFAR100_MD5", hashlib.md5(tar.read_bytes()).hexdigest())
    assert F._official(official) == official / "cifar-100-python"
    assert (official / "cifar-100-python" / "test").is_file()


def test_an_interrupted_weights_copy_leaves_no_file(tmp_path, monkeypatch):
    """#42: Ctrl-C during fetch once left a partial weights file (and a temporary one); the
    weights are written under a temporary name and replace the file only when whole."""
    out = tmp_path / "weights" / F.VGG19_FILE

    def cut(src, dst):
        Path(dst).write_bytes(b"x" * 1000)  # a copy cut short by Ctrl-C
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with F.written_whole(out) as part:
            cut("src", part)
    assert list((tmp_path / "weights").iterdir()) == []
    with F.written_whole(out) as part:
        part.write_bytes(b"whole")
    assert out.read_bytes() == b"whole" and list((tmp_path / "weights").iterdir()) == [out]
