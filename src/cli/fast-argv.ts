// A small parser for ordinary `probe` and `run` command lines, so they start
// without loading yargs (about as costly as node's own start-up). It reads the
// same option tables as yargs and gives up (returns null) on anything it does
// not handle exactly as yargs would: help, version, unknown or repeated
// options, arrays, "--", bad choices, missing values. yargs then parses the
// line and prints its usual help or error. A test holds the two to the same
// result on a corpus of command lines.

import { normalize } from 'node:path';
import { DOCKER_OPTIONS, EXPLAIN_OPTIONS, PROBE_OPTIONS, RUN_OPTIONS, type DockerArgs, type ExplainArgs, type OptionSpec, type ProbeArgs, type RunArgs } from './options.js';

export type FastParse = { command: 'probe'; args: ProbeArgs } | { command: 'run'; args: RunArgs } | { command: 'explain'; args: ExplainArgs } | { command: 'docker'; args: DockerArgs };

interface CommandShape {
  options: Readonly<Record<string, OptionSpec>>;
  /** The optional positional argument, with its default (variadic: all of them, as an array). */
  positional?: { name: string; default?: string; variadic?: boolean };
}

const COMMANDS: Record<FastParse['command'], CommandShape> = {
  probe: { options: PROBE_OPTIONS },
  run: { options: RUN_OPTIONS, positional: { name: 'bundle', default: '.' } },
  explain: { options: EXPLAIN_OPTIONS, positional: { name: 'message', variadic: true } },
  docker: { options: DOCKER_OPTIONS },
};

const camel = (kebab: string): string => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function isCommand(name: string | undefined): name is FastParse['command'] {
  return name === 'probe' || name === 'run' || name === 'explain' || name === 'docker';
}

export function fastParse(argv: readonly string[]): FastParse | null {
  const [command, ...rest] = argv;
  if (!isCommand(command)) return null;
  const shape = COMMANDS[command];
  const byAlias = new Map(Object.entries(shape.options).flatMap(([name, o]) => (o.alias ? [[o.alias, name] as const] : [])));
  const given = new Map<string, boolean | string>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      name = eq < 0 ? token.slice(2) : token.slice(2, eq);
      inline = eq < 0 ? undefined : token.slice(eq + 1);
    } else {
      const long = token.length === 2 ? byAlias.get(token[1] as string) : undefined;
      if (!long) return null; // -h, grouped short flags, negative numbers: yargs' business
      name = long;
    }
    let spec = shape.options[name];
    let value: boolean | string;
    if (!spec && name.startsWith('no-') && shape.options[name.slice(3)]?.type === 'boolean' && inline === undefined) {
      name = name.slice(3);
      spec = shape.options[name];
      value = false;
    } else if (!spec || spec.array) {
      return null;
    } else if (spec.type === 'boolean') {
      if (inline !== undefined) return null;
      const next = rest[i + 1];
      if (next === 'true' || next === 'false') return null; // yargs would take it as the value
      value = true;
    } else {
      const next = inline ?? rest[i + 1];
      if (next === undefined || (inline === undefined && next.startsWith('-'))) return null;
      if (inline === undefined) i++;
      if (spec.choices && !spec.choices.includes(next)) return null;
      value = spec.normalize ? normalize(next) : next;
    }
    if (given.has(name)) return null; // yargs turns repeats into arrays
    given.set(name, value);
  }
  const args: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(shape.options)) {
    const value = given.has(name) ? given.get(name) : spec.default;
    if (value !== undefined) args[camel(name)] = value;
  }
  if (shape.positional?.variadic) {
    // yargs reads number-like words as numbers; leave those lines to it.
    if (positionals.some((p) => p.trim() !== '' && !Number.isNaN(Number(p)))) return null;
    args[shape.positional.name] = positionals;
  } else if (shape.positional) {
    if (positionals.length > 1) return null;
    args[shape.positional.name] = positionals[0] ?? shape.positional.default;
  } else if (positionals.length) {
    return null;
  }
  // The tables and the Args interfaces describe the same options (the equivalence test checks every key).
  return { command, args } as unknown as FastParse;
}
