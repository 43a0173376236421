"""Reading one big file with several processes (ARTS: a million rows a year).

The file is cut at line breaks into parts of about equal size. Forked processes read a part
each with the importer's own `row()`, and send back over a pipe their rejected rows (in
batches), their progress, and at the end what they gathered (`importer.part_state()`). This
process writes the rejected rows and the progress, and merges the parts in file order
(`importer.merge_part()`). Reading is all the children do: they never touch the database, and
the write that follows happens here, in one transaction, as for a file read in one piece.

The result is that of one process reading the whole file. Each part but the last is read with
one extra line, PART_END, after it: a part that ends inside a quoted value swallows it, and
then every part is thrown away and the file is read again in one piece. Cut points are chosen
after an even number of quote characters, so that only malformed quoting ever costs a re-read.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from .base import CsvFile, Report, clip

MIN_BYTES = 32 * 1024 * 1024  # smaller files read faster than processes start
BLOCK = 4 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


@dataclass
class Part:
    start: int  # byte offset
    end: int
    lines_before: int  # physical lines before `start`


class NotSplittable(Exception):
    """The file is read in one piece (the reason is only of interest in a debugger)."""


def plan_parts(path: Path, count: int) -> list[Part]:
    """Byte ranges of `count` parts of the data rows, or NotSplittable."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    pos = len(BOM) if head.startswith(BOM) else 0
    lines = 0
    while True:
        newline = head.find(b"\n", pos)
        if newline < 0:
            raise NotSplittable("no line break in the first megabyte")
        text = head[pos:newline]
        lines += 1
        pos = newline + 1
        if text.strip():
            break
    if b'"' in text or b"\r" in text.rstrip(b"\r"):
        raise NotSplittable("a header with quotes or lone carriage returns")
    data_start = pos
    targets = [data_start + (size - data_start) * k // count for k in range(1, count)]
    cuts: list[tuple[int, int]] = []  # (offset, lines before it)
    quotes = newlines = 0
    with open(path, "rb") as fh:
        fh.seek(data_start)
        offset = data_start
        carry_cr = False
        # Only the bytes before the last cut matter: they give the parts' first line numbers.
        while targets and (block := fh.read(BLOCK)):
            if b"\r" in block:
                lone = block.count(b"\r") - block.count(b"\r\n")
                if block.endswith(b"\r"):
                    lone -= 1
                if carry_cr and not block.startswith(b"\n"):
                    lone += 1
                if lone:
                    raise NotSplittable("line breaks that are a lone carriage return")
                carry_cr = block.endswith(b"\r")
            elif carry_cr and not block.startswith(b"\n"):
                raise NotSplittable("line breaks that are a lone carriage return")
            else:
                carry_cr = False
            at = 0
            while targets and offset + len(block) > targets[0]:
                at = max(at, targets[0] - offset)
                newline = block.find(b"\n", at)
                if newline < 0:
                    break  # the cut falls in the next block
                if (quotes + block.count(b'"', 0, newline)) % 2:
                    at = newline + 1  # inside a quoted value: try the next line break
                    continue
                before = lines + newlines + block.count(b"\n", 0, newline) + 1
                cuts.append((offset + newline + 1, before))
                targets.pop(0)
                at = newline + 1
            if targets and offset + len(block) > targets[0]:
                targets[0] = offset + len(block)  # search on from the next block
            quotes += block.count(b'"')
            newlines += block.count(b"\n")
            offset += len(block)
    if targets or len(cuts) != count - 1:
        raise NotSplittable("no line break where a part should end")
    starts = [data_start, *(cut for cut, _ in cuts)]
    ends = [*(cut for cut, _ in cuts), size]
    before = [lines, *(n for _, n in cuts)]
    return [Part(s, e, b) for s, e, b in zip(starts, ends, before, strict=True) if e > s]


class PartReport(Report):
    """A child's report: rejected rows and progress go to the pipe, not to the database."""

    def __init__(self, run, send):
        super().__init__(run)
        self.send = send

    def flush(self) -> None:
        if self._pending:
            self.send(("rejects", [(r.line, r.column, r.value, r.message) for r in self._pending]))
            self._pending = []

    def progress(self) -> None:
        if time.monotonic() - self._last_progress < 1.0:
            return
        self._last_progress = time.monotonic()
        self.flush()
        self.send(("rows", self.rows))


def read_in_parts(importer, path: Path, encoding: str, processes: int) -> bool:
    """Read the file in parts; False when it has to be read in one piece after all (nothing
    of the attempt is left then)."""
    try:
        parts = plan_parts(path, processes)
    except NotSplittable:
        return False
    if len(parts) < 2:
        return False
    source = CsvFile(path, encoding, importer.is_header)
    with source.lines():  # reads the header (a UnicodeDecodeError goes to the caller)
        pass
    if source.header_line != parts[0].lines_before:
        return False
    importer.check_header(source)

    children = {}
    try:
        for number, part in enumerate(parts):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
                os.close(read_fd)
                _child(importer, source, part, number == len(parts) - 1, write_fd)
            os.close(write_fd)
            children[read_fd] = (pid, number, os.fdopen(read_fd, "rb"))
        results = _collect(importer.report, children, len(parts))
    finally:
        for pid, _, stream in children.values():
            stream.close()
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)

    if any(result[0] == "decode" for result in results):
        raise UnicodeDecodeError(encoding, b"", 0, 1, "in a part of the file")
    failed = [result for result in results if result[0] == "error"]
    if failed:
        raise RuntimeError(f"a reading process failed: {failed[0][1]}")
    if not all(result[4] for result in results):
        importer.report.reset()
        importer.reset()
        return False
    report = importer.report
    report.rows = 0
    for _, state, counts, warnings, _ in results:
        importer.merge_part(state)
        report.rows += counts[0]
        report.accepted += counts[1]
        report.duplicates += counts[2]
        report.rejected += counts[3]
        for message in warnings:
            report.warn(message)
    report.flush()
    importer.finish_reading()
    return True


