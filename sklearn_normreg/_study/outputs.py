"""The outputs, ``--figure`` and ``--json``: their paths checked before any work, then written safely."""

import errno
import os
import stat
import tempfile
from contextlib import contextmanager, suppress

from .paths import regular_file, same_file, show_path

# Formats matplotlib writes by itself: others need external tools (pgf, ps and
# eps call LaTeX or Ghostscript and fail after the whole study) or are lossy.
FIGURE_FORMATS = ("png", "svg", "pdf")


class OutputError(Exception):
    """An output could not be written (exit code 1); the message names the option."""


def _check_output(parser, option, path):
    """Exit now, not after the whole study, if PATH cannot be written; nothing is opened or created."""
    exists = regular_file(parser, option, path, "write")
    # the output is renamed into place: what must be writable is the directory
    directory = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(directory):
        parser.error(f"{option}: cannot write {show_path(path)}: {os.strerror(errno.ENOENT)}")
    if not os.access(directory, os.W_OK | os.X_OK) or (exists and not os.access(path, os.W_OK)):
        parser.error(f"{option}: cannot write {show_path(path)}: {os.strerror(errno.EACCES)}")


def figure_path(path):
    """Where the figure goes: PATH, with .png added if it has no extension (matplotlib adds it silently).

    >>> from pathlib import Path
    >>> figure_path(Path("study")).name, figure_path(Path("study.svg")).name
    ('study.png', 'study.svg')
    """
    if path.suffix or os.path.isdir(path):
        return path
    return path.with_name(path.name + ".png")


def check_outputs(parser, args):
    """Check the --figure and --json paths before any work; return the figure's path (None: no figure)."""
    figure = None if args.no_figure else figure_path(args.figure)
    outputs = [
        (option, path) for option, path in (("--figure", figure), ("--json", args.json)) if path is not None
    ]
    for option, path in outputs:
        _check_output(parser, option, path)
        if args.data is not None and same_file(path, args.data):
            parser.error(
                f"{option}: cannot write {show_path(path)}: it is the --data file "
                "(the input is never overwritten)"
            )
    if len(outputs) == 2 and same_file(figure, args.json):
        parser.error(f"--json: cannot write {show_path(args.json)}: it is also the --figure path")
    if figure is not None and figure.suffix[1:].lower() not in FIGURE_FORMATS:
        parser.error(
            f"--figure: image format {figure.suffix[1:]!r} of {show_path(figure)} is not supported "
            f"(use {', '.join(FIGURE_FORMATS)})"
        )
    return figure


def _new_file_mode(target):
    """TARGET's mode if it exists, else what open() gives a new file: the temporary file has 0o600."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only way to read it
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def replaced_on_success(option, path):
    """Yield a temporary path next to PATH; rename it to PATH when the block ends without error.

    On any error (Ctrl-C too) the temporary file is removed and a file already
    at PATH is left as it was. Through a symbolic link, the link is kept and
    its target replaced.

    Parameters
    ----------
    option : str
        The command-line option of PATH, for messages.
    path : path-like
        The output's path.

    Yields
    ------
    temporary : str
        The path to write, in PATH's directory and with its extension.

    Raises
    ------
    OutputError
        For an ``OSError`` while creating, writing or renaming the file.
    """
    target = os.path.realpath(path)
    try:
        with tempfile.NamedTemporaryFile(
            dir=os.path.dirname(target),
            prefix=f".{os.path.basename(target)}.",
            suffix=os.path.splitext(target)[1],  # matplotlib picks the format from it
            delete=False,
        ) as handle:
            temporary = handle.name
    except OSError as error:
        raise OutputError(f"{option}: cannot write {show_path(path)}: {error.strerror or error}") from None
    try:
        yield temporary
        os.chmod(temporary, _new_file_mode(target))
        os.replace(temporary, target)
    except BaseException as error:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(
                f"{option}: cannot write {show_path(path)}: {error.strerror or error}"
            ) from None
        raise
