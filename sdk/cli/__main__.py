"""``python -m edgealign.cli``."""

import sys

from . import main

sys.exit(main())
