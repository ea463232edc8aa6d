"""Exports: requests as CSV files people can open in a spreadsheet, streamed, safe against
formula injection, and written to an export log admins read (issue 13)."""
