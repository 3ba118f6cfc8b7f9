import sys

from spm_desktop.cli import main

sys.exit(main())
