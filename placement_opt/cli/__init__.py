"""The ``placement-opt`` command line: the app, one module per command group. Nothing outside
this folder imports from it."""

# The order the commands appear in within their help panels:
# isort: off
from placement_opt.cli import main as _main_commands  # noqa: F401  (registers its commands)
from placement_opt.cli import firmness as _firmness_command  # noqa: F401  (registers it)
from placement_opt.cli import frontier as _frontier_command  # noqa: F401  (registers it)
from placement_opt.cli import scenarios as _scenario_commands  # noqa: F401  (likewise)
from placement_opt.cli import app as _app_command  # noqa: F401  (registers it)
# isort: on
from placement_opt.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
