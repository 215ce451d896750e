/**
 * Tile body checks and a tiny PNG encoder. A body is stored only if it is a
 * complete image of the source's format: signature at the start and the end
 * marker exactly at the end, so truncated transfers and HTML error pages
 * (or an error image of another format) are never written as tiles.
 */
import { deflateSync } from 'node:zlib';

export type ImageFormat = 'png' | 'jpg' | 'webp';

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Returns null for a complete image of `format`, else why it is not one. */
export function checkImage(body: Buffer, format: ImageFormat): string | null {
  if (body.length === 0) return 'empty body';
  switch (format) {
    case 'png':
      return checkPng(body);
    case 'jpg':
      if (body.length < 4 || body[0] !== 0xff || body[1] !== 0xd8 || body[2] !== 0xff) return 'not a JPEG (bad signature)';
      if (body[body.length - 2] !== 0xff || body[body.length - 1] !== 0xd9) return 'truncated JPEG (no end marker)';
      return null;
    case 'webp': {
      if (body.length < 12 || body.toString('latin1', 0, 4) !== 'RIFF' || body.toString('latin1', 8, 12) !== 'WEBP') return 'not a WebP (bad signature)';
      if (body.readUInt32LE(4) + 8 !== body.length) return 'truncated WebP (RIFF size mismatch)';
      return null;
    }
  }
}

/** Walks the chunk list: it must end with IEND exactly at the end of the body. */
function checkPng(body: Buffer): string | null {
  if (body.length < PNG_SIG.length || !body.subarray(0, 8).equals(PNG_SIG)) return 'not a PNG (bad signature)';
  let off = 8;
  while (off + 12 <= body.length) {
    const len = body.readUInt32BE(off);
    const type = body.toString('latin1', off + 4, off + 8);
    off += 12 + len;
    if (type === 'IEND') return off === body.length ? null : 'PNG has bytes after IEND';
  }
  return 'truncated PNG (no IEND chunk)';
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid RGB PNG of size x size pixels, filled by `pixel(px, py)`. Used by the
 * synthetic tile source and the test tile server.
 */
export function encodePng(size: number, pixel: (px: number, py: number) => readonly [number, number, number]): Buffer {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  for (let py = 0; py < size; py++) {
    const row = py * (size * 3 + 1);
    for (let px = 0; px < size; px++) {
      const [r, g, b] = pixel(px, py);
      raw[row + 1 + px * 3] = r;
      raw[row + 2 + px * 3] = g;
      raw[row + 3 + px * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([PNG_SIG, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A deterministic synthetic tile: a colour derived from z/x/y with a grid, so
 * neighbouring tiles differ and the same tile is identical byte for byte.
 * Tiles with x + y divisible by 7 are plain "sea" (identical everywhere) to exercise deduplication.
 */
export function syntheticTile(z: number, x: number, y: number, size = 64): Buffer {
  if ((x + y) % 7 === 0) return encodePng(size, () => [170, 211, 223]);
  const r = (x * 37 + z * 11) & 0xff;
  const g = (y * 53 + z * 7) & 0xff;
  const b = (x * y + z * 101) & 0xff;
  return encodePng(size, (px, py) => (px % 16 === 0 || py % 16 === 0 ? [255, 255, 255] : [r, g, b]));
}
