import { Transform, TransformCallback } from 'node:stream';

/** Counts bytes as they leave the file, before decoding, so progress matches file size. */
export class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export function progressOf(bytesRead: number, totalBytes: number, rowsRead: number, startedAt: number, now: number) {
  const elapsedMs = Math.max(0, now - startedAt);
  const fraction = totalBytes === 0 ? 1 : Math.min(1, bytesRead / totalBytes);
  const etaMs = bytesRead > 0 && fraction > 0 ? Math.round((elapsedMs / fraction) * (1 - fraction)) : undefined;
  return { bytesRead, totalBytes, rowsRead, fraction, elapsedMs, etaMs };
}
