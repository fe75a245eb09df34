import sys

from eval_action.cli import main

sys.exit(main())
