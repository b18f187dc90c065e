"""Readers and writers of the files people exchange with the pool (actuals CSV and XLSX)."""
