// Pasted errors arrive wrapped: docker quotes runc which quotes a syscall,
// loggers add timestamps and levels, terminals add colour, people hard-wrap.
// These functions turn the text into lines catalog patterns can match with
// plain words. Pure.

/** Colour and cursor escapes (chalk, docker's progress output). */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** logrus/containerd fields: time="..." level=error msg="...". */
const LOGRUS_TIME = /\btime="[^"]*"\s*/g;
const LOGRUS_LEVEL = /\blevel=\w+\s*/g;
const LOGRUS_MSG = /\bmsg=/g;
/** docker's short form ERRO[0000], WARN[0022], and dated ones ERRO[2019-03-06T10:44:24.478+01:00]. */
const LEVEL_TAG = /\b(?:ERRO|WARN|INFO|FATA|DEBU|TRAC|PANI)\[[^\]]*\]\s*/g;
/** ISO-8601 timestamps, e.g. 2026-05-10T18:24:21.056892762Z. */
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?:?\s*/g;
/** syslog/journald line prefix: "Dec 04 10:00:00 host dockerd[123]: ". */
const SYSLOG_PREFIX = /^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [\w./-]+(?:\[\d+\])?: /;

/**
 * One line made matchable: runc's nested %q quoting (\" \\\" ...) collapsed to
 * a plain ", escaped newlines to spaces, and timestamps, log levels and
 * colour removed.
 */
export function normalizeLine(line: string): string {
  return line
    .replace(ANSI, '')
    .replace(/\r$/, '')
    .replace(SYSLOG_PREFIX, '')
    .replace(/\\+"/g, '"')
    .replace(/\\+n/g, ' ')
    .replace(LOGRUS_TIME, '')
    .replace(LOGRUS_LEVEL, '')
    .replace(LOGRUS_MSG, '')
    .replace(LEVEL_TAG, '')
    .replace(ISO_TIME, '');
}

/** How many consecutive lines a message may have been wrapped over. */
export const MAX_WRAP = 3;

export interface Window {
  /** 1-based number of the window's first line. */
  line: number;
  text: string;
}

/**
 * The text as windows to match: each normalized line, then each run of 2..MAX_WRAP
 * lines joined (a line ending in "\" continues without a space), so a message a
 * terminal or a person wrapped still matches.
 */
export function windows(text: string): { lines: Window[]; joined: Window[][] } {
  const raw = text.split('\n');
  const norm = raw.map(normalizeLine);
  const lines = norm.map((t, i) => ({ line: i + 1, text: t }));
  const joined: Window[][] = [];
  for (let size = 2; size <= MAX_WRAP; size++) {
    const list: Window[] = [];
    for (let i = 0; i + size <= norm.length; i++) {
      let t = norm[i] as string;
      for (let j = 1; j < size; j++) {
        const next = norm[i + j] as string;
        t = raw[i + j - 1]?.endsWith('\\') ? t.slice(0, -1) + next : `${t} ${next.trimStart()}`;
      }
      list.push({ line: i + 1, text: t });
    }
    joined.push(list);
  }
  return { lines, joined };
}
