"""`pool rules check|test|publish|list|simulate`: rule files and rule tests, which need no
database; the published rulesets, stored immutably; and a draft settled in place of them."""

import sys

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, runtime
from pool.domain.errors import PoolError
from pool.domain.money import format_amount
from pool.domain.months import format_month

cases = lazy("pool.rules.cases")
loader = lazy("pool.rules.loader")
service = lazy("pool.services.rulesets")
simulate_service = lazy("pool.services.simulate")


@click.group()
def rules() -> None:
    """Check, test, simulate and publish rule sets.

    \b
    Examples:
      pool rules check pool/rules/library/jjj-2015.yaml
      pool rules test pool/rules/library/*.cases.yaml
    """


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check(files: tuple[str, ...]) -> None:
    """Validate rule files and print every problem as FILE:LINE: key: message.

    Exits 0 when every file is valid (warnings, such as a ruleset that has expired or expires
    within 90 days, are printed but do not fail), 1 otherwise.

    \b
    Example:
      pool rules check pool/rules/library/*.yaml
    """
    bad = 0
    for name in files:
        if name.endswith(".cases.yaml"):
            click.echo(f"{name}: a case file, not a rule file; run it with `pool rules test`")
            continue
        try:
            loaded = loader.load_ruleset_file(name)
        except PoolError as exc:
            bad += 1
            click.echo(str(exc), err=True)
            continue
        for warning in loaded.warnings:
            click.echo(f"{warning} (warning)", err=True)
        click.echo(
            f"{name}: ok ({loaded.ruleset.ruleset} {loaded.ruleset.version}, "
            f"{len(loaded.ruleset.shares)} shares)"
        )
    if bad:
        click.echo(f"{bad} of {len(files)} files have problems.", err=True)
        sys.exit(1)


@rules.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False),
    help="Rule file to test, instead of the case file's `rules:`.",
)
def test(files: tuple[str, ...], rules_file: str | None) -> None:
    """Run rule-test case files; show expected and actual per region for each failing case.

    Ends with the line `N passed, M failed`; exits 1 if any case failed or a file could not be read.

    \b
    Example:
      pool rules test pool/rules/library/jjj-2015.cases.yaml
    """
    passed = failed = 0
    for name in files:
        result = cases.run_case_file(name, rules_file)
        if result.error:
            failed += result.unrun
            unrun = f"{result.unrun} case{'s' if result.unrun != 1 else ''} not run, counted as failed"
            click.echo(f"ERROR {name} ({unrun})\n{result.error}")
            continue
        for case in result.results:
            if case.passed:
                passed += 1
                continue
            failed += 1
            click.echo(f"FAIL {case.name}")
            for line in case.lines:
                click.echo(line)
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        sys.exit(1)


@rules.command("publish")
@click.argument("file", type=click.Path(dir_okay=False))
@format_option
def publish(file: str) -> None:
    """Validate a rule file and store its text and hash for good (policy only).

    Publishing the same text again changes nothing; the same version with other text is refused.

    \b
    Example:
      pool --as policy-desk rules publish pool/rules/library/shangluo-default.yaml
    """
    row = service.publish(runtime(), file)
    if fmt() == "json":
        render_object(row)
    elif row["published"]:
        click.echo(f"Published {row['ruleset']} {row['version']} (sha256 {row['sha256']}).")
    else:
        click.echo(f"{row['ruleset']} {row['version']} is already published with this text; nothing changed.")


@rules.command("default")
@click.argument("ruleset_id", metavar="[ID]", required=False)
@format_option
def default(ruleset_id: str | None) -> None:
    """Set the pool's default ruleset (policy or city), or show it and its history.

    `claim approve` without --ruleset pins the default's version in force in the effective
    month; with no default set and exactly one ruleset published, that one. Each choice is
    kept, with who made it and when.

    \b
    Examples:
      pool --as policy-desk rules default shangluo-default
      pool rules default
    """
    if ruleset_id is not None:
        row = service.set_default(runtime(), ruleset_id)
        if fmt() == "json":
            render_object(row)
        elif row["changed"]:
            before = f" (was {row['previous']})" if row["previous"] else ""
            click.echo(f"The pool's default ruleset is now {row['default']}{before}.")
        else:
            click.echo(f"{row['default']} is already the pool's default ruleset; nothing changed.")
        return
    shown = service.show_default(runtime())
    if fmt() == "json":
        render_object(shown)
        return
    click.echo(f"default: {shown['default'] or 'none set'}")
    if shown["approvals_pin"]:
        click.echo(f"claim approve without --ruleset pins: {shown['approvals_pin']}")
    else:
        click.echo(f"claim approve without --ruleset: {shown['note']}")
    for row in shown["history"]:
        click.echo(f"  {row['set_at']}  {row['ruleset']}  by {row['set_by'] or '(pool init)'}")


@rules.command("list")
@click.option("--ruleset", default=None, help="Only this ruleset's versions.")
@format_option
def list_(ruleset: str | None) -> None:
    """List published ruleset versions.

    \b
    Example:
      pool rules list --format json
    """
    rows = service.list_versions(runtime(), ruleset)
    render(
        rows,
        [
            ("id", "id"),
            ("ruleset", "ruleset"),
            ("version", "version"),
            ("title", "title"),
            ("effective_from", "from"),
            ("effective_until", "until"),
            ("sha256", "sha256"),
            ("published_at", "published (UTC)"),
        ],
    )


@rules.command("show")
@click.argument("ruleset", metavar="ID")
@click.option("--version", "version", default=None, metavar="V", help="This version (default: the latest).")
@format_option
def show(ruleset: str, version: str | None) -> None:
    """Print the full text of a published ruleset version, as it was published. Anyone may.

    The header says its version, effective months and sha256, and whether the stored text still
    has that hash; the text follows exactly.

    \b
    Examples:
      pool rules show shangluo-default
      pool rules show shangluo-default --version 2024.1 --format json
    """
    row = service.show(runtime(), ruleset, version)
    if fmt() == "json":
        render_object(row)
        return
    until = row["effective_until"] or "open"
    click.echo(
        f"# {row['ruleset']} {row['version']} ({row['effective_from']} to {until}), "
        f"published {row['published_at']}; sha256 {row['sha256']}"
    )
    if not row["text_matches_sha256"]:
        click.echo("# WARNING: the stored text no longer matches this sha256; it is not applied.")
    click.echo(str(row["text"]), nl=not str(row["text"]).endswith("\n"))


SIMULATION_COLUMNS = [
    ("book", "book"),
    ("region", "region"),
    ("share", "share"),
    ("current", "current"),
    ("simulated", "simulated"),
    ("difference", "difference"),
]


@rules.command("simulate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--through", metavar="YYYY-MM", default=None, help="Settle-through month (default: the last settled one)."
)
@format_option
def simulate(file: str, through: str | None) -> None:
    """What if: settle a draft ruleset in place of the published versions of the same id.

    Reports, per book, region and share, the current balance, the simulated one and the
    difference. Writes nothing. Policy staff and the city office.

    \b
    Example:
      pool --as policy-staff rules simulate drafts/shangluo-default-2025.yaml --through 2024-12
    """
    result = simulate_service.simulate(runtime(), file, through)
    rows = [
        {**r, **{k: format_amount(r[k]) for k in ("current", "simulated", "difference")}}
        for r in result["rows"]
    ]
    if fmt() == "table":
        click.echo(
            f"Draft {result['ruleset']} {result['version']} through "
            f"{format_month(result['through'])}: {result['projects']} projects resettled."
        )
    render(rows, SIMULATION_COLUMNS)
