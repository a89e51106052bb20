"""Tables and statistics from the results stores (the "plot" side: fast, no training).

Read-only on the stores.  One module per concept: ``reading`` (stores -> one row per
run key, per-task means), ``tables`` (Table 1 and 2), ``banner`` (what a page says about
its numbers, the per-task CSV), ``compare`` (paired comparisons and their verdicts),
``sensitivity`` (Fig. 3, the ablations, the Corel control).  The statistics themselves are
``mrcnn_core.analysis.stats``.
"""
from .reading import (  # noqa: F401
    load_runs, prefer_deterministic, STUDY_PAPER_POINT, with_paper_point, CONFIG_COLUMNS, latest_config, load_provenance, result_folders, NO_GRAPH, per_task, curves)
from .tables import (  # noqa: F401
    common_tasks,
    METHOD_ORDER, METHOD_LABEL, LR_THRESHOLD, EPS_BINS, add_groups, methods_in, table1, coverage, table2, add_terciles, table2_terciles, bin_counts, task_table, by_target_domain)
from .banner import (  # noqa: F401
    coverage_line, devices_of, provenance_banner, determinism_line, date_range, HP_COLUMNS, TASK_CSV_COLUMNS, task_csv)
from .compare import (  # noqa: F401
    paired_differences, paired, comparisons, verdict, domain_claims, gain_vs_epsilon, seed_differences, stage_intervals, domain_gains)
from .sensitivity import (  # noqa: F401
    sensitivity, point_intervals, sensitivity_claims, ABLATION_LABEL, ablation_table, CONTROL_SETTINGS, CONTROL_PAIRS, control_runs, control_table, control_claims)
from ..experiments.store import store_folders  # noqa: F401
from .stats import MIN_CLUSTERS, N_BOOT, cluster_bootstrap, cluster_ci, interval_word  # noqa: F401
