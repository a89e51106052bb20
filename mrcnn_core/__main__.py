"""Command line: ``python -m mrcnn_core <command> ...`` (``--help`` lists them).

Only the dispatch lives here; each command is a module of :mod:`mrcnn_core.commands` with its
parser and its ``run``.
"""
import os
import sys

# before any command imports TensorFlow or POT (they read these once)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("POT_BACKEND_DISABLE_TENSORFLOW", "1")

from .commands.cli import is_user_error, main, one_line  # noqa: E402,F401 (the `mrcnn` script)

if __name__ == "__main__":
    sys.exit(main())
