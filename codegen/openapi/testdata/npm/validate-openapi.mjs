// Validates an OpenAPI 3.x document (JSON or YAML) against the official
// schema of its version; exits 1 when it is not valid.
import { Validator } from '@seriousme/openapi-schema-validator';

const file = process.argv[2];
const validator = new Validator();
const res = await validator.validate(file);
if (!res.valid) {
  console.log(JSON.stringify(res.errors, null, 2));
  console.log(`${file}: not valid OpenAPI ${validator.version}`);
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${validator.version}`);
