#!/usr/bin/env python3
"""Writes an .xlsx workbook with openpyxl or XlsxWriter, spreadsheet writers independent of
lacak, for its tests and benchmark: `write_xlsx.py OUT.xlsx < rows.json`.

rows.json is {"rows": [[cell, ...], ...], "dates": [[row, column], ...]}: every cell is text,
except the cells listed in "dates" (zero-based), which hold "YYYY-MM-DD HH:MM:SS" and are written
as Excel date cells (a serial number with a date format), as a spreadsheet program would.
With "shared_strings": true it is written by XlsxWriter, which keeps text in
xl/sharedStrings.xml as Excel does; otherwise by openpyxl, which writes inline strings.
"""
import datetime
import json
import sys

import openpyxl


def main():
    spec = json.load(sys.stdin)
    dates = {tuple(cell) for cell in spec.get("dates", [])}
    if spec.get("shared_strings"):
        import xlsxwriter

        book = xlsxwriter.Workbook(sys.argv[1])
        sheet = book.add_worksheet(spec.get("title", "OrderSKUList"))
        date_format = book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
        for r, row in enumerate(spec["rows"]):
            for c, value in enumerate(row):
                if (r, c) in dates:
                    sheet.write_datetime(r, c, datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S"), date_format)
                elif value != "":
                    sheet.write_string(r, c, value)
        book.close()
        return
    else:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(spec.get("title", "OrderSKUList"))
    for r, row in enumerate(spec["rows"]):
        out = []
        for c, value in enumerate(row):
            if (r, c) in dates:
                out.append(datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S"))
            else:
                out.append(value)
        sheet.append(out)
    book.save(sys.argv[1])


if __name__ == "__main__":
    main()
