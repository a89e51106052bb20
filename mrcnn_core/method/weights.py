"""The pinned ImageNet weights as tensors, and the check that a file's weights loaded.

Two h5 writers give two file hashes for the same weights, so the pin is over the tensors
(:data:`TENSORS_SHA256`); :func:`loaded_or_said` judges Keras's "not loaded" warnings by them.
"""
from __future__ import annotations

import hashlib
import warnings

import numpy as np


#: sha256 over the convolution layers' (kernel, bias), float32, in layer order, of the pinned
#: ImageNet weights: what a model holds once they loaded, whatever the file's h5 writer
TENSORS_SHA256 = {"vgg16": "d9a27cc1fc7f975ef8cff49180e794ccd7c4bc868ebb49740803b3bbaa8dbefd",
                  "vgg19": "09ef8df0a6ebf430d21e9b49e98950ac1aca039aac37abacd75d6c85861238c3"}
#: what Keras says when a file's variables did not all load (the layers keep their init)
NOT_LOADED = ("freshly-initialized", "freshly initialized", "could not be loaded",
              "Skipping variable loading")


def conv_tensors_sha256(model) -> str:
    """:data:`TENSORS_SHA256`'s digest of ``model``'s convolution layers."""
    import keras

    h = hashlib.sha256()
    for layer in (x for x in model.layers if isinstance(x, keras.layers.Conv2D)):
        for a in layer.get_weights():
            h.update(np.ascontiguousarray(a, np.float32).tobytes())
    return h.hexdigest()


def loaded_or_said(model, backbone: str, weights, said: list) -> str:
    """Keras's warnings while loading weights, judged by what the model holds (#42).

    Some Keras versions warn five times on the VGG16 file that layers "will retain their
    freshly-initialized weights".  When the model's tensors are the pinned ImageNet ones
    (:data:`TENSORS_SHA256`), every weight loaded and the warnings are dropped; when Keras
    said weights did not load and the tensors are not the pinned ones, the features would come
    from random layers: a WeightsUnavailable says so.  Other warnings are passed on."""
    import keras

    loaded = weights is not None and conv_tensors_sha256(model) == TENSORS_SHA256.get(backbone)
    missing = [str(w.message) for w in said if any(k in str(w.message) for k in NOT_LOADED)]
    if missing and weights is not None and not loaded:
        return (f"Keras {keras.__version__} did not load every weight of {weights} into the "
                f"{backbone} (it said: {' '.join(missing[0].split())[:200]}); its features would "
                "come from untrained layers.  Use the Keras version in pyproject.toml, or a "
                "weights file written by it (python -m mrcnn_core fetch)")
    for w in said:
        if not (loaded and str(w.message) in missing):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return ""
