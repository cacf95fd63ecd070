"""``python -m neuropil.cli``."""

import sys

from neuropil.cli import main

sys.exit(main())
