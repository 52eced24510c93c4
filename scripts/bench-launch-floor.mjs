// The floor of any launcher written in node: node starts, spawns droidcheck-init with the
// launch steps of BUNDLE already rendered (ARGS_JSON, written by scripts/bench.mjs), waits for
// the container, exits. No config reading, plan, report or summary: what `droidcheck run`
// costs beyond this is droidcheck's own work.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [init, argsJson] = process.argv.slice(2);
const child = spawn(init, JSON.parse(readFileSync(argsJson, 'utf8')), { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
child.stdio[3].resume();
child.on('exit', (code) => process.exit(code ?? 125));
