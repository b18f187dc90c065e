"""Helpers the tests share: where they run (databases), a command-line driver that also reads the
stored rows (driver), standard pools and ledgers (ledger, reports), an engine-from-scratch oracle,
hypothesis strategies, the reliability tests' checks, and an in-memory unit of work (fakes)."""
