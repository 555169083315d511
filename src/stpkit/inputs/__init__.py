"""Reading what people give stpkit: plan files, submission workbooks and the schema they follow, every
problem located by file and line, or sheet and cell. Sits just above domain and reference and never calls
the engine: checks that need the engine are passed in from above."""
