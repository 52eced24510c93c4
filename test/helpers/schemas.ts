// Validators for the report schemas in reports/schema, shared by the tests.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

const DIR = fileURLToPath(new URL('../../../reports/schema/', import.meta.url));
const load = (name: string): object => JSON.parse(readFileSync(`${DIR}${name}`, 'utf8')) as object;

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(load('report.v1.json'));

/** reports/schema/report.v1.json: droidcheck probe --format json|yaml. */
export const validateProbeReport = ajv.getSchema('https://github.com/droidcheck/droidcheck/reports/schema/report.v1.json') as ValidateFunction;
/** reports/schema/run-report.v1.json: droidcheck run --report FILE. */
export const validateRunReport = ajv.compile(load('run-report.v1.json'));
/** reports/schema/explain.v1.json: droidcheck explain --format json|yaml. */
export const validateExplain = ajv.compile(load('explain.v1.json'));
/** reports/schema/docker.v1.json: droidcheck docker --format json|yaml. */
export const validateDockerReport = ajv.compile(load('docker.v1.json'));