def _child(importer, source: CsvFile, part: Part, last: bool, write_fd: int) -> None:
    stream = os.fdopen(write_fd, "wb")

    def send(message) -> None:
        pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
        stream.flush()

    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        report = PartReport(importer.report.run, send)
        report.column_names = importer.report.column_names
        importer.report = report
        fields = importer.fields_read()
        importer.consume(source.part_rows(part.start, part.end, part.lines_before, last, fields))
        report.flush()
        counts = (report.rows, report.accepted, report.duplicates, report.rejected)
        send(("done", importer.part_state(), counts, report.all_warnings(), source.ended))
    except UnicodeDecodeError:
        send(("decode",))
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
        send(("error", clip(f"{type(exc).__name__}: {exc}", 300)))
    finally:
        try:
            stream.close()
        finally:
            os._exit(0)


def _collect(report: Report, children: dict, count: int) -> list[tuple]:
    """Messages of all children until each has sent its last; rejects and progress saved."""
    results: list = [None] * count
    done_rows = [0] * count
    open_fds = set(children)
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 1.0)
        for fd in ready:
            _, number, stream = children[fd]
            try:
                message = pickle.load(stream)
            except EOFError:
                open_fds.discard(fd)
                if results[number] is None:
                    results[number] = ("error", "the process ended without a result")
                continue
            kind = message[0]
            if kind == "rejects":
                report.add_rejected(message[1])
            elif kind == "rows":
                done_rows[number] = message[1]
            else:  # done, decode or error: the child's last message
                results[number] = message
                open_fds.discard(fd)
        report.rows = sum(done_rows)
        report.progress()
    return results


def processes_for(importer, path: Path, setting: int) -> int:
    if not getattr(importer, "parallel", False) or setting < 2 or not hasattr(os, "fork"):
        return 1
    try:
        size = path.stat().st_size
    except OSError:
        return 1
    return setting if size >= MIN_BYTES else 1
