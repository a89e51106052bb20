"""What the book concludes from the stores: the ledger of evidence (``ledger``), the paper's
claims over tasks and seeds (``findings``), the cross-pair and held-out studies (``pairs``,
``heldout``, with the committed plan in ``prereg``), stability over seeds (``stability``), and
the checks of the stores themselves (``audit``: against the registry; ``verify``: re-run here).

Studies read stores through :mod:`mrcnn_core.analysis`; nothing below imports them.
"""
