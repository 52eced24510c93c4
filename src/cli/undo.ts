// `droidcheck undo`: replays the journal of a run that could not undo its
// host changes itself (it was SIGKILLed, or its machine lost power), in
// reverse, and removes the journal once everything is undone.

import { rmSync } from 'node:fs';
import type { Host } from '../host/host.js';
import { existingJournalDirs, leftJournals } from '../runtime/journal.js';
import { undoJournal } from '../runtime/external.js';

export async function undoCommand(io: { host: Host; stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const left = existingJournalDirs().flatMap((d) => leftJournals(d));
  if (!left.length) {
    io.stdout('droidcheck undo: nothing to undo (no journal left by an unfinished run)\n');
    return 0;
  }
  let failed = 0;
  for (const { path, file } of left) {
    io.stdout(`run ${file.pid} (started ${file.started}), ${path}:\n`);
    const results = await undoJournal(io.host, file.entries);
    for (const r of results) io.stdout(`  ${r.undone ? 'undone' : 'NOT undone'}: ${r.op}${r.error ? ` (${r.error})` : ''}\n`);
    if (results.every((r) => r.undone)) rmSync(path, { force: true });
    else failed++;
  }
  if (failed) io.stderr(`droidcheck undo: ${failed} journal${failed > 1 ? 's' : ''} kept: undo the changes marked NOT undone by hand, then delete the file\n`);
  return failed ? 1 : 0;
}

/** The notice a new run prints when an earlier one left host changes behind. */
export function leftJournalNotice(): string | null {
  const left = existingJournalDirs().flatMap((d) => leftJournals(d)).filter((j) => j.file.entries.length > 0);
  if (!left.length) return null;
  return `droidcheck: ${left.length} earlier run${left.length > 1 ? 's' : ''} (pid ${left.map((j) => j.file.pid).join(', ')}) left host changes behind: run \`droidcheck undo\`\n`;
}
