"""Hostile spreadsheets for the import tests and bench/security.py (issue 11, items 1 and 2).

Each is a valid xlsx made in memory: a sheet with one cell at XFD1048576 (a reader believing it
allocates 512 GiB), and a zip bomb (a shared string of 1,000 MiB packed into about 1 MB). The zip
is written here member by member, so that the bomb's deflate stream can be made of one
compressed block repeated (a stream of 1,000 MiB would take seconds to compress).
"""

import io
import re
import struct
import zipfile
import zlib

from tests.import_support import xlsx_file

MIB = 1 << 20
_SHEET = "xl/worksheets/sheet1.xml"
_STRINGS = "xl/sharedStrings.xml"


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _zip(members: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A zip of (deflated data, CRC-32, declared unpacked size) by name."""
    out = io.BytesIO()
    directory = []
    for name, (data, crc, size) in members.items():
        encoded = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                              len(encoded), 0))  # fmt: skip
        out.write(encoded + data)
        directory.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data),
                        size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        )  # fmt: skip
    start = out.tell()
    for entry in directory:
        out.write(entry)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory),
                      out.tell() - start, start, 0)  # fmt: skip
    out.write(end)
    return out.getvalue()


def _packed(members: dict[str, bytes]) -> dict[str, tuple[bytes, int, int]]:
    return {name: (_deflated(data), zlib.crc32(data), len(data)) for name, data in members.items()}


def huge_dimension_xlsx(declared: bool = True) -> bytes:
    """Headers in A1:B1, one contact, and one cell at XFD1048576; ``declared``: the sheet says
    so in its ``<dimension>`` (without it only the cell's own reference tells)."""
    members = _members(xlsx_file([["Imię", "Nazwisko"], ["Jan", "Kowalski"]]))
    sheet = members[_SHEET].decode()
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = sheet.replace("</sheetData>", f"{far}</sheetData>")
    dimension = '<dimension ref="A1:XFD1048576"/>' if declared else ""
    sheet = re.sub(r"<dimension [^>]*/>", dimension, sheet)
    members[_SHEET] = sheet.encode()
    return _zip(_packed(members))


def long_cell_xlsx(chars: int) -> bytes:
    """A contact whose last name is ``chars`` long (xlsxwriter would cut it at 32,767)."""
    members = _members(xlsx_file([["Imię", "Nazwisko"], ["Jan", "LONG"]]))
    members[_STRINGS] = members[_STRINGS].replace(b">LONG<", b">" + b"x" * chars + b"<")
    return _zip(_packed(members))


def shared_string_bomb_xlsx(mib: int = 1000, declared_size: int | None = None) -> bytes:
    """A workbook whose shared strings end with one string of ``mib`` MiB of "a" (about 1 KB
    packed per MiB); ``declared_size``: what the zip says the member unpacks to (a lie)."""
    members = _members(xlsx_file([["Imię", "Nazwisko"], ["Jan", "Kowalski"]]))
    strings = members.pop(_STRINGS).decode()
    prefix, suffix = strings.replace("</sst>", "<si><t>").encode(), b"</t></si></sst>"
    chunk = b"a" * MIB
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor starts afresh: each MiB packs to the same bytes.
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    tail = packer.compress(suffix) + packer.flush()
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + mib * MIB + len(suffix)
    packed = _packed(members)
    packed[_STRINGS] = (head + block * mib + tail, crc, declared_size or size)
    return _zip(packed)
