"""The `pool` command line: parse arguments, call one service, render. No business logic here."""

import click

from pool.cli import register
from pool.cli.common import FORMATS, AppContext
from pool.config import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Database URL (else POOL_DATABASE_URL, else sqlite:///pool.db).")
@click.option("--as", "actor", metavar="ACTOR", default=None,
              help="Act as this actor (else POOL_ACTOR); the token comes from POOL_TOKEN.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
              help="Output format of read commands.")
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
    ctx.obj = AppContext(Settings.load(db_url, actor), fmt)


register(main)

if __name__ == "__main__":
    main()
