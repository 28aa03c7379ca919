"""`python -m viz` is `lucid-viz`."""

import sys

from viz.cli import main

sys.exit(main())
