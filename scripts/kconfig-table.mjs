#!/usr/bin/env node
// Generates kernel-configs/kconfig-defaults.json: for every option droidcheck
// evaluates, and everything its value depends on (dependencies, default
// conditions, the options that select it), the Kconfig facts olddefconfig
// uses: type, prompt, defaults, "depends on", selects. Read from a kernel
// source tree (Debian's linux-source-6.1), for x86 and arm64.
//
//   node scripts/kconfig-table.mjs SRCDIR > kernel-configs/kconfig-defaults.json
//
// A small reader of the Kconfig language: source, if/endif, menu/endmenu
// (depends on), choice/endchoice, config/menuconfig with bool/tristate/
// int/hex/string, prompt, default, def_bool/def_tristate, depends on, select,
// imply (imply is recorded like a weak select; olddefconfig gives it no effect
// on visible symbols the file sets). Help text is skipped.

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const src = process.argv[2];
if (!src || !existsSync(path.join(src, 'Kconfig'))) {
  process.stderr.write('usage: kconfig-table.mjs LINUX_SRCDIR\n');
  process.exit(2);
}
const version = /^VERSION = (\d+)\nPATCHLEVEL = (\d+)\nSUBLEVEL = (\d+)/m.exec(readFileSync(path.join(src, 'Makefile'), 'utf8'));
const ARCHES = { x86: 'x86', arm64: 'arm64' };

const and = (a, b) => (!a ? b : !b ? a : `(${a}) && (${b})`);

/** symbol -> { type, defs: [{arch, dep, prompt, promptIf, defaults: [{v, if}]}], selectedBy: [{by, if, arch}], impliedBy, choice } */
const symbols = new Map();
const sym = (n) => {
  let s = symbols.get(n);
  if (!s) symbols.set(n, (s = { name: n, type: null, defs: [], selectedBy: [], impliedBy: [] }));
  return s;
};

