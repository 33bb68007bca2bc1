"""`specmesh` run in this process under a time limit (the fuzz suites run thousands of commands;
a process each would cost more than the commands)."""

from __future__ import annotations

import signal

from specmesh_docs.cli import main


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def run_main(args: list[str], seconds: int) -> int | str:
    """The command's exit code; "hang" past `seconds`; argparse's exit code for a bad option."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        return main(args)
    except Hang:
        return "hang"
    except SystemExit as exc:
        return exc.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
