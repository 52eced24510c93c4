// Kernel .config parsing: plain text or gzip (as /proc/config.gz).

import { gunzipSync } from 'node:zlib';
import type { ConfigInput } from './input/detect.js';

/** Value of an option as written in the file: "y", "m", a number or a quoted string. */
export type OptionValue = string;

export interface KernelConfig {
  /** Where it was read from, e.g. "/proc/config.gz". */
  source: string;
  /** Keyed by full name, e.g. "CONFIG_IPC_NS"; "is not set" lines are absent. */
  values: Map<string, OptionValue>;
  /** Options explicitly written as "# CONFIG_X is not set". */
  unset: Set<string>;
  /** Kernel version from the header comment ("# Linux/x86 6.1.0 Kernel Configuration"), if any. */
  version: string | null;
  /** What the file was and how the config was obtained (--kernel-config by content). */
  input?: ConfigInput;
  /** Options a defconfig left out, resolved to their Kconfig default: name -> the default's reason. */
  defaults?: Map<string, string>;
}

const SET = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;
const HEADER = /^# Linux\/\S+ (\d+\.\d+(?:\.\d+)?\S*) Kernel Configuration/;

export function parseKernelConfig(text: string, source: string): KernelConfig {
  const values = new Map<string, OptionValue>();
  const unset = new Set<string>();
  let version: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = SET.exec(line);
    if (set) {
      values.set(set[1] as string, set[2] as string);
      continue;
    }
    const notSet = NOT_SET.exec(line);
    if (notSet) {
      unset.add(notSet[1] as string);
      continue;
    }
    if (version === null) {
      const header = HEADER.exec(line);
      if (header) version = header[1] as string;
    }
  }
  return { source, values, unset, version };
}

/** Decodes a config file's bytes, gunzipping when they start with the gzip magic. */
export function decodeKernelConfig(bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes).toString('utf8');
  return bytes.toString('utf8');
}

/** "CONFIG_X" for "X" or "CONFIG_X". */
export function optionName(name: string): string {
  return name.startsWith('CONFIG_') ? name : `CONFIG_${name}`;
}

export type OptionState = 'enabled' | 'module' | 'missing';

export function optionState(config: KernelConfig, name: string): OptionState {
  const value = config.values.get(optionName(name));
  if (value === 'y') return 'enabled';
  if (value === 'm') return 'module';
  if (value === undefined || value === 'n') return 'missing';
  return 'enabled';
}
