"""PyInstaller runtime hook: lets the frozen app start its own sub-commands.

The app starts sub-commands as ``sys.executable <root>/main.py ARGS`` (``cli/demo.py``
starts its local backend that way). Frozen, ``sys.executable`` is the app itself and
``<root>/main.py`` does not exist, so that script path is dropped here and ARGS reach the
command line parser as they do under the interpreter.
"""

import os
import sys

if len(sys.argv) > 1:
    _script = os.path.realpath(os.path.join(sys._MEIPASS, "main.py"))
    if os.path.realpath(sys.argv[1]) == _script:
        del sys.argv[1]
