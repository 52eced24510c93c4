// Android boot.img (header versions 0-4) and vendor_boot (3-4): where the
// kernel and ramdisks are. Layout from AOSP system/tools/mkbootimg
// (include/bootimg/bootimg.h): sections follow the header, each padded to the
// page size (4096 from version 3 on). Pure: bytes in, sections out.

export const BOOT_MAGIC = 'ANDROID!';
export const VENDOR_BOOT_MAGIC = 'VNDRBOOT';

export interface Section {
  name: 'kernel' | 'ramdisk' | 'vendor_ramdisk';
  offset: number;
  size: number;
}

export interface BootImage {
  kind: 'boot' | 'vendor_boot';
  headerVersion: number;
  pageSize: number;
  sections: Section[];
  /** "boot.img header v2, page size 2048". */
  describe: string;
}

export class BootImageError extends Error {}

const pad = (n: number, page: number): number => Math.ceil(n / page) * page;

function need(bytes: Buffer, n: number, what: string): void {
  if (bytes.length < n) throw new BootImageError(`${what}: header truncated (${bytes.length} bytes, needs ${n})`);
}

function checkSections(bytes: Buffer, img: BootImage): BootImage {
  for (const s of img.sections) {
    if (s.size > 0 && s.offset + s.size > bytes.length) {
      throw new BootImageError(`${img.describe}: the ${s.name} (${s.size} bytes at byte ${s.offset}) runs past the end of the file (${bytes.length} bytes): truncated image`);
    }
  }
  return img;
}

export function isBootImage(bytes: Buffer): boolean {
  const magic = bytes.toString('latin1', 0, 8);
  return magic === BOOT_MAGIC || magic === VENDOR_BOOT_MAGIC;
}

export function parseBootImage(bytes: Buffer): BootImage {
  const magic = bytes.toString('latin1', 0, 8);
  if (magic === VENDOR_BOOT_MAGIC) {
    need(bytes, 2112, 'vendor_boot');
    const headerVersion = bytes.readUInt32LE(8);
    const pageSize = bytes.readUInt32LE(12);
    const ramdiskSize = bytes.readUInt32LE(24);
    const headerSize = bytes.readUInt32LE(2096);
    if (headerVersion < 3 || headerVersion > 4) throw new BootImageError(`vendor_boot header version ${headerVersion}: only 3 and 4 exist`);
    if (pageSize < 2048 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new BootImageError(`vendor_boot: bad page size ${pageSize}`);
    const describe = `vendor_boot header v${headerVersion}, page size ${pageSize}`;
    return checkSections(bytes, { kind: 'vendor_boot', headerVersion, pageSize, describe, sections: [{ name: 'vendor_ramdisk', offset: pad(headerSize, pageSize), size: ramdiskSize }] });
  }
  if (magic !== BOOT_MAGIC) throw new BootImageError('not an Android boot image (no ANDROID! magic)');
  need(bytes, 48, 'boot.img');
  const kernelSize = bytes.readUInt32LE(8);
  const headerVersion = bytes.readUInt32LE(40);
  if (headerVersion >= 3) {
    if (headerVersion > 4) throw new BootImageError(`boot.img header version ${headerVersion}: droidcheck knows 0-4`);
    need(bytes, 1580, 'boot.img');
    const ramdiskSize = bytes.readUInt32LE(12);
    const page = 4096;
    const describe = `boot.img header v${headerVersion}, page size ${page}`;
    return checkSections(bytes, {
      kind: 'boot',
      headerVersion,
      pageSize: page,
      describe,
      sections: [
        { name: 'kernel', offset: page, size: kernelSize },
        { name: 'ramdisk', offset: page + pad(kernelSize, page), size: ramdiskSize },
      ],
    });
  }
  // Versions 0-2: the page size is in the header; version 0 images may carry anything in the version field's place.
  const ramdiskSize = bytes.readUInt32LE(16);
  const pageSize = bytes.readUInt32LE(36);
  if (pageSize < 2048 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new BootImageError(`boot.img: bad page size ${pageSize}`);
  const describe = `boot.img header v${headerVersion}, page size ${pageSize}`;
  return checkSections(bytes, {
    kind: 'boot',
    headerVersion,
    pageSize,
    describe,
    sections: [
      { name: 'kernel', offset: pageSize, size: kernelSize },
      { name: 'ramdisk', offset: pageSize + pad(kernelSize, pageSize), size: ramdiskSize },
    ],
  });
}

export function section(bytes: Buffer, s: Section): Buffer {
  return bytes.subarray(s.offset, s.offset + s.size);
}
