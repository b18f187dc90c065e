"""The lengths of the text columns that codes and names from a rule file are stored in.

The tables are declared with these constants and the rule-file schema refuses longer text, so a
ruleset that passes `pool rules check` can be published, and then settled, on SQLite (which does
not enforce a VARCHAR's length) and on PostgreSQL (which does) alike. The migrations write the
same numbers out, and a test compares the models with the migrated schema.
"""

RULESET_ID = 100  # ruleset_versions.ruleset, default_rulesets.ruleset
VERSION = 40  # ruleset_versions.version
METRIC = 60  # actuals.metric, actual_revisions.metric
SHARE = 60  # ledger_accounts.share, ledger_entries.share, transfer_positions.share, position_years.share
UNIT = 10  # ledger_accounts.unit
REGION_CODE = 40  # regions.code and every column holding one; a ruleset's `city`
BOOK = 20  # ledger_accounts.book, ledger_entries.book, transfer_positions.book, position_years.book
ACCOUNT_NAME = 200  # ledger_accounts.name: book:region:share, each part bounded above
