"""Every figure and table of the book, as functions of the stored runs, one module per part
of the book in page order (``front``, ``setup``, ``table1``, ``fig2_fig3``, ``supplements``,
``stability_pairs``; ``page`` holds what they share).

A page calls one function and shows what it returns; nothing here trains.  Each function
takes the rows of a results store (``analysis.load_runs``) and returns matplotlib figures,
pandas tables and Markdown strings, so a test can check them on a small store
(tests/test_figures.py).  Every figure carries the profile/backbone/coverage stamp of the
runs it shows.
"""
from ... import analysis as A  # noqa: F401  (the pages' tests patch A through here)
from .page import (CONFOUND_NOTE, PARAM_NAMES, Page, downloads, fmt, no_runs,  # noqa: F401
                   on_the_substitute)
from .setup import (data_summary, experiments_overview, moons_boundaries,  # noqa: F401
                    sample_images, target_graph)
from .table1 import (corel_control, corel_substitute, slice_comparison,  # noqa: F401
                     table1)
from .fig2_fig3 import epsilon_claims, fig2a, fig2b, fig3, training_curves  # noqa: F401
from .supplements import (SELECTED, ablation_runs, ablations, grid_edge_lines,  # noqa: F401
                          selected_hparams, selection_grids, selection_runs, statistics)
from .stability_pairs import pairs_page, pairs_shown_runs, stability  # noqa: F401
from .heldout import heldout_page  # noqa: F401
from .ledger import (VERDICT_COLOUR, citation, evidence_notes, evidence_of, in_the_ledger,  # noqa: F401
                     ledger_details, ledger_line, ledger_line_page, ledger_page)
