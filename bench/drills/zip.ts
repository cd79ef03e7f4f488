// A minimal zip writer for the hostile drill: it must write what a well-behaved library refuses to
// (entry names with "..", sizes that lie), which is the point of the drill's zip cases.
import { createDeflateRaw } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32Update(crc: number, data: Buffer): number {
  let c = crc ^ 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  readonly name: string;
  /** The entry's bytes, or a count of zero bytes (a bomb's content, never held in memory). */
  readonly data: Buffer | { readonly zeros: number };
}

async function deflateOf(
  data: ZipEntry['data'],
): Promise<{ compressed: Buffer; crc: number; size: number }> {
  const z = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  z.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  let crc = 0;
  let size = 0;
  const write = async (b: Buffer): Promise<void> => {
    crc = crc32Update(crc, b);
    size += b.length;
    if (!z.write(b)) await new Promise((r) => z.once('drain', r));
  };
  if (Buffer.isBuffer(data)) await write(data);
  else {
    const block = Buffer.alloc(1 << 20);
    for (let left = data.zeros; left > 0; left -= block.length)
      await write(left >= block.length ? block : block.subarray(0, left));
  }
  z.end();
  await ended;
  return { compressed: Buffer.concat(chunks), crc, size };
}

/** A zip of deflated entries, names written as given. */
export async function writeZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const { compressed, crc, size } = await deflateOf(e.data);
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
