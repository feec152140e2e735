"""Reading and writing the user's files safely: one place for every file GridSim touches.

- ``read_user_text``: regular files only (a FIFO or a device is refused without blocking),
  a size limit checked before reading, UTF-8 with or without a BOM.
- ``load_user_json``: that, parsed strictly: nesting depth and number length are checked
  before Python's parser runs (it would recurse to a RecursionError or refuse a 4,300-digit
  int with a ValueError), duplicate keys and NaN/Infinity are refused, and every error is
  one line naming the file, the line and, where there is one, the key.
- ``write_atomically`` / ``open_atomically``: either the whole new content is in place or
  the old file is untouched (temp file in the same folder, fsync, ``os.replace``, fsync of
  the folder). The file keeps its mode (a new one gets 0666 minus the umask, like any
  program's), and a symlink is written through to its target, never replaced.
  ``install_file`` does the same for a file another program finished under a temporary name.
- ``check_output_path``: create and probe an output folder or file location before the
  work starts, so a run is never lost to a path that could not be written at the end.

Pure standard library: the core, the commands, the app and the trainer all use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path

from gridsim.limits import JSON_DEPTH, JSON_NUMBER_DIGITS, MIB, number_text, short_text


class UserFileError(ValueError):
    """A file that cannot be read, parsed or written; str() is one line for the user:
    'PATH: line N: KEY: what is wrong' (the line and key when they are known)."""

    def __init__(
        self,
        path,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
    ):
        where = [short_text(str(path))] if str(path) else []
        if line is not None:
            where.append(f"line {line}" + (f", column {column}" if column is not None else ""))
        if key:
            where.append(key)
        super().__init__(": ".join([*where, message]))
        self.path = str(path)
        self.line = line
        self.column = column
        self.key = key
        self.reason = message


# --- reading ------------------------------------------------------------------------------


def _os_message(e: OSError) -> str:
    text = e.strerror or str(e) or type(e).__name__
    return text[:1].lower() + text[1:]


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _size_text(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n:,} bytes"


def read_user_bytes(path, *, what: str, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Non-regular files are refused from ``stat`` before opening (opening a FIFO for reading
    blocks until a writer appears; opening some devices has side effects), and the file is
    opened with O_NONBLOCK and checked again, in case it was swapped in between.
    """
    if str(path) == "":
        raise UserFileError("", f"no {what} given (the path is empty)")
    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise UserFileError(path, f"is {_kind(st.st_mode)}, not {_a(what)}")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        flags |= getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
    except OSError as e:
        raise UserFileError(path, _os_message(e)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UserFileError(path, f"is {_kind(st.st_mode)}, not {_a(what)}")
        if st.st_size > max_bytes:
            raise UserFileError(path, _too_big(what, st.st_size, max_bytes))
        chunks, size = [], 0
        while size <= max_bytes:  # read until EOF; a file growing meanwhile is cut off here
            chunk = os.read(fd, min(MIB, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise UserFileError(path, _os_message(e)) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UserFileError(path, _too_big(what, len(data), max_bytes))
    return data


def _a(what: str) -> str:
    """'an agent file', 'a layout file': the article the noun asks for."""
    return f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"


def check_user_file(path, *, what: str, max_bytes: int | None = None) -> None:
    """Refuse ``path`` as ``what`` from its ``stat`` alone (nothing is opened): empty, missing,
    not a regular file (a folder, a FIFO), or over ``max_bytes``. For a command that wants to
    say so before seconds of start-up (torch's import, a window); the reader checks again."""
    if not str(path).strip():
        raise UserFileError("", "is empty; give a path")
    try:
        st = os.stat(path)
    except OSError as e:
        raise UserFileError(path, _os_message(e)) from None
    if not stat.S_ISREG(st.st_mode):
        raise UserFileError(path, f"is {_kind(st.st_mode)}, not {_a(what)}")
    if max_bytes is not None and st.st_size > max_bytes:
        raise UserFileError(path, _too_big(what, st.st_size, max_bytes))


def _too_big(what: str, size: int, max_bytes: int) -> str:
    limit = number_text(max_bytes, sizes=True)
    return f"{_size_text(size)} is too big for {_a(what)} (the limit is {limit})"


def read_user_text(path, *, what: str, max_bytes: int) -> str:
    """The text of the regular file ``path`` (UTF-8, a leading BOM dropped), at most
    ``max_bytes`` long; any problem raises UserFileError with one line naming the file.

    ``what`` names the file for the user: 'layout file', 'settings file'.
    """
    data = read_user_bytes(path, what=what, max_bytes=max_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserFileError(path, f"the {what} is UTF-16 text; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise UserFileError(
            path, f"not UTF-8 text (byte 0x{data[e.start]:02x} cannot be read)", line=line
        ) from None


# --- JSON ---------------------------------------------------------------------------------

# A string, a bracket, or a run of digits (with its sign, fraction and exponent): enough to
# measure nesting and number length without recursion, skipping brackets inside strings.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]|-?[0-9][0-9.eE+-]*')


def line_of(text: str, position: int) -> int:
    """The 1-based line of character ``position`` in ``text``."""
    return text.count("\n", 0, position) + 1


def check_json_shape(text: str, source, *, max_depth: int = JSON_DEPTH.high) -> None:
    """UserFileError if ``text`` nests deeper than ``max_depth`` or holds a number with more
    than JSON_NUMBER_DIGITS digits (naming the line); a linear scan, no recursion."""
    depth = 0
    max_digits = JSON_NUMBER_DIGITS.high
    for m in _JSON_TOKENS.finditer(text):
        token = m.group()
        first = token[0]
        if first in "[{":
            depth += 1
            if depth > max_depth:
                raise UserFileError(
                    source,
                    f"nested more than {max_depth} levels deep (a GridSim file needs 3)",
                    line=line_of(text, m.start()),
                )
        elif first in "]}":
            depth -= 1
        elif first != '"' and len(token) > max_digits:
            raise UserFileError(
                source,
                f"a number of {len(token):,} characters (at most {max_digits})",
                line=line_of(text, m.start()),
            )


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _refuse_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _decode_message(e: json.JSONDecodeError) -> str:
    """json's message in plain English: 'Unterminated string starting at' -> 'a string is
    not closed'; others lower-cased ('expecting ',' delimiter')."""
    msg = e.msg
    plain = {
        "Unterminated string starting at": "a string is not closed",
        "Expecting value": "expected a value",
        "Extra data": "unexpected text after the JSON value",
    }
    if msg in plain:
        return plain[msg]
    msg = msg.replace("Expecting", "expected").replace(" starting at", "")
    return msg[:1].lower() + msg[1:]


def parse_user_json(text: str, source, *, max_depth: int = JSON_DEPTH.high):
    """Parse ``text`` strictly (see the module docstring); UserFileError naming ``source``."""
    check_json_shape(text, source, max_depth=max_depth)
    try:
        return json.loads(
            text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as e:
        raise UserFileError(source, _decode_message(e), line=e.lineno, column=e.colno) from None
    except _DuplicateKey as e:
        raise UserFileError(
            source, "the key appears twice", line=key_line(text, e.key, second=True), key=e.key
        ) from None
    except (ValueError, RecursionError) as e:  # NaN/Infinity; anything the scan missed
        raise UserFileError(source, str(e).split("\n")[0][:120] or "not valid JSON") from None


def key_line(text: str, key: str, *, second: bool = False) -> int | None:
    """Best effort: the line where ``"key":`` is written (its second occurrence when
    ``second``); a dotted ``a.b`` looks for b after a. None when not found."""
    start = 0
    parts = key.split(".")
    for i, part in enumerate(parts):
        pattern = re.compile(re.escape(json.dumps(part)) + r"\s*:")
        matches = list(pattern.finditer(text, start))
        index = 1 if second and i == len(parts) - 1 else 0
        if len(matches) <= index:
            return None
        start = matches[index].start()
    return line_of(text, start)


def load_user_json(path, *, what: str, max_bytes: int, max_depth: int = JSON_DEPTH.high):
    """The parsed JSON of the user's file ``path``; UserFileError (one line naming the file
    and line) for anything ``read_user_text`` or ``parse_user_json`` refuses."""
    return parse_user_json(
        read_user_text(path, what=what, max_bytes=max_bytes), path, max_depth=max_depth
    )


def check_json_value(value, source, *, max_depth: int = JSON_DEPTH.high) -> None:
    """UserFileError if an already-parsed value (e.g. a dict given to ``gym.make``) nests
    deeper than ``max_depth``; iterative, so a 100,000-deep list is refused, not recursed."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > max_depth:
                raise UserFileError(source, f"nested more than {max_depth} levels deep")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


# --- writing ------------------------------------------------------------------------------


def _umask() -> int:
    """The process's umask, read without changing it where the OS allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # elsewhere: read it by setting it, and put it straight back
    os.umask(old)
    return old


def resolve_target(path) -> Path:
    """The file a write to ``path`` must replace: a symlink's (final) target, else ``path``."""
    path = Path(path)
    try:
        if path.is_symlink():
            return Path(os.path.realpath(path))
    except OSError:  # a name too long, say: the write itself will report it
        pass
    return path


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def open_atomically(path, mode: str = "wb"):
    """A file object to write the new content of ``path`` to; on leaving the block without
    an exception it replaces ``path`` atomically, otherwise ``path`` is left untouched.

    Usage: ``with open_atomically(p) as f: torch.save(payload, f)``. ``mode`` is 'wb' or
    'w' (UTF-8 text). Raises UserFileError for a target that is not a regular file
    (a folder, a FIFO) and OSError for the writing itself.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    if str(path) == "":
        raise UserFileError("", "no file name given (the path is empty)")
    target = resolve_target(path)
    file_mode = _mode_for(target)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), file_mode)
            else:  # pragma: no cover - Windows
                os.chmod(tmp, file_mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _mode_for(target: Path) -> int:
    """The permissions a file written as ``target`` gets: the old file's, or for a new one
    0666 minus the umask. UserFileError if ``target`` is not a regular file (a folder, a
    FIFO, a device): that is never replaced."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if not stat.S_ISREG(old.st_mode):
        raise UserFileError(target, f"is {_kind(old.st_mode)}; it will not be replaced")
    return stat.S_IMODE(old.st_mode)


def install_file(finished, path) -> None:
    """Put the finished file ``finished`` in place as ``path``, as ``write_atomically`` does:
    the old file's mode is kept (a new one gets 0666 minus the umask), a symlink is written
    through, and the file and the folder are fsynced; ``finished`` is gone afterwards.

    For files another program wrote under a temporary name (ffmpeg's videos, a metrics file
    streamed as a run trains). ``finished`` should be in the folder of ``resolve_target(path)``
    (then the move is one atomic rename); elsewhere its bytes are copied in atomically.
    UserFileError for a target that is not a regular file, OSError for the move itself.
    """
    finished, target = Path(finished), resolve_target(path)
    file_mode = _mode_for(target)
    if os.path.realpath(finished.parent) != os.path.realpath(target.parent):
        with open(finished, "rb") as source, open_atomically(target) as f:
            while chunk := source.read(MIB):
                f.write(chunk)
        finished.unlink()
        return
    fd = os.open(finished, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(finished, file_mode)
    os.replace(finished, target)
    _fsync_folder(target.parent)


def write_atomically(path, data: bytes | str) -> None:
    """Replace ``path``'s content with ``data`` (str is written as UTF-8) atomically: the
    old file stays whole if anything fails; its mode is kept and a symlink written through."""
    with open_atomically(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)


# --- output locations ---------------------------------------------------------------------


def check_output_path(path, kind: str, *, what: str = "output") -> Path:
    """Create and probe the place a command will write to, before the work starts.

    ``kind`` 'folder': ``path`` is made (with its parents) if missing and a probe file is
    created and removed in it. ``kind`` 'file': its folder is made and probed, and ``path``
    must not be a folder or another non-regular file. Returns ``path`` as a Path; raises
    UserFileError naming ``what`` (e.g. '--out') and the path on any problem.
    """
    if kind not in ("folder", "file"):
        raise ValueError(f"kind must be 'folder' or 'file', got {kind!r}")
    if not str(path).strip():  # "" or blanks: a slip, not a name anyone means
        raise UserFileError(what, "is empty; give a path")
    path = Path(path)
    folder = path if kind == "folder" else resolve_target(path).parent
    try:
        if kind == "file":
            target = resolve_target(path)
            if target.exists() and not target.is_file():
                mode = os.stat(target).st_mode
                raise UserFileError(f"{what} {path}", f"is {_kind(mode)}, not a file")
        if folder.exists() and not folder.is_dir():
            kind = "a file" if folder.is_file() else _kind(os.stat(folder).st_mode)
            raise UserFileError(
                f"{what} {path}", f"{short_text(str(folder))} is {kind}, not a folder"
            )
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        detail = _os_message(e)
        if e.filename and str(e.filename) != str(path):
            detail = f"{short_text(str(e.filename))}: {detail}"
        raise UserFileError(f"{what} {path}", f"cannot write there ({detail})") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".gridsim-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        # the folder is there but takes no new file (/proc: 'no such file', a read-only
        # disk, no permission): said of the place the user gave, never of the probe's
        # temporary name
        place = "it" if folder == path else short_text(str(folder))
        reason = f"cannot create a file in {place} ({_os_message(e)})"
        raise UserFileError(f"{what} {path}", reason) from None
    return path
