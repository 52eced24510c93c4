// Reading the explain corpus files (test/fixtures/explain/*.txt):
// "thread | cause | text" lines, \n in the text for a line break.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CorpusLine {
  thread: string;
  cause: string;
  text: string;
}

export function readCorpus(name: string): CorpusLine[] {
  const path = fileURLToPath(new URL(`../../../test/fixtures/explain/${name}`, import.meta.url));
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [thread, cause, ...text] = l.split(' | ');
      return { thread: (thread ?? '').trim(), cause: (cause ?? '').trim(), text: text.join(' | ').replace(/\\n/g, '\n') };
    });
}
