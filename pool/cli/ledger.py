"""`pool ledger verify` and `pool ledger export`."""

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from pool.cli.common import format_option, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, runtime
from pool.files.output import new_file
from pool.ledger import checkpoint as checkpoint_file
from pool.ledger import journal

export_service = lazy("pool.services.export")
verify_service = lazy("pool.services.verify")


@click.group("ledger")
def ledger() -> None:
    """Verify and export the ledger.

    \b
    Examples:
      pool --as auditor ledger verify
      pool --as auditor ledger export --format beancount --out pool.beancount
    """


@ledger.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    metavar="FILE",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also prove the ledger and the input journal extend this checkpoint unchanged.",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also recompute every transfer's targets from the recorded inputs and compare them with the ledger.",
)
@format_option
def verify(checkpoint_file: Path | None, deep: bool) -> None:
    """Recompute the ledger's and the input journal's hash chains, every entry's balance and
    every stored balance, and compare every stored input with its journal record.

    Exits 0 when all is whole; otherwise names the first bad entry or input record and exits 1.
    With --checkpoint, the entry and the input record the checkpoint ends at must still exist
    with the hashes it recorded, which catches history rewritten with every later hash
    recomputed. With --deep, every transfer's targets are recomputed from the inputs the journal
    recorded as of the last settlement and compared with what the ledger holds; the first
    disagreement is named. City office, auditors and counties.

    \b
    Examples:
      pool --as auditor ledger verify
      pool --as luonan-bureau ledger verify --deep
      pool --as auditor ledger verify --checkpoint checkpoint-2024-12.json
    """
    anchor = _read_checkpoint(checkpoint_file) if checkpoint_file is not None else None
    result = verify_service.verify(runtime(), anchor, deep_check=deep)
    if fmt() == "json":
        render_object(result)
    elif result["ok"]:
        click.echo(
            f"Ledger verified: {result['entries']} entries, {result['postings']} postings; "
            f"head {result['head'][:16]}."
        )
        click.echo(f"Inputs verified: {result['inputs']} input records; head {result['inputs_head'][:16]}.")
        if anchor is not None:
            click.echo(
                f"It extends the checkpoint of {anchor.at or 'unknown time'} unchanged "
                f"(entry {anchor.entries}, hash {anchor.head[:16]}; input record {anchor.inputs})."
            )
        if deep:
            found = result["deep"]
            if found["through"] is None:
                click.echo("Deep check: nothing is settled yet.")
            elif found.get("note"):
                click.echo(f"Deep check: {found['note']}.")
            else:
                click.echo(
                    f"Deep check: the targets of {found['transfers']} transfers, recomputed from input "
                    f"record {found['inputs']} through {found['through']}, equal the ledger's positions."
                )
    else:
        first = result["first_bad_entry"]
        where = f"; the first bad entry is {first}" if first is not None else ""
        if first is None and result["first_bad_input"] is not None:
            where = f"; the first bad input record is {result['first_bad_input']}"
        click.echo(f"Ledger verification FAILED{where}:", err=True)
        for problem in result["problems"]:
            click.echo(f"  {problem}", err=True)
    if not result["ok"]:
        sys.exit(1)


@ledger.command("checkpoint")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the checkpoint to FILE (which must not exist) instead of standard output.",
)
def checkpoint(out: Path | None) -> None:
    """Record the ledger's entry count and head hash and the input journal's, with the time, as a
    small JSON file.

    Keep it outside the database (each county can keep one per settlement): `pool ledger verify
    --checkpoint FILE` later proves the ledger still extends it unchanged. The ledger must verify
    first. City office, auditors and counties.

    \b
    Example:
      pool --as auditor ledger checkpoint --out checkpoint-2024-12.json
    """
    taken = verify_service.checkpoint(runtime())
    if out is None:
        click.echo(taken.to_json(), nl=False)
        return
    try:
        with out.open("x", encoding="utf-8") as handle:
            handle.write(taken.to_json())
    except FileExistsError:
        raise click.ClickException(f"{out} already exists; a checkpoint is never overwritten.") from None
    except OSError as exc:
        raise click.FileError(str(out), hint=exc.strerror or str(exc)) from None
    click.echo(
        f"Checkpoint: {taken.entries} entries, head {taken.head}, at {taken.at}; written to {out}.", err=True
    )


def _read_checkpoint(path: Path) -> checkpoint_file.Checkpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.FileError(str(path), hint=str(exc)) from None
    return checkpoint_file.parse(text, str(path))


@ledger.command("export")
@click.option(
    "--format",
    "journal_format",
    type=click.Choice(journal.FORMATS),
    default="ledger",
    show_default=True,
    help="ledger (ledger-cli and hledger), beancount, or csv.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE (a new file) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists (never the database).")
def export(journal_format: str, out: Path | None, force: bool) -> None:
    """Write the whole ledger as a plain-text journal whose balances match `pool report balances`.

    One transaction per entry, dated the last day of the month it was settled through; party
    accounts are Assets:Book:Region:Share, each share's source is Income:Book:Source:Share
    (`_` in codes becomes `-`). CSV has one row per posting. City office, auditors and counties.

    \b
    Examples:
      pool --as auditor ledger export --format beancount --out pool.beancount
      pool --as auditor ledger export --format ledger | hledger -f - balance
    """
    rt = runtime()
    counts = export_service.export(rt, journal_format, lambda: _sink(out, force, rt.database.files()))
    if out is not None:
        click.echo(f"Exported {counts['entries']} entries, {counts['postings']} postings to {out}.", err=True)


@contextlib.contextmanager
def _sink(out: Path | None, force: bool, database: list[Path]) -> Iterator[Callable[[str], object]]:
    if out is None:
        yield lambda text: click.echo(text, nl=False)
        return
    with new_file(out, force=force, protected=database) as handle:
        yield handle.write
