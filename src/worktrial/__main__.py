import sys

from worktrial.cli import main

sys.exit(main())
