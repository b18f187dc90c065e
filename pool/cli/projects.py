"""`pool project add|list|show|stage`."""

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.params import KeyValue, Pair
from pool.cli.wiring import fmt, label, labelled, runtime
from pool.domain.vocab import CAPITAL_SOURCES, KINDS, STAGE_NAMES, STAGES

service = lazy("pool.services.projects")


COLUMNS = [
    ("code", "code"),
    ("name", "name"),
    ("investor", "investor"),
    ("chain", "链 chain"),
    ("kind", "kind"),
    ("planned_investment", "investment (CNY)"),
    ("origin", "首谈地 origin"),
    ("host", "落地地 host"),
    ("stage", "stage"),
]


@click.group("project")
def project() -> None:
    """Investment projects (leads) and their stages.

    \b
    Examples:
      pool project add SL-2024-001 --name 核桃深加工 --investor 陕西忠果 --chain green_food \\
           --kind manufacturing --investment 120000000 --capital-source out_of_province
      pool project list --chain green_food
      pool project stage SL-2024-001 signed --month 2024-05
    """


@project.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Project name.")
@click.option("--investor", required=True, help="The investing company.")
@click.option("--chain", required=True, metavar="CHAIN", help="Industry chain code.")
@click.option("--kind", required=True, metavar="KIND", help=f"One of {', '.join(KINDS)}.")
@click.option(
    "--investment", required=True, metavar="CNY", help="Planned investment in yuan, at most two decimals."
)
@click.option(
    "--capital-source", required=True, metavar="SOURCE", help=f"One of {', '.join(CAPITAL_SOURCES)}."
)
@click.option(
    "--fixed-assets",
    metavar="CNY",
    default=None,
    help="Planned fixed-asset investment in yuan (part of --investment), for rules that set a "
    "threshold on it.",
)
@click.option(
    "--origin",
    metavar="REGION",
    default=None,
    help="The county that found it (a county actor's own region by default).",
)
@format_option
def add(
    code: str,
    name: str,
    investor: str,
    chain: str,
    kind: str,
    investment: str,
    capital_source: str,
    fixed_assets: str | None,
    origin: str | None,
) -> None:
    """Register a project found by a county; the same lead cannot be registered twice.

    \b
    Example:
      pool --as luonan-bureau project add LN-2024-007 --name 钼精深加工 --investor 金钼股份 \\
           --chain new_materials --kind manufacturing --investment 350000000 \\
           --capital-source out_of_city
    """
    new = service.NewProject(
        code=code,
        name=name,
        investor=investor,
        chain=chain,
        kind=kind,
        investment=investment,
        capital_source=capital_source,
        origin=origin,
        fixed_assets=fixed_assets,
    )
    show_project(service.add(runtime(), new))


def show_project(row: dict[str, object]) -> None:
    if fmt() == "json":
        render_object(row)
        return
    shown = dict(row)
    for key in ("chain", "origin", "host"):
        shown[key] = label(row, key)
        shown.pop(f"{key}_name", None)
    shown["stage"] = f"{STAGE_NAMES.get(str(row['stage']), '')} {row['stage']}".strip()
    render_object(shown)


@project.command("list")
@click.option("--chain", default=None, help="Only this industry chain.")
@click.option("--host", default=None, metavar="REGION", help="Only projects hosted here.")
@click.option("--stage", type=click.Choice(STAGES), default=None, help="Only this stage.")
@click.option(
    "--search",
    default=None,
    metavar="TEXT",
    help="Only projects whose name or investor contains TEXT (full-width, case and legal forms folded).",
)
@format_option
def list_(chain: str | None, host: str | None, stage: str | None, search: str | None) -> None:
    """List projects; look a lead up with --search before registering it.

    \b
    Examples:
      pool project list --host shangzhou --format csv
      pool project list --search 金钼
    """
    rows = service.list_projects(runtime(), chain=chain, host=host, stage=stage, search=search)
    if fmt() == "table":
        rows = labelled(rows, "chain", "origin", "host")
    render(rows, COLUMNS)


@project.command("show")
@click.argument("code")
@format_option
def show(code: str) -> None:
    """Show a project with its origin, host, stage, milestones and transfers.

    \b
    Example:
      pool project show SL-2024-001 --format json
    """
    show_project(service.show(runtime(), code))


@project.command("stage")
@click.argument("code")
@click.argument("stage", required=False, metavar="[STAGE]")
@click.option(
    "--month",
    metavar="YYYY-MM",
    default=None,
    help="Month of the milestone the stage sets (default: this month).",
)
@click.option(
    "--milestone",
    "milestones",
    type=KeyValue("NAME=YYYY-MM", refuse_malformed=True),
    multiple=True,
    help="Set a milestone month by hand (signed, construction_start, operation_start, "
    "full_capacity); repeatable.",
)
@click.option(
    "--reason",
    default=None,
    help="Why a milestone moves; needed (city office only) when it starts a settled sharing term.",
)
@format_option
def stage(
    code: str, stage: str | None, month: str | None, milestones: tuple[Pair, ...], reason: str | None
) -> None:
    """Advance a project's stage (host county or city); stages only move forward.

    signed sets the `signed` milestone, started sets `construction_start`, operating sets
    `operation_start`; `full_capacity` is set with --milestone. No milestone month is after the
    current month. A milestone that starts the sharing term of a settled transfer moves only by
    the city office, with --reason.

    \b
    Examples:
      pool project stage SL-2024-001 started --month 2024-08
      pool project stage SL-2024-001 --milestone full_capacity=2025-06
      pool --as city-office project stage SL-2024-001 --milestone full_capacity=2025-09 \\
          --reason "投产验收推迟至9月"
    """
    pairs = {pair.key: pair.value for pair in milestones}
    show_project(service.stage(runtime(), code, stage, month=month, milestones=pairs, reason=reason))


@project.command("edit")
@click.argument("code")
@click.option("--name", default=None, help="The corrected project name.")
@click.option("--investor", default=None, help="The corrected investing company.")
@click.option("--investment", default=None, metavar="CNY", help="The corrected planned investment in yuan.")
@click.option("--chain", default=None, metavar="CHAIN", help="The corrected industry chain code.")
@click.option("--kind", default=None, metavar="KIND", help=f"One of {', '.join(KINDS)}.")
@click.option(
    "--capital-source", default=None, metavar="SOURCE", help=f"One of {', '.join(CAPITAL_SOURCES)}."
)
@click.option("--fixed-assets", default=None, metavar="CNY", help="Planned fixed-asset investment in yuan.")
@click.option("--reason", default=None, help="Why the facts change (required); kept with the revision.")
@format_option
def edit(
    code: str,
    name: str | None,
    investor: str | None,
    investment: str | None,
    chain: str | None,
    kind: str | None,
    capital_source: str | None,
    fixed_assets: str | None,
    reason: str | None,
) -> None:
    """Correct a project's facts: the host county before the project moves, the city always.

    Every revision is kept in the input journal and the audit log; the duplicate-lead check runs
    again. A fact the sharing rules read (investment, kind, capital source) changes the targets
    of its transfers, and the next settlement posts the difference.

    \b
    Example:
      pool --as luonan-bureau project edit LN-2024-007 --investment 380000000 --reason 投资协议补充
    """
    changes = service.ProjectEdit(
        name=name,
        investor=investor,
        investment=investment,
        chain=chain,
        kind=kind,
        capital_source=capital_source,
        fixed_assets=fixed_assets,
    )
    show_project(service.edit(runtime(), code, changes, reason=reason))
