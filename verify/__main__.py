import os
import sys

from .catalog import fast_path

_text = fast_path(sys.argv[1:])  # list / show from the saved catalog: no heavy imports
if _text is not None:
    try:
        sys.stdout.write(_text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `verify list | head -1`: quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    sys.exit(0)

from .cli import main

sys.exit(main())
