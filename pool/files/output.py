"""Files a command writes: never over an existing file unless the user says so, never over the
database in use, and never half-written — the text goes to a file beside the target, which is
linked (or, when forced, renamed) into place only once it is complete."""

import csv
import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pool.domain.errors import InvalidInput
from pool.domain.text import spreadsheet_safe

BOM = "\ufeff"  # Excel on Chinese Windows reads a CSV without it as GBK


def check_target(path: Path, *, force: bool = False, protected: Sequence[Path] = ()) -> None:
    """Refuse a target that is the database in use, a directory, or (unless `force`) a file
    that exists; a refusal leaves everything as it was."""
    for kept in protected:
        if _same(path, kept):
            raise InvalidInput(f"{path} is the database this command uses; write to another file.")
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory; name a file to write.")
    if not path.parent.is_dir():
        raise InvalidInput(f"{path.parent} is not a directory; create it first.")
    if (path.exists() or path.is_symlink()) and not force:
        raise InvalidInput(
            f"{path} already exists; nothing was written. Name a new file, or add --force to replace it."
        )


@contextmanager
def new_file(
    path: Path, *, force: bool = False, protected: Sequence[Path] = (), binary: bool = False
) -> Iterator[IO[Any]]:
    """Open a file that appears at `path` only when the block completes without an error."""
    check_target(path, force=force, protected=protected)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        handle: IO[Any] = open(partial, "xb") if binary else open(partial, "x", encoding="utf-8", newline="")
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be written: {exc.strerror or exc}.") from None
    try:
        with handle:
            yield handle
        _into_place(partial, path, force=force, protected=protected)
    finally:
        partial.unlink(missing_ok=True)


def _into_place(partial: Path, path: Path, *, force: bool, protected: Sequence[Path]) -> None:
    check_target(path, force=force, protected=protected)  # again: time has passed
    try:
        if force:
            os.replace(partial, path)
        else:
            os.link(partial, path)  # fails, rather than overwrites, if the file appeared meanwhile
    except FileExistsError:
        raise InvalidInput(
            f"{path} appeared while it was being written; nothing was written there."
        ) from None
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be written: {exc.strerror or exc}.") from None


def _same(path: Path, other: Path) -> bool:
    try:
        if path.resolve() == other.resolve():
            return True
        return path.exists() and other.exists() and os.path.samefile(path, other)
    except OSError:
        return False


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """CSV with a UTF-8 byte-order mark, the keys as its header, cells formula-neutralised."""
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([key for key, _ in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(key)) for key, _ in columns])
    return buf.getvalue()


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return spreadsheet_safe("" if value is None else str(value))
