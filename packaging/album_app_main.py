"""Entry point of the frozen (PyInstaller) app: the same as the `album-app` console script.

freeze_support() must run first: the scan's decoder pool uses the "spawn" start method, and in a
frozen app each worker is this executable started again with --multiprocessing-fork (PyInstaller's
multiprocessing runtime hook makes freeze_support() dispatch those on Linux and macOS too).
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()

    from album_app.cli import main

    sys.exit(main())