function parse(arch) {
  const seen = new Set();
  const env = { SRCARCH: arch, ARCH: arch === 'x86' ? 'x86_64' : arch };
  const stack = []; // dependency expressions of enclosing if/menu blocks
  const lines = [];
  function load(rel) {
    const file = path.join(src, rel.replace(/\$\((\w+)\)/g, (_, v) => env[v] ?? ''));
    if (!existsSync(file) || seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8').replace(/\\\n/g, ' ').replace(/\$\((ARCH|SRCARCH)\)/g, (_, v) => env[v]);
    for (const line of text.split('\n')) {
      const m = /^\s*source\s+"([^"]+)"/.exec(line);
      if (m) load(m[1]);
      else lines.push({ line, file: path.relative(src, file) });
    }
  }
  load('Kconfig');
  let cur = null; // current config's definition
  let curSym = null;
  let choice = null;
  let inHelp = false;
  let helpIndent = -1;
  const depOfBlocks = () => stack.reduce((a, e) => and(a, e), '');
  for (const { line, file } of lines) {
    const archTag = file.startsWith('arch/') ? arch : undefined;
    if (inHelp) {
      if (line.trim() === '') continue;
      const indent = /^\s*/.exec(line)[0].replace(/\t/g, '        ').length;
      if (helpIndent < 0) helpIndent = indent;
      if (indent >= helpIndent && indent > 0) continue;
      inHelp = false;
    }
    const t = line.replace(/(^|\s)#.*$/, '').trim();
    if (!t) continue;
    let m;
    if ((m = /^(menu)?config\s+(\w+)/.exec(t))) {
      curSym = sym(m[2]);
      cur = { arch: archTag, dep: depOfBlocks(), prompt: false, promptIf: '', defaults: [], file };
      if (choice) {
        choice.defs.push(cur);
        choice.members.push(m[2]);
      }
      curSym.defs.push(cur);
      continue;
    }
    if (/^choice\b/.test(t)) {
      choice = { id: '', members: [], defs: [], defaults: [], dep: depOfBlocks(), arch: archTag, type: null, file };
      cur = choice;
      curSym = null;
      continue;
    }
    if (/^endchoice\b/.test(t)) {
      choice.id = `${choice.file}:${choice.members[0]}`;
      for (const d of choice.defs) d.choice = choice.id;
      if (!choices.some((c) => c.id === choice.id)) choices.push(choice);
      choice = null;
      cur = null;
      continue;
    }
    if ((m = /^if\s+(.+)$/.exec(t))) { stack.push(m[1]); cur = null; continue; }
    if (/^endif\b/.test(t)) { stack.pop(); cur = null; continue; }
    if (/^menu\s+"/.test(t)) { stack.push(''); cur = { menu: true }; continue; }
    if (/^endmenu\b/.test(t)) { stack.pop(); cur = null; continue; }
    if (/^(comment|mainmenu)\b/.test(t)) { cur = { comment: true }; continue; }
    if (/^(help|---help---)$/.test(t)) { inHelp = true; helpIndent = -1; continue; }
    if (!cur) continue;
    if ((m = /^depends\s+on\s+(.+)$/.exec(t))) {
      if (cur.menu) stack[stack.length - 1] = and(stack[stack.length - 1], m[1]);
      else if (!cur.comment) cur.dep = and(cur.dep, m[1]);
      continue;
    }
    if (cur.menu || cur.comment) continue;
    if ((m = /^(bool|tristate|int|hex|string)\b\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')?\s*(?:if\s+(.+))?$/.exec(t))) {
      if (curSym) curSym.type ??= m[1];
      else cur.type = m[1];
      if (m[2] !== undefined || m[3] !== undefined) { cur.prompt = true; cur.promptIf = m[4] ?? ''; }
      continue;
    }
    if ((m = /^prompt\s+(?:"(?:[^"\\]|\\.)*"|'[^']*')\s*(?:if\s+(.+))?$/.exec(t))) { cur.prompt = true; cur.promptIf = m[1] ?? ''; continue; }
    if ((m = /^def_(bool|tristate)\s+(.+?)(?:\s+if\s+(.+))?$/.exec(t))) {
      if (curSym) curSym.type ??= m[1];
      cur.defaults.push({ v: m[2], if: m[3] ?? '' });
      continue;
    }
    if ((m = /^default\s+(.+?)(?:\s+if\s+(.+))?$/.exec(t))) { cur.defaults.push({ v: m[1], if: m[2] ?? '' }); continue; }
    if ((m = /^(select|imply)\s+(\w+)(?:\s+if\s+(.+))?$/.exec(t)) && curSym) {
      const target = sym(m[2]);
      (m[1] === 'select' ? target.selectedBy : target.impliedBy).push({ by: curSym.name, if: m[3] ?? '', dep: cur.dep, ...(archTag ? { arch: archTag } : {}) });
      continue;
    }
  }
}
const choices = [];
for (const arch of Object.keys(ARCHES)) parse(arch);

// Merge: the same file parsed for both arches gives identical definitions; keep one without an arch tag.
for (const s of symbols.values()) {
  const key = (d) => JSON.stringify({ ...d, arch: undefined });
  const byKey = new Map();
  for (const d of s.defs) {
    const k = key(d);
    const prev = byKey.get(k);
    if (prev) { if (prev.arch !== d.arch) prev.arch = undefined; } else byKey.set(k, { ...d });
  }
  s.defs = [...byKey.values()];
  const dedupe = (list) => [...new Map(list.map((x) => [JSON.stringify(x), x])).values()];
  s.selectedBy = dedupe(s.selectedBy);
  s.impliedBy = dedupe(s.impliedBy);
}

const evaluated = new Set();
for (const f of ['moby-check-config', 'android-droidcheck']) {
  const set = JSON.parse(readFileSync(new URL(`../kernel-configs/${f}.json`, import.meta.url), 'utf8'));
  for (const g of set.groups) for (const i of g.items) for (const o of i.choice ?? i.anyOf ?? [i.option]) evaluated.add(o.replace(/^CONFIG_/, ''));
}
for (const o of ['PROC_FS', 'SYSFS', 'TMPFS', 'SHMEM', 'UNIX98_PTYS', 'SECCOMP_FILTER', 'CGROUP_BPF', 'ANDROID_PARANOID_NETWORK', 'MULTIUSER', 'EXPERT', 'MODULES']) evaluated.add(o);

const refs = (e) => (e ?? '').replace(/"[^"]*"/g, '').match(/[A-Za-z0-9_]+/g)?.filter((w) => !['y', 'm', 'n'].includes(w) && !/^(\d+|0x[0-9a-f]+)$/i.test(w)) ?? [];
const need = new Set();
const queue = [...evaluated];
const choiceOf = new Map();
for (const c of choices) for (const m of c.members) choiceOf.set(m, c);
while (queue.length) {
  const n = queue.pop();
  if (need.has(n)) continue;
  need.add(n);
  const s = symbols.get(n);
  if (!s) continue;
  const more = [];
  for (const d of s.defs) { more.push(...refs(d.dep), ...refs(d.promptIf)); for (const x of d.defaults) more.push(...refs(x.v), ...refs(x.if)); }
  // Selectors a defconfig can leave out (no prompt, a default, or selected themselves) are followed; the others are
  // recorded by name only (following them all pulls in most of the tree): a defconfig lists
  // every prompted option it turns on, so the resolver takes their value from the file.
  for (const x of s.selectedBy) {
    const by = symbols.get(x.by);
    const implicit = !by || by.selectedBy.length > 0 || by.defs.some((d) => !d.prompt || d.defaults.length > 0);
    if (implicit) more.push(x.by);
    more.push(...refs(x.if), ...refs(x.dep));
  }
  const c = choiceOf.get(n);
  if (c) { more.push(...c.members, ...refs(c.dep)); for (const x of c.defaults) more.push(...refs(x.v), ...refs(x.if)); }
  for (const r of more) if (!need.has(r)) queue.push(r);
}

const out = {};
for (const n of [...need].sort()) {
  const s = symbols.get(n);
  if (!s) { out[n] = { type: 'undefined' }; continue; }
  out[n] = {
    type: s.type ?? 'bool',
    defs: s.defs.map((d) => ({ ...(d.arch ? { arch: d.arch } : {}), ...(d.dep ? { dep: d.dep } : {}), ...(d.prompt ? { prompt: d.promptIf || true } : {}), ...(d.defaults.length ? { defaults: d.defaults.map((x) => (x.if ? [x.v, x.if] : [x.v])) } : {}), ...(d.choice ? { choice: d.choice } : {}) })),
    ...(s.selectedBy.length ? { selectedBy: s.selectedBy.map((x) => ({ by: x.by, ...(x.if || x.dep ? { if: x.dep && x.if ? `(${x.dep}) && (${x.if})` : x.dep || x.if } : {}), ...(x.arch ? { arch: x.arch } : {}) })) } : {}),
  };
}
const usedChoices = choices.filter((c) => c.members.some((m) => need.has(m)));
// One symbol per line: small, and diffs read well when the table is regenerated.
const lines = (obj) => Object.entries(obj).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
const kernel = version ? `${version[1]}.${version[2]}.${version[3]}` : null;
process.stdout.write(
  `{\n "schema": 1,\n "source": ${JSON.stringify(`Kconfig of linux-source ${kernel ?? '?'} (Debian's linux-source-6.1), x86 and arm64, read by scripts/kconfig-table.mjs`)},\n` +
    ` "kernel": ${JSON.stringify(kernel)},\n "evaluated": ${JSON.stringify([...evaluated].sort())},\n` +
    ` "choices": {\n${lines(Object.fromEntries(usedChoices.map((c) => [c.id, { members: c.members, ...(c.dep ? { dep: c.dep } : {}), ...(c.arch ? { arch: c.arch } : {}), defaults: c.defaults.map((x) => (x.if ? [x.v, x.if] : [x.v])) }])))}\n },\n` +
    ` "symbols": {\n${lines(out)}\n }\n}\n`,
);
process.stderr.write(`${need.size} symbols, ${usedChoices.length} choices\n`);
