// --kernel-config FILE by content, not by name: a full .config, a gzip'ed one
// (/proc/config.gz), a defconfig, a kernel image carrying IKCONFIG (raw,
// gzip or LZ4 compressed, bzImage, zImage), or an Android boot.img /
// vendor_boot holding one. Pure: bytes in, config text and how it was found out.

import { gunzipSync } from 'node:zlib';
import { isBootImage, parseBootImage, section } from './bootimg.js';
import { declaredImageSize, extractIkconfig, imageFormat, MAX_INFLATED } from './ikconfig.js';
import { LZ4_FRAME_MAGIC, LZ4_LEGACY_MAGIC, lz4Decompress } from './lz4.js';

export type InputKind = 'config' | 'defconfig' | 'kernel-image' | 'boot-image' | 'vendor-boot-image';

export interface ConfigInput {
  /** What the file was. */
  kind: InputKind;
  /** How the config was obtained, outermost first ("gzip", "boot.img header v2, page size 2048: kernel at byte 2048 (4468744 bytes)", ...). */
  steps: string[];
  /** The kernel version from the image's banner, when the input was an image. */
  bannerVersion: string | null;
}

export interface DecodedConfig {
  text: string;
  input: ConfigInput;
}

/** The file is readable but no config can be had from it: a clear message, exit 2. */
export class ConfigInputError extends Error {}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Options every full .config has, set or "is not set"; a defconfig leaves most out (savedefconfig drops defaults). */
export const ALWAYS_IN_FULL_CONFIG = ['CONFIG_LOCALVERSION', 'CONFIG_DEFAULT_HOSTNAME', 'CONFIG_PROC_FS', 'CONFIG_SYSFS', 'CONFIG_BLOCK', 'CONFIG_MULTIUSER'] as const;

const HEADER_MARK = 'Automatically generated file';

function looksLikeText(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096);
  let odd = 0;
  for (const b of head) if (b < 9) odd++;
  return odd === 0 && /CONFIG_[A-Za-z0-9_]+[= ]/.test(bytes.toString('latin1', 0, Math.min(bytes.length, 1 << 20)));
}

