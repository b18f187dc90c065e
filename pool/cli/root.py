"""The root command `pool`: its global options, its error handling, and every command group added
by name."""

import os
import sys

import click

from pool.bootstrap import Adapters
from pool.cli.actors import actor, region
from pool.cli.actuals import actuals
from pool.cli.assessment import assessment
from pool.cli.audit import audit
from pool.cli.claims import claim
from pool.cli.common import FORMATS, AppContext
from pool.cli.explain import explain
from pool.cli.ledger import ledger
from pool.cli.listings import listing
from pool.cli.projects import project
from pool.cli.reports import report
from pool.cli.rules import rules
from pool.cli.serve import serve
from pool.cli.settlement import period, settle
from pool.cli.setup import db, demo, init
from pool.cli.targets import target
from pool.cli.transfers import transfer
from pool.config import Settings
from pool.domain.errors import PoolError
from pool.domain.text import printable


class PoolGroup(click.Group):
    """The root group: a PoolError becomes its sentence and exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()
            return result
        except BrokenPipeError:
            # The reader stopped reading (`pool … | head`): what the command did is done, and a
            # script must not take it for a failure and do it again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except PoolError as exc:
            click.echo(f"Error: {printable(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("POOL_DEBUG"):
                raise
            click.echo(
                f"Error: an internal error stopped the command ({type(exc).__name__}: {exc}). "
                "Run it again with POOL_DEBUG=1 to see the details.",
                err=True,
            )
            sys.exit(1)


@click.group(
    cls=PoolGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Database URL (else POOL_DATABASE_URL, else sqlite:///pool.db).",
)
@click.option(
    "--as",
    "actor",
    metavar="ACTOR",
    default=None,
    help="Act as this actor (else POOL_ACTOR); the token comes from POOL_TOKEN.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", help="Output format of read commands."
)
@click.version_option(package_name="pool")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, actor: str | None, fmt: str) -> None:
    """Shared project-pool ledger for a city and its counties.

    \b
    Examples:
      pool init --regions shangluo --admin city-office
      pool --as city-office project list --format json
      pool rules check pool/rules/library/*.yaml
    """
    adapters = ctx.obj if isinstance(ctx.obj, Adapters) else None  # tests plug in a clock
    ctx.obj = AppContext(Settings.load(db_url, actor), fmt, adapters)


for command in (
    rules,
    init,
    db,
    demo,
    actor,
    region,
    project,
    listing,
    claim,
    transfer,
    audit,
    actuals,
    settle,
    period,
    ledger,
    report,
    target,
    assessment,
    explain,
    serve,
):
    main.add_command(command)
