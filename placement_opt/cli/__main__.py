"""``python -m placement_opt.cli``: the same as ``placement-opt``."""

from placement_opt.cli import main

main()
