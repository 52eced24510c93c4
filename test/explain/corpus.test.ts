// The explain corpus: real messages from public threads (one per thread) must
// each get their recorded cause as the first answer; the held-out set, kept out
// of the catalog's development, must score at least 90 %.

import t from 'tap';
import { explain } from '../../src/explain/explain.js';
import { entryById } from '../../src/explain/catalog.js';
import { readCorpus } from '../helpers/explain-corpus.js';

const first = (text: string): string | undefined => explain(text)[0]?.entry.id;

t.test('corpus: at least 60 messages, no two from the same thread, every cause a catalog entry', async (t) => {
  const corpus = readCorpus('corpus.txt');
  t.ok(corpus.length >= 60, `${corpus.length} messages`);
  t.equal(new Set(corpus.map((l) => l.thread)).size, corpus.length, 'one message per thread');
  for (const l of corpus) t.ok(entryById(l.cause), `${l.thread}: ${l.cause} is in the catalog`);
});

t.test('corpus: every message gets its recorded cause first', async (t) => {
  const corpus = readCorpus('corpus.txt');
  const misses = corpus.filter((l) => first(l.text) !== l.cause);
  for (const l of misses) t.fail(`${l.thread}: expected ${l.cause}, got ${first(l.text) ?? 'nothing'}`, { text: l.text.slice(0, 300) });
  t.comment(`corpus: ${corpus.length - misses.length}/${corpus.length}`);
  t.equal(misses.length, 0);
});

t.test('held-out set (not used to build the catalog): at least 90 % get their recorded cause first', async (t) => {
  const heldout = readCorpus('heldout.txt');
  // Threads are written "owner/repo#N" or, for the big projects, "repo#N": compare "repo#N".
  const tail = (thread: string): string => thread.split('/').at(-1) ?? thread;
  const corpusThreads = new Set(readCorpus('corpus.txt').map((l) => tail(l.thread)));
  t.ok(heldout.length >= 20, `${heldout.length} held-out messages`);
  const hits = heldout.filter((l) => first(l.text) === l.cause);
  const score = hits.length / heldout.length;
  t.comment(`held-out: ${hits.length}/${heldout.length} = ${Math.round(score * 100)} %`);
  for (const l of heldout) if (!hits.includes(l)) t.comment(`  miss ${l.thread}: expected ${l.cause}, got ${first(l.text) ?? 'nothing'}`);
  t.ok(score >= 0.9, `score ${score}`);
  t.same(heldout.filter((l) => corpusThreads.has(tail(l.thread))).map((l) => l.thread), [], 'no held-out thread is in the corpus');
});
