"""What stpkit writes: tidy tables and JSON, workbooks of results, reports and maps; every file is
written whole or not at all."""
