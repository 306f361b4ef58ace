"""``python -m replcheck.conformance.cli``: the same as the ``replcheck`` command."""

import sys

from replcheck.conformance.cli import main

sys.exit(main())
