"""``python -m stpkit``: the same as the ``stp`` command."""

from stpkit.cli import main

if __name__ == "__main__":
    main()
