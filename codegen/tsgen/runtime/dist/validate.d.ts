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
    variants?: {
        name: string;
        schema: Schema;
    }[];
}
/**
 * Checks value against schema (resolving refs in defs) and throws a
 * ValidationError naming the first offending attribute.
 */
export declare function validate(value: unknown, schema: Schema, path: string, defs: Record<string, Schema>): void;
