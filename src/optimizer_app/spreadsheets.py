"""CSV and Excel (XLSX) tables the owner downloads, edits and uploads again: written so that no
cell runs as a formula when a spreadsheet opens it, and read back from an upload defensively.

Formula injection (CWE-1236; https://owasp.org/www-community/attacks/CSV_Injection; OWASP ASVS 5.0
V1.2.10): a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, through some
importers, tab, carriage return or NUL) as a formula. In CSV such text gets a leading apostrophe,
which spreadsheets show as text and which reading the file back takes off again, so a round trip
changes nothing (text that itself starts with apostrophes before such a character gets one more).
In XLSX every text cell is written as a string cell (never a formula) with Excel's "quote prefix"
style, so nothing is added to the text.

An upload is refused before it is parsed when it is larger than the caller allows; an XLSX also
when its zip holds too many parts, would inflate too far (a zip bomb), or carries macros or links
to other workbooks. Its XML is parsed by openpyxl through defusedxml (no entity expansion).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import openpyxl
import openpyxl.xml
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# What makes a spreadsheet read a cell as a formula (OWASP, ASVS V1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_NEEDS_QUOTE = re.compile("^'*[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")
_QUOTED = re.compile("^'+[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel reads a CSV as UTF-8 (Arabic included) only when it starts with a byte order mark.
BOM = codecs.BOM_UTF8

# The longest text a cell of Excel holds.
MAX_CELL_CHARS = 32_767
# An XLSX upload's zip: parts (a workbook of one sheet has about a dozen), bytes once inflated in
# all, and how many times larger than compressed any part may grow (text XML compresses 5 to 20
# times; a zip bomb a thousand times and more).
MAX_XLSX_PARTS = 200
MAX_XLSX_INFLATED_BYTES = 100_000_000
MAX_XLSX_RATIO = 200
# Columns read of an uploaded sheet (an export has about ten).
_MAX_COLUMNS = 64
# Parts a table of text never needs: macros, links to other workbooks, embedded objects.
_REFUSED_PARTS = re.compile(r"(^|/)(vbaProject\.bin|externalLinks/|embeddings/|activeX/)", re.IGNORECASE)

# openpyxl parses through defusedxml whenever it is installed (a dependency of this package).
if not openpyxl.xml.DEFUSEDXML:
    raise ImportError("defusedxml must be installed so that uploaded workbooks are parsed safely")

# What reading a damaged or hostile workbook raises: defusedxml's refusals are ValueErrors, XML
# syntax errors SyntaxErrors; openpyxl's own, KeyErrors for missing parts, TypeErrors for
# unexpected values.
_UNREADABLE = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError)


class SpreadsheetError(ValueError):
    """An uploaded file that cannot be read as a table, with a sentence saying why."""


def neutralise(text: str) -> str:
    """CSV text that no spreadsheet runs as a formula: a leading apostrophe before a formula
    character (and before apostrophes that precede one, so reading it back is exact)."""
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restore(text: str) -> str:
    """The text `neutralise` was given: one leading apostrophe taken off where it added one."""
    return text[1:] if _QUOTED.match(text) else text


# ---------------------------------------------------------------------------------------------
# Writing


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(str(value)) if isinstance(value, str) else str(value)


class CsvWriter:
    """A table as UTF-8 CSV bytes, a line at a time (so it can be streamed): the first line
    starts with a byte order mark; every field quoted and lines ended with CRLF (RFC 4180); text
    neutralised."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        self._first = True

    def line(self, values: Sequence[Any]) -> bytes:
        self._writer.writerow([_csv_text(v) for v in values])
        data = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        if self._first:
            self._first = False
            return BOM + data
        return data


