// Validates an AsyncAPI document with the official parser; exits 1 on any
// error-severity diagnostic (warnings are printed, not fatal).
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(await readFile(file, 'utf8'), { source: file });
let errors = 0;
for (const d of diagnostics) {
  const sev = ['error', 'warning', 'info', 'hint'][d.severity] ?? d.severity;
  if (d.severity === 0) errors++;
  console.log(`${sev}: ${d.code}: ${d.message} at ${d.path.join('.')}`);
}
if (errors > 0 || !document) {
  console.log(`${file}: ${errors} error(s)`);
  process.exit(1);
}
console.log(`${file}: valid AsyncAPI ${document.version()}`);
