"""`python -m album_app`: the window, or a CLI command."""

import sys

from album_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
