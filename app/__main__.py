"""`python -m app` is the `tapescope` command."""

import sys

from app.cli import main

sys.exit(main())
