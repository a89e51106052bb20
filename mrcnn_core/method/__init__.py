"""The paper's method: the k-NN graph and its Laplacian (Eq. 2-3), the loss (Eq. 4-6), the
head with its fast conv5 (``model``), training and the optimiser, the backbone's features,
``fit_task`` and the sklearn-like estimators ``MRCNN`` and ``VGG`` (alpha = 0).

Nothing is imported here: ``mrcnn_core.method.determinism`` and ``.backend`` are read before
Keras starts, so this package's import must stay free of Keras.
"""
