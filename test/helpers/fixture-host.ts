// A Host over a fixture tree: test/fixtures/hosts/<name>/root/... holds the
// files (/proc/filesystems, /proc/self/mountinfo, /proc/config.gz...), and
// host.json holds what is not a file: uname, uid, directory listings, and the
// live results the host's own run produced.

import { readFileSync } from 'node:fs';
import { lstat, readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { HostError, type ExecResult, type FileKind, type Host } from '../../src/host/host.js';
import type { LiveResults } from '../../src/probes/live/types.js';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/hosts/', import.meta.url));

export interface HostJson {
  description: string;
  uname: { sysname: string; release: string; machine: string; nodename: string };
  uid: number;
  platform: string;
  arch: string;
  env?: Record<string, string>;
  /** Directory listings that are not in the tree (e.g. /proc/self/ns). */
  dirs?: Record<string, string[]>;
  /** Kinds of paths that are not in the tree; null = absent. */
  paths?: Record<string, FileKind | null>;
  /** Live results as the host produced them; null when the FFI cannot load there. */
  ffiLive: LiveResults | null;
  /** droidcheck-init's user-namespace answer (errno null: it worked); absent: not built there. */
  nativeUserNs?: { errno: number | null };
  /** Commands: "file arg arg" -> result. */
  exec?: Record<string, ExecResult>;
  /** Programs on PATH. */
  which?: Record<string, string>;
  /** Symbolic links: path -> where it leads (e.g. /system/bin/mount -> /system/bin/toybox). */
  links?: Record<string, string>;
}

export class FixtureHost implements Host {
  readonly json: HostJson;
  readonly root: string;
  readonly execLog: string[] = [];

  constructor(
    readonly name: string,
    overrides: Partial<HostJson> = {},
  ) {
    this.root = join(FIXTURES, name, 'root');
    this.json = { ...(JSON.parse(readFileSync(join(FIXTURES, name, 'host.json'), 'utf8')) as HostJson), ...overrides };
  }

  private at(path: string): string {
    return join(this.root, path);
  }

  async readFile(path: string): Promise<Buffer | null> {
    try {
      return await readFile(this.at(path));
    } catch {
      return null;
    }
  }

  async readHead(path: string, bytes: number): Promise<Buffer | null> {
    return (await this.readFile(path))?.subarray(0, bytes) ?? null;
  }

  async readFileStrict(path: string): Promise<Buffer> {
    const b = await this.readFile(path);
    if (!b) throw new HostError('read', path, 'ENOENT');
    return b;
  }

  async readDir(path: string): Promise<string[] | null> {
    const listed = this.json.dirs?.[path];
    if (listed) return listed;
    try {
      return await readdir(this.at(path));
    } catch {
      return null;
    }
  }

  async stat(path: string): Promise<FileKind | null> {
    if (this.json.paths && path in this.json.paths) return this.json.paths[path] ?? null;
    try {
      const s = await lstat(this.at(path));
      return s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : 'file';
    } catch {
      return null;
    }
  }

  async exec(file: string, args: string[]): Promise<ExecResult> {
    const key = [file, ...args].join(' ');
    this.execLog.push(key);
    const hit = Object.entries(this.json.exec ?? {}).find(([k]) => key.startsWith(k));
    return hit ? hit[1] : { exitCode: 127, stdout: '', stderr: '', spawnError: `spawn ${file}: ENOENT` };
  }

  async which(name: string): Promise<string | null> {
    return this.json.which?.[name] ?? null;
  }

  async realpath(path: string): Promise<string | null> {
    return this.json.links?.[path] ?? path;
  }

  env(name: string): string | undefined {
    return this.json.env?.[name];
  }

  uname(): HostJson['uname'] {
    return this.json.uname;
  }

  uid(): number {
    return this.json.uid;
  }

  async makeScratchDir(): Promise<string> {
    return '/data/local/tmp/droidcheck-fixture';
  }

  async removeScratchDir(): Promise<void> {}

  async nativeUserNs(): Promise<{ errno: number | null } | null> {
    return this.json.nativeUserNs ?? null;
  }

  async ffiLive(): Promise<LiveResults> {
    if (!this.json.ffiLive) throw new Error('koffi cannot load on this fixture host');
    return structuredClone(this.json.ffiLive);
  }
}
