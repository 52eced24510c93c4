// Every example report in reports/examples validates against its schema.

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateProbeReport, validateRunReport } from '../helpers/schemas.js';
import yaml from 'js-yaml';

const DIR = fileURLToPath(new URL('../../../reports/', import.meta.url));
const probe = validateProbeReport;
const run = validateRunReport;

const files = readdirSync(join(DIR, 'examples')).filter((f) => /\.(json|yaml)$/.test(f));
t.ok(files.length >= 4, 'there are examples');
for (const f of files) {
  t.test(f, async (t) => {
    const text = readFileSync(join(DIR, 'examples', f), 'utf8');
    const doc = (f.endsWith('.json') ? JSON.parse(text) : yaml.load(text)) as { command: string; redacted: boolean };
    const validate = doc.command === 'run' ? run : probe;
    t.ok(validate?.(doc), JSON.stringify(validate?.errors));
    t.equal(doc.redacted, true, 'examples are redacted');
  });
}
