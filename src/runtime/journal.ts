// Host changes as a journal: each change is written down before it is made
// and marked done after, so that a signal, a crash or a SIGKILL of droidcheck
// can always be undone, in reverse, by this run or by `droidcheck undo` later.
// Only what droidcheck itself did is undone: a directory that existed stays.

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../host/safe-write.js';

/** One change: what was done, and the commands that undo it, in order. */
export interface JournalEntry {
  op: string;
  undo: string[][];
  /** False until the change is known to be made: an entry left pending may not have happened. */
  done: boolean;
  /** The change may have undone itself (runc deletes the container it ran): a failing undo is no error. */
  bestEffort?: boolean;
}

export interface JournalFile {
  pid: number;
  started: string;
  entries: JournalEntry[];
}

/** $DROIDCHECK_STATE_DIR alone when set; else the first writable of the usual places. */
function candidates(env: NodeJS.ProcessEnv): string[] {
  if (env['DROIDCHECK_STATE_DIR']) return [env['DROIDCHECK_STATE_DIR']];
  return ['/run/droidcheck', '/data/local/tmp/droidcheck', join(env['TMPDIR'] ?? '/tmp', 'droidcheck-state')];
}

/**
 * `undo` runs a journal's commands as root: only a directory or file this user owns, that no one
 * else may write, and that is no symlink is trusted (another user could have made /tmp/droidcheck-state).
 */
export function trusted(path: string): boolean {
  try {
    const st = lstatSync(path);
    return !st.isSymbolicLink() && st.uid === (process.geteuid?.() ?? st.uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The journal directories that exist and can be trusted (nothing is created): where left journals may be. */
export function existingJournalDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return candidates(env).filter((c) => existsSync(c) && trusted(c));
}

/** Where journals live: a directory on a writable filesystem that survives droidcheck (Android has no /run). */
export function journalDir(env: NodeJS.ProcessEnv = process.env): string {
  for (const c of candidates(env)) {
    try {
      mkdirSync(c, { recursive: true, mode: 0o700 });
      if (trusted(c)) return c;
    } catch {
      // read-only or missing parent: the next one
    }
  }
  throw new Error(`mkdir ${candidates(env).join(', ')}: no writable place for the host-fix journal`);
}

export class Journal {
  readonly path: string;
  private readonly file: JournalFile;

  constructor(dir: string, pid = process.pid) {
    this.path = join(dir, `journal-${pid}.json`);
    this.file = { pid, started: new Date().toISOString(), entries: [] };
  }

  private save(): void {
    writeAtomic(this.path, `${JSON.stringify(this.file, null, 2)}\n`);
  }

  /** Records a change before it is made; returns a function that marks it done. */
  record(op: string, undo: string[][], opts: { bestEffort?: boolean } = {}): () => void {
    const entry: JournalEntry = { op, undo, done: false, ...(opts.bestEffort ? { bestEffort: true } : {}) };
    this.file.entries.push(entry);
    this.save();
    return () => {
      entry.done = true;
      this.save();
    };
  }

  get entries(): readonly JournalEntry[] {
    return this.file.entries;
  }

  /** Every change undone: the file goes. */
  close(): void {
    rmSync(this.path, { force: true });
  }
}

/** Journals left behind by runs that did not finish (their process is gone). */
export function leftJournals(dir: string): { path: string; file: JournalFile }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { path: string; file: JournalFile }[] = [];
  for (const n of names) {
    const m = /^journal-(\d+)\.json$/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    if (!trusted(join(dir, n))) continue;
    try {
      out.push({ path: join(dir, n), file: JSON.parse(readFileSync(join(dir, n), 'utf8')) as JournalFile });
    } catch {
      // unreadable: left for a person to look at
    }
  }
  return out;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface UndoResult {
  op: string;
  undone: boolean;
  error?: string;
}

/**
 * Undoes the entries in reverse with `exec`. An entry left pending may not
 * have happened: its undo is tried, and a failure of it is not an error.
 */
export async function undoEntries(entries: readonly JournalEntry[], exec: (argv: string[]) => Promise<{ exitCode: number; message: string }>): Promise<UndoResult[]> {
  const out: UndoResult[] = [];
  for (const e of [...entries].reverse()) {
    let error: string | undefined;
    for (const argv of e.undo) {
      const r = await exec(argv);
      if (r.exitCode !== 0 && e.done && !e.bestEffort) error = `${argv.join(' ')}: ${r.message || `exit status ${r.exitCode}`}`;
    }
    out.push({ op: e.op, undone: error === undefined, ...(error ? { error } : {}) });
  }
  return out.reverse();
}
