"""The command line, one module per command: ``python -m mrcnn_core <command>``.

Each module holds its command's parser (``add_parser``) and its ``run(args) -> int``; the work
itself lives in the package below (a command is a thin door onto it).  :mod:`.cli` builds the
parser from :data:`COMMANDS` and applies the one error rule: a user's error is one line, a bug
says so with its traceback.
"""

#: command name -> its module in this package, in the order ``--help`` lists them
COMMANDS = {"sweep": "sweep", "campaign": "campaign", "verify": "verify", "bench": "bench",
            "batch": "batch", "book": "book", "fetch": "fetch", "check-html": "check_html",
            "methods": "methods", "new-page": "new_page"}
