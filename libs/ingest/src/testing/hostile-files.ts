/**
 * Files built to hurt, for the reader's specs and the import e2e suite: generated as
 * streams or from a few repeated compressed blocks, so a "2 GB" line or a sheet that
 * inflates to gigabytes costs the test next to nothing to make.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { constants, deflateRawSync } from 'node:zlib';

/** `prefix`, then `bytes` of `fill` with no line break, then `suffix`: one reused buffer, never the whole line in memory. */
export function longLine(bytes: number, prefix = '', suffix = '', fill = 'x'): Readable {
  const unit = Buffer.alloc(1024 * 1024, fill);
  return Readable.from(
    (function* () {
      if (prefix) yield Buffer.from(prefix);
      for (let left = bytes; left > 0; left -= unit.length) yield left >= unit.length ? unit : unit.subarray(0, left);
      if (suffix) yield Buffer.from(suffix);
    })(),
    { objectMode: false },
  );
}

/** Counts the bytes a consumer pulled from a stream. */
export function counted(stream: Readable): { stream: Readable; bytes: () => number } {
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
  return { stream, bytes: () => bytes };
}

interface ZipPart {
  name: string;
  /** Stored data (method 0) or raw deflate segments (method 8), written in order. */
  data: Buffer[];
  method: 0 | 8;
  uncompressedSize: number;
}

/**
 * Writes a ZIP archive part by part. CRC-32 fields are left 0: the readers under test
 * (yauzl) do not check them, and a bomb's would cost inflating it.
 */
export async function writeZip(path: string, parts: readonly ZipPart[]): Promise<void> {
  const out = createWriteStream(path);
  const central: Buffer[] = [];
  let offset = 0;
  const write = (b: Buffer) => {
    out.write(b);
    offset += b.length;
  };
  for (const part of parts) {
    const name = Buffer.from(part.name, 'utf8');
    const compressedSize = part.data.reduce((n, b) => n + b.length, 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(part.method, 8);
    local.writeUInt32LE(0, 14);
    local.writeUInt32LE(compressedSize, 18);
    local.writeUInt32LE(part.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const at = offset;
    write(local);
    write(name);
    for (const b of part.data) write(b);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(part.method, 10);
    entry.writeUInt32LE(0, 16);
    entry.writeUInt32LE(compressedSize, 20);
    entry.writeUInt32LE(part.uncompressedSize, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(at, 42);
    central.push(entry, name);
  }
  const centralStart = offset;
  for (const b of central) write(b);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(offset - centralStart, 12);
  end.writeUInt32LE(centralStart, 16);
  write(end);
  out.end();
  await finished(out);
}

/**
 * Raw deflate data for `head`, `unit` repeated `times`, then `tail`. Each segment is
 * compressed from a fresh state and ends on a full flush, so the segments concatenate into
 * one valid stream: the unit is compressed once however many times it repeats.
 */
function repeatedDeflate(head: string, unit: string, times: number, tail: string): { data: Buffer[]; size: number } {
  const segment = (text: string) => deflateRawSync(Buffer.from(text), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const body = segment(unit);
  const data = [segment(head), ...Array.from({ length: times }, () => body), deflateRawSync(Buffer.from(tail))];
  return { data, size: Buffer.byteLength(head) + Buffer.byteLength(unit) * times + Buffer.byteLength(tail) };
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const RELS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"';
const OFFICE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function stored(name: string, text: string): ZipPart {
  const data = Buffer.from(text, 'utf8');
  return { name, data: [data], method: 0, uncompressedSize: data.length };
}

export interface XlsxBombOptions {
  /** How many bytes the repeated rows inflate to (about). */
  inflatedBytes: number;
  /** Which part carries the bulk: the worksheet (default) or the shared strings. */
  part?: 'sheet' | 'sharedStrings';
  /** Declare this uncompressed size instead of the true one (a bomb that lies in its directory). */
  declaredSize?: number;
}

/**
 * A minimal XLSX (workbook, relationships, one sheet with a header row 姓名,公民身份号码) whose
 * sheet (or shared-strings part) repeats one row until it inflates to `inflatedBytes`:
 * a few KiB of file per GiB of XML.
 */
export async function writeXlsxBomb(path: string, options: XlsxBombOptions): Promise<{ fileBytes: number; inflatedBytes: number }> {
  const unitRows = '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2" t="inlineStr"><is><t>x</t></is></c></row>'.repeat(
    8192,
  );
  const unitStrings = '<si><t>张三张三张三张三</t></si>'.repeat(16384);
  const unit = options.part === 'sharedStrings' ? unitStrings : unitRows;
  const times = Math.max(1, Math.ceil(options.inflatedBytes / Buffer.byteLength(unit)));
  const header =
    '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>公民身份号码</t></is></c></row>';
  const sheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet ${NS}><sheetData>${header}`;
  const sheetTail = '</sheetData></worksheet>';
  const bulk =
    options.part === 'sharedStrings'
      ? repeatedDeflate(`<?xml version="1.0" encoding="UTF-8"?><sst ${NS}>`, unit, times, '</sst>')
      : repeatedDeflate(sheetHead, unit, times, sheetTail);
  const bulkPart: ZipPart = {
    name: options.part === 'sharedStrings' ? 'xl/sharedStrings.xml' : 'xl/worksheets/sheet1.xml',
    data: bulk.data,
    method: 8,
    uncompressedSize: options.declaredSize ?? bulk.size,
  };
  const rels = [`<Relationship Id="rId1" Type="${OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>`];
  if (options.part === 'sharedStrings') rels.push(`<Relationship Id="rId2" Type="${OFFICE}/sharedStrings" Target="sharedStrings.xml"/>`);
  const parts: ZipPart[] = [
    stored(
      '[Content_Types].xml',
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`,
    ),
    stored(
      '_rels/.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships ${RELS}><Relationship Id="rId1" Type="${OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    stored(
      'xl/workbook.xml',
      `<?xml version="1.0" encoding="UTF-8"?><workbook ${NS} xmlns:r="${OFFICE}"><sheets><sheet name="卡库" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    stored('xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships ${RELS}>${rels.join('')}</Relationships>`),
  ];
  if (options.part === 'sharedStrings') {
    const sheet = `${sheetHead}<row r="2"><c r="A2" t="s"><v>0</v></c></row>${sheetTail}`;
    parts.push(bulkPart, stored('xl/worksheets/sheet1.xml', sheet));
  } else {
    parts.push(bulkPart);
  }
  await writeZip(path, parts);
  return { fileBytes: parts.reduce((n, p) => n + p.data.reduce((m, b) => m + b.length, 0), 0), inflatedBytes: bulk.size };
}