class XlsxWriter:
    """A one-sheet workbook written row by row (openpyxl's write-only mode keeps the rows in a
    temporary file, not in memory), then saved to a temporary file to stream."""

    def __init__(self, title: str, header: Sequence[str], *, right_to_left: bool = False) -> None:
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet: WriteOnlyWorksheet = self._book.create_sheet(title[:31])
        if right_to_left:
            self._sheet.sheet_view.rightToLeft = True
        self._sheet.freeze_panes = "A2"
        self.append(header)

    def _cell(self, value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if value is None or isinstance(value, int | float):
            return value
        text = str(value)[:MAX_CELL_CHARS]
        cell = WriteOnlyCell(self._sheet, value=text)
        # A string cell, whatever the text: openpyxl makes "=…" a formula cell otherwise.
        cell.data_type = "s"
        if _NEEDS_QUOTE.match(text):
            cell.quotePrefix = True  # Excel keeps it text when the owner edits the cell
        return cell

    def append(self, values: Sequence[Any]) -> None:
        self._sheet.append([self._cell(v) for v in values])

    def save(self) -> IO[bytes]:
        """The workbook in a temporary file, read from its start; the caller closes it (which
        deletes it)."""
        out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
        self._book.save(out)
        out.seek(0)
        return out


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class Cell:
    """An uploaded cell as text ('' when empty); `formula` when the spreadsheet holds a formula
    there, which is never taken as text."""

    text: str
    formula: bool = False


_EMPTY = Cell("")


@dataclass(frozen=True)
class Table:
    """The first sheet of an upload: its header (lower-cased, stripped) and the rows under it,
    each with its row number as the spreadsheet shows it (the header is row 1)."""

    header: list[str]
    rows: list[tuple[int, list[Cell]]]

    def column(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None


def read_table(data: bytes, filename: str, *, max_rows: int) -> Table:
    """The table of an uploaded CSV or XLSX file (told apart by its content, not its name).
    SpreadsheetError when it cannot be read, or has no header or more than `max_rows` rows."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, max_rows)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise SpreadsheetError("This file is not an Excel workbook (.xlsx).")
    return _read_csv(data, max_rows)


def _table(lines: Iterator[tuple[int, list[Cell]]], max_rows: int) -> Table:
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for number, cells in lines:
        if header is None:
            header = [c.text.strip().lower() for c in cells]
            continue
        if not any(c.text.strip() or c.formula for c in cells):
            continue  # a blank row
        if len(rows) == max_rows:
            raise SpreadsheetError(f"The file has more than {max_rows} rows, far more than the job has fields.")
        rows.append((number, cells))
    if header is None or not any(header):
        raise SpreadsheetError("The file is empty; it needs a header row and a row per field.")
    return Table(header, rows)


def _read_csv(data: bytes, max_rows: int) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError('The file is not UTF-8 text; save it as "CSV UTF-8".') from None
    if "\0" in text:
        raise SpreadsheetError("The file is not a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)

    def lines() -> Iterator[tuple[int, list[Cell]]]:
        # Numbered by record, as a spreadsheet numbers its rows (a quoted cell may span lines).
        try:
            for number, cells in enumerate(reader, start=1):
                if any(len(c) > MAX_CELL_CHARS for c in cells):
                    raise SpreadsheetError(f"Row {number} has a cell longer than {MAX_CELL_CHARS} characters.")
                yield number, [Cell(restore(c)) for c in cells]
        except csv.Error as exc:
            raise SpreadsheetError(f"The CSV file is malformed near line {reader.line_num}: {exc}.") from None

    return _table(lines(), max_rows)


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SpreadsheetError("This file is not an Excel workbook (.xlsx).") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise SpreadsheetError("This workbook has too many parts to be a table.")
        inflated = 0
        for part in parts:
            if _REFUSED_PARTS.search(part.filename):
                raise SpreadsheetError("This workbook holds macros, links or embedded objects; save it as plain .xlsx.")
            inflated += part.file_size
            if part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1) or inflated > MAX_XLSX_INFLATED_BYTES:
                raise SpreadsheetError("This workbook would inflate to far more than its size; it is refused.")


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    _check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except _UNREADABLE as exc:
        raise SpreadsheetError(f"This Excel workbook cannot be read ({type(exc).__name__}).") from None
    try:
        if not book.worksheets:
            raise SpreadsheetError("This Excel workbook has no sheet.")
        sheet = book.worksheets[0]

        def lines() -> Iterator[tuple[int, list[Cell]]]:
            for number, row in enumerate(sheet.iter_rows(max_col=_MAX_COLUMNS), start=1):
                cells = [_xlsx_cell(c) for c in row]
                while cells and cells[-1] == _EMPTY:  # the columns the sheet's width pads each row with
                    cells.pop()
                yield number, cells

        try:
            return _table(lines(), max_rows)
        except SpreadsheetError:
            raise
        except _UNREADABLE as exc:  # the sheet is parsed while its rows are read
            raise SpreadsheetError(f"This Excel workbook's sheet cannot be read ({type(exc).__name__}).") from None
    finally:
        book.close()


def _xlsx_cell(cell: Any) -> Cell:
    value = cell.value
    if value is None:
        return Cell("")
    if getattr(cell, "data_type", None) == "f":
        return Cell(str(value), formula=True)
    if isinstance(value, bool):
        return Cell("true" if value else "false")
    if isinstance(value, float) and value.is_integer():
        return Cell(str(int(value)))
    text = str(value)
    if len(text) > MAX_CELL_CHARS:
        raise SpreadsheetError(f"Row {cell.row} has a cell longer than {MAX_CELL_CHARS} characters.")
    return Cell(text)
