"""The files named on the command line: how a message shows them, and what they are."""

import os
import stat


def show_path(path, limit=120):
    """PATH for a one-line message: repr if it holds control characters, long ones cut in the middle.

    >>> show_path("data.csv")
    'data.csv'
    >>> print(show_path("bad\\nname.csv"))
    'bad\\nname.csv'
    >>> show_path("x" * 200, limit=10)
    'xxxxx...xxxxx'
    """
    text = os.fspath(path)
    if not text.isprintable():
        text = repr(text)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"


def _kind(mode):
    """What a file that is not a regular one is, for a message."""
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((kind for is_kind, kind in kinds if is_kind(mode)), "a special file")


def regular_file(parser, option, path, verb):
    """True if PATH is a regular file, False if nothing is there; exit on anything else.

    Only ``os.stat``: opening a FIFO to test it would block until a writer comes.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            parser.error(
                f"{option}: cannot {verb} {show_path(path)}: it is a dangling symbolic link "
                f"(to {show_path(os.readlink(path))}, which does not exist)"
            )
        return False
    except OSError as error:  # a name too long, a symlink loop, a file used as a directory
        parser.error(f"{option}: cannot {verb} {show_path(path)}: {error.strerror}")
    if not stat.S_ISREG(mode):
        parser.error(f"{option}: cannot {verb} {show_path(path)}: it is {_kind(mode)}, not a regular file")
    return True


def same_file(first, second):
    """Whether two paths name one file: the same inode if both exist, else the same resolved path."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)