/** "config" or "defconfig" for a config's text. */
export function classifyConfigText(text: string): 'config' | 'defconfig' {
  if (text.includes(HEADER_MARK)) return 'config';
  const mentioned = new Set<string>();
  for (const m of text.matchAll(/^(?:# )?(CONFIG_[A-Za-z0-9_]+)(?:=| is not set)/gm)) mentioned.add(m[1] as string);
  const absent = ALWAYS_IN_FULL_CONFIG.filter((o) => !mentioned.has(o)).length;
  return absent >= 2 ? 'defconfig' : 'config';
}

function fromText(text: string, steps: string[], kind?: InputKind, bannerVersion: string | null = null): DecodedConfig {
  const textKind = classifyConfigText(text);
  return { text, input: { kind: kind ?? textKind, steps: kind ? steps : [...steps, textKind === 'defconfig' ? 'defconfig (no "Automatically generated file" header; options every full config has are absent)' : 'full .config'], bannerVersion } };
}

function fromImage(bytes: Buffer, steps0: string[], kind: InputKind): DecodedConfig {
  const found = extractIkconfig(bytes);
  const format = imageFormat(bytes);
  const steps = format ? [...steps0, format] : steps0;
  if (found.text !== null) return fromText(found.text, [...steps, ...found.steps], kind, found.bannerVersion);
  const declared = declaredImageSize(bytes);
  if (declared !== null && bytes.length < declared) {
    throw new ConfigInputError(`${format ?? 'kernel image'} truncated: its header says ${declared} bytes, the file has ${bytes.length}; no IKCONFIG in what is there`);
  }
  if (found.damaged.length && found.bannerVersion === null) {
    throw new ConfigInputError(`kernel image whose compressed payload cannot be decompressed (${found.damaged[0]}): the file is truncated or damaged`);
  }
  if (found.unsupported.length) {
    throw new ConfigInputError(
      `no IKCONFIG found, and the kernel payload is compressed with ${found.unsupported.join(' or ')}, which droidcheck cannot decompress (it reads gzip and LZ4). ` +
        `Decompress it first (the kernel's scripts/extract-vmlinux or scripts/extract-ikconfig) and pass the result.`,
    );
  }
  if (format === 'arm64 Image' && found.bannerVersion === null) {
    throw new ConfigInputError(`arm64 Image without its "Linux version" banner and without IKCONFIG: the file is truncated or damaged (${bytes.length} bytes)`);
  }
  if (!found.kernelSeen) {
    throw new ConfigInputError('not a kernel config, a kernel image or a boot image: no CONFIG_ lines, no IKCONFIG, no "Linux version" banner');
  }
  throw new ConfigInputError(
    `this kernel${found.bannerVersion ? ` (Linux ${found.bannerVersion})` : ''} was built without CONFIG_IKCONFIG: the image carries no config. ` +
      `Use /proc/config.gz or /boot/config-* on the device, the .config of the kernel's build (out/.config), or the defconfig from its source (arch/*/configs/*_defconfig) with --kernel-config.`,
  );
}

/**
 * Decodes --kernel-config's bytes into config text, saying what they were.
 * Throws ConfigInputError (a sentence for the user) when there is no config in them.
 */
export function decodeConfigInput(bytes: Buffer, depth = 0): DecodedConfig {
  if (bytes.length === 0) throw new ConfigInputError('empty file');
  if (isBootImage(bytes)) {
    const img = parseBootImage(bytes);
    const where = img.sections.filter((s) => s.size > 0);
    const kernel = where.find((s) => s.name === 'kernel');
    if (kernel) {
      const step = `${img.describe}: kernel at byte ${kernel.offset} (${kernel.size} bytes)`;
      try {
        return fromImage(section(bytes, kernel), [step], 'boot-image');
      } catch (error) {
        // IKCONFIG=m puts the config into configs.ko, which may be in the ramdisk.
        const ramdisk = where.find((s) => s.name === 'ramdisk');
        if (!ramdisk) throw error;
        const found = extractIkconfig(section(bytes, ramdisk));
        if (found.text === null) throw error;
        return fromText(found.text, [`${img.describe}: ramdisk at byte ${ramdisk.offset} (${ramdisk.size} bytes)`, ...found.steps, 'configs.ko (CONFIG_IKCONFIG=m)'], 'boot-image', found.bannerVersion);
      }
    }
    const ramdisk = where.find((s) => s.name === 'vendor_ramdisk');
    if (img.kind === 'vendor_boot' && ramdisk) {
      const found = extractIkconfig(section(bytes, ramdisk));
      if (found.text !== null) return fromText(found.text, [`${img.describe}: vendor ramdisk at byte ${ramdisk.offset} (${ramdisk.size} bytes)`, ...found.steps], 'vendor-boot-image', found.bannerVersion);
      throw new ConfigInputError(`${img.describe}: vendor_boot holds the vendor ramdisk and DTB, not the kernel, and no configs.ko with IKCONFIG is in its ramdisk. Pass the boot.img (the kernel is there on GKI devices).`);
    }
    throw new ConfigInputError(`${img.describe}: the image has no kernel`);
  }
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1] && depth === 0) {
    let inner: Buffer;
    try {
      inner = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED });
    } catch (error) {
      throw new ConfigInputError(`gzip data is damaged or truncated (${(error as Error).message})`);
    }
    if (looksLikeText(inner)) return fromText(inner.toString('utf8'), ['gzip']);
    return fromImage(inner, [`gzip (${inner.length} bytes)`], 'kernel-image');
  }
  const magic = bytes.length >= 4 ? bytes.readUInt32LE(0) : 0;
  if ((magic === LZ4_LEGACY_MAGIC || magic === LZ4_FRAME_MAGIC) && depth === 0) {
    let inner: Buffer;
    try {
      inner = lz4Decompress(bytes, MAX_INFLATED);
    } catch (error) {
      throw new ConfigInputError(`LZ4 data is damaged or truncated (${(error as Error).message})`);
    }
    if (looksLikeText(inner)) return fromText(inner.toString('utf8'), ['lz4']);
    return fromImage(inner, [`lz4 (${inner.length} bytes)`], 'kernel-image');
  }
  if (looksLikeText(bytes)) return fromText(bytes.toString('utf8'), []);
  return fromImage(bytes, [], 'kernel-image');
}
