"""CSV and Excel tables: formula injection neutralised (OWASP, ASVS V1.2.10) and undone exactly on
the way back, Arabic text intact, and uploads that are not a table, or are hostile, refused."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from optimizer_app.spreadsheets import (
    BOM,
    MAX_XLSX_RATIO,
    CsvWriter,
    SpreadsheetError,
    XlsxWriter,
    neutralise,
    read_table,
    restore,
)

ARABIC = "مصباح طاولة من خشب الزان"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
        ("+33 1 23 45", "'+33 1 23 45"),
        ("-5 % today", "'-5 % today"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # an apostrophe the owner typed before a trigger is kept on the way back
        ("Linen shirt", "Linen shirt"),
        ("it's = fine", "it's = fine"),
        ("'quoted'", "'quoted'"),
        (ARABIC, ARABIC),
        ("", ""),
    ],
)
def test_neutralise_prefixes_formula_triggers_and_restore_undoes_it_exactly(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(neutralise(text)) == text


def test_restore_leaves_text_that_was_never_neutralised() -> None:
    assert restore("'plain") == "'plain"
    assert restore("plain") == "plain"


def _csv(rows: list[list[object]]) -> bytes:
    writer = CsvWriter()
    return b"".join(writer.line(r) for r in rows)


def test_csv_starts_with_a_bom_quotes_every_field_and_keeps_arabic() -> None:
    data = _csv([["item_id", "after"], [7, "=cmd|' /C calc'!A0"], [8, ARABIC], [9, None]])
    assert data.startswith(BOM) and data.count(BOM) == 1
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == '"item_id","after"' and text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["7", "'=cmd|' /C calc'!A0"]
    assert rows[2] == ["8", ARABIC] and rows[3] == ["9", ""]


def test_csv_read_back_takes_the_apostrophes_off_and_numbers_rows_as_a_spreadsheet_does() -> None:
    data = _csv([["Item_ID ", "after"], [7, "-bullet\nsecond line"], [8, "'=1"], [], [9, ARABIC]])
    table = read_table(data, "job.csv", max_rows=10)
    assert table.header == ["item_id", "after"] and table.column("after") == 1
    assert [(n, [c.text for c in cells]) for n, cells in table.rows] == [
        (2, ["7", "-bullet\nsecond line"]),
        (3, ["8", "'=1"]),
        (5, ["9", ARABIC]),
    ]


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"", "empty"),
        ("item_id,after\n1,é".encode("latin-1"), "UTF-8"),
        (b"item_id,after\n1,\x00", "not a CSV"),
        (b'item_id,after\n1,"unterminated\n', "malformed"),
        (b"item_id,after\n1,a\n2,b\n3,c\n", "more than 2 rows"),
        (b"\n\n", "empty"),
    ],
)
def test_unreadable_csv_is_refused_with_a_reason(data: bytes, complaint: str) -> None:
    with pytest.raises(SpreadsheetError, match=complaint):
        read_table(data, "job.csv", max_rows=2)


def _xlsx(rows: list[list[object]]) -> bytes:
    writer = XlsxWriter("Job 1", ["item_id", "after"])
    for row in rows:
        writer.append(row)
    with writer.save() as f:
        return f.read()


def test_xlsx_text_cells_are_strings_never_formulas_and_read_back_unchanged() -> None:
    data = _xlsx([[7, "=1+1"], [8, "-bullet"], [9, ARABIC], [10, "@x"]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [(sheet.cell(r, 2).value, sheet.cell(r, 2).data_type, sheet.cell(r, 2).quotePrefix) for r in (2, 3, 4, 5)]
    assert cells == [("=1+1", "s", True), ("-bullet", "s", True), (ARABIC, "s", False), ("@x", "s", True)]
    assert sheet.cell(2, 1).value == 7 and sheet.cell(2, 1).data_type == "n"
    table = read_table(data, "anything.bin", max_rows=10)
    assert [[c.text for c in cells] for _, cells in table.rows] == [
        ["7", "=1+1"],
        ["8", "-bullet"],
        ["9", ARABIC],
        ["10", "@x"],
    ]
    assert not any(c.formula for _, cells in table.rows for c in cells)


def test_a_formula_the_owner_typed_in_excel_is_read_as_a_formula_not_as_text() -> None:
    book = openpyxl.Workbook()
    book.active.append(["item_id", "after"])
    book.active.append([7, '=HYPERLINK("http://evil.example")'])
    out = io.BytesIO()
    book.save(out)
    [(number, cells)] = read_table(out.getvalue(), "job.xlsx", max_rows=5).rows
    assert number == 2 and cells[1].formula


def _zip(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _replaced(xlsx: bytes, name: str, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[name] = data
    return _zip(parts)


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    bomb = _replaced(_xlsx([[1, "a"]]), "xl/worksheets/sheet1.xml", b" " * (MAX_XLSX_RATIO * 50_000))
    with pytest.raises(SpreadsheetError, match="inflate"):
        read_table(bomb, "job.xlsx", max_rows=5)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_entities_in_a_workbook_are_refused_by_defusedxml(part: str) -> None:
    book = _xlsx([[1, "a"]])
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        xml = z.read(part)
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    hostile = _replaced(book, part, laughs + xml.replace(b"<t>a</t>", b"<t>&lol2;</t>"))
    with pytest.raises(SpreadsheetError, match="cannot be read"):
        read_table(hostile, "job.xlsx", max_rows=5)


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"PK\x03\x04 not really a zip", "not an Excel workbook"),
        (_zip({"xl/vbaProject.bin": b"macro"}), "macros"),
        (_zip({f"part{i}.xml": b"<a/>" for i in range(300)}), "too many parts"),
        (_zip({"hello.txt": b"hello"}), "cannot be read"),
    ],
)
def test_files_that_are_not_plain_workbooks_are_refused(data: bytes, complaint: str) -> None:
    with pytest.raises(SpreadsheetError, match=complaint):
        read_table(data, "job.xlsx", max_rows=5)


def test_a_file_named_xlsx_that_is_not_a_zip_is_refused() -> None:
    with pytest.raises(SpreadsheetError, match="not an Excel workbook"):
        read_table(b"item_id,after\n1,a\n", "job.xlsx", max_rows=5)
