"""Checkpoints: the ledger's entry count and head hash at a moment, kept outside the database.

A checkpoint is what a county or an auditor files away after a settlement. Whoever later holds
it can prove the current ledger extends it unchanged: entry N must still exist and the chain,
recomputed from the genesis hash, must still give entry N exactly the recorded hash. Rewriting
any entry up to N changes that hash, even if every later hash was recomputed to match.
"""

import json
import re
from dataclasses import dataclass

from pool.domain.errors import InvalidInput
from pool.ledger.entries import GENESIS

_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Checkpoint:
    entries: int
    head: str
    at: str
    database: str | None = None
    inputs: int = 0  # the input journal's records and head (a checkpoint from before it: 0, None)
    inputs_head: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "entries": self.entries,
            "head": self.head,
            "inputs": self.inputs,
            "inputs_head": self.inputs_head,
            "at": self.at,
            "database": self.database,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"


def parse(text: str, source: str) -> Checkpoint:
    """A checkpoint from its JSON text; InvalidInput naming `source` if it is not one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than any checkpoint
        raise InvalidInput(f"{source} is not a checkpoint: it is not JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{source} is not a checkpoint: it is not a JSON object.")
    entries, head, at = data.get("entries"), data.get("head"), data.get("at")
    if isinstance(entries, bool) or not isinstance(entries, int) or entries < 0:
        raise InvalidInput(f"{source} is not a checkpoint: `entries` must be a whole number.")
    if not isinstance(head, str) or not _HASH.fullmatch(head):
        raise InvalidInput(f"{source} is not a checkpoint: `head` must be a SHA-256 hash in hex.")
    if entries == 0 and head != GENESIS:
        raise InvalidInput(f"{source} is not a checkpoint: an empty ledger's head is 64 zeros.")
    inputs, inputs_head = data.get("inputs", 0), data.get("inputs_head")
    if isinstance(inputs, bool) or not isinstance(inputs, int) or inputs < 0:
        raise InvalidInput(f"{source} is not a checkpoint: `inputs` must be a whole number.")
    if inputs_head is not None and (not isinstance(inputs_head, str) or not _HASH.fullmatch(inputs_head)):
        raise InvalidInput(f"{source} is not a checkpoint: `inputs_head` must be a SHA-256 hash in hex.")
    if inputs and inputs_head is None:
        raise InvalidInput(f"{source} is not a checkpoint: `inputs` is given without `inputs_head`.")
    database = data.get("database")
    return Checkpoint(
        entries,
        head,
        str(at) if at is not None else "",
        database if isinstance(database, str) else None,
        inputs,
        inputs_head,
    )
