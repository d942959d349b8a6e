// The design's validation rules, carried as data by generated files and
// interpreted here, so that a message that would be refused is refused
// before it is sent.

import { ValidationError } from './errors.ts';

/** A schema of the design's types, interpreted by validate. */
export interface Schema {
  type?: 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'map' | 'object' | 'union' | 'any';
  ref?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: Schema;
  values?: Schema;
  props?: Record<string, Schema>;
  required?: string[];
  /** A union (OneOf): {[typeKey]: variant name, [valueKey]: the variant's value}. */
  typeKey?: string;
  valueKey?: string;
  variants?: { name: string; schema: Schema }[];
}

const ipv4 = (s: string): boolean => /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s);
const ipv6 = (s: string): boolean => s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s);
const parses = (parse: (s: string) => unknown) => (s: string): boolean => {
  try {
    parse(s);
    return true;
  } catch {
    return false;
  }
};

const formats: Record<string, (s: string) => boolean> = {
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !isNaN(Date.parse(s)),
  uuid: (s) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s),
  email: (s) => /^[^\s@]+@[^\s@]+$/.test(s),
  hostname: (s) => /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(s),
  ipv4,
  ipv6,
  ip: (s) => ipv4(s) || ipv6(s),
  uri: parses((s) => new URL(s)),
  mac: (s) => /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(s),
  cidr: (s) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(s),
  regexp: parses((s) => new RegExp(s)),
  json: parses((s) => JSON.parse(s)),
  rfc1123: (s) => !isNaN(Date.parse(s)),
};

/**
 * Checks value against schema (resolving refs in defs) and throws a
 * ValidationError naming the first offending attribute.
 */
export function validate(value: unknown, schema: Schema, path: string, defs: Record<string, Schema>): void {
  if (schema.ref !== undefined) {
    const s = defs[schema.ref];
    if (s === undefined) throw new Error(`duplex: unknown schema ${schema.ref}`);
    validate(value, s, path, defs);
    return;
  }
  const fail = (msg: string): never => {
    throw new ValidationError(path, msg);
  };
  switch (schema.type) {
    case 'boolean':
      if (typeof value !== 'boolean') fail('must be a boolean');
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('must be an integer');
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('must be a number');
      break;
    case 'string':
      if (typeof value !== 'string') fail('must be a string');
      break;
    case 'array':
      if (!Array.isArray(value)) return fail('must be an array');
      value.forEach((v: unknown, i: number) => validate(v, schema.items ?? {}, `${path}[${i}]`, defs));
      break;
    case 'map':
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object');
      const o = value as Record<string, unknown>;
      for (const r of schema.required ?? []) {
        if (o[r] === undefined || o[r] === null) throw new ValidationError(`${path}.${r}`, 'is required');
      }
      if (schema.type === 'map') {
        for (const [k, v] of Object.entries(o)) validate(v, schema.values ?? {}, `${path}[${JSON.stringify(k)}]`, defs);
      } else {
        for (const [k, s] of Object.entries(schema.props ?? {})) {
          const v = o[k];
          if (v !== undefined && v !== null) validate(v, s, `${path}.${k}`, defs);
        }
      }
      break;
    }
    case 'union': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object');
      const o = value as Record<string, unknown>;
      const typeKey = schema.typeKey ?? 'type';
      const valueKey = schema.valueKey ?? 'value';
      const variants = schema.variants ?? [];
      const name = o[typeKey];
      if (name === undefined || name === null) throw new ValidationError(`${path}.${typeKey}`, 'is required');
      const variant = variants.find((v) => v.name === name)?.schema;
      if (variant === undefined) {
        throw new ValidationError(`${path}.${typeKey}`, `must be one of ${variants.map((v) => JSON.stringify(v.name)).join(', ')}`);
      }
      const v = o[valueKey];
      if (v === undefined || v === null) throw new ValidationError(`${path}.${valueKey}`, 'is required');
      validate(v, variant, `${path}.${valueKey}`, defs);
      break;
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    fail(`must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  if (typeof value === 'string') {
    const check = schema.format === undefined ? undefined : formats[schema.format];
    if (check !== undefined && !check(value)) fail(`must be formatted as ${schema.format}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) fail(`must match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`must be at most ${schema.maximum}`);
  }
  const len = typeof value === 'string' ? [...value].length
    : Array.isArray(value) ? value.length
    : schema.type === 'map' && typeof value === 'object' && value !== null ? Object.keys(value).length
    : undefined;
  if (len !== undefined) {
    if (schema.minLength !== undefined && len < schema.minLength) fail(`length must be at least ${schema.minLength}`);
    if (schema.maxLength !== undefined && len > schema.maxLength) fail(`length must be at most ${schema.maxLength}`);
  }
}
