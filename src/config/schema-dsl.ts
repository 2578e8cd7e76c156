/** The value types a config key can have. */
export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'string[]' | 'integer[]';

/**
 * A leaf of the config schema: the one declaration of a key (type, default, description, whether
 * it reloads). `T` is the TypeScript type of its value, so the config types are inferred from the
 * schema (Infer) instead of written twice.
 */
export type Field<T = unknown> = {
  readonly type: FieldType;
  readonly default: T;
  readonly description: string;
  /** Allowed values for strings. */
  readonly oneOf?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Extra check; returns the expected form when the value is wrong. */
  readonly check?: (value: unknown) => string | undefined;
  /** Environment variable(s) that override this key (Cloud Run); the first one set wins. */
  readonly env?: string | readonly string[];
  /** Applied by a hot reload of the config file without restart (see src/config/reload.ts). */
  readonly reloadable?: boolean;
  /** A secret: never shown (the admin console's Config page prints it redacted). */
  readonly secret?: boolean;
};

/** A section maps keys to fields or nested sections. */
export type Section = { readonly [key: string]: Field | Section };

/** The TypeScript type of the values a schema (or section) validates: one readonly property per key. */
export type Infer<S> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : Infer<S[K]> };

/** What a field builder takes besides its default and description. */
export type FieldOptions = Partial<Omit<Field, 'type' | 'default' | 'description' | 'oneOf'>>;

/** A string field. */
export const str = (d: string, description: string, extra: FieldOptions = {}): Field<string> => ({
  type: 'string',
  default: d,
  description,
  ...extra,
});

/** A string field that takes one of `values`; its type is their union. */
export function choice<const V extends readonly string[]>(
  values: V,
  d: V[number],
  description: string,
  extra: FieldOptions = {},
): Field<V[number]> {
  return { type: 'string', default: d, description, oneOf: values, ...extra };
}

/** A non-negative integer field (override `min` in `extra`). */
export const int = (d: number, description: string, extra: FieldOptions = {}): Field<number> => ({
  type: 'integer',
  default: d,
  description,
  min: 0,
  ...extra,
});

/** A boolean field. */
export const bool = (d: boolean, description: string, extra: FieldOptions = {}): Field<boolean> => ({
  type: 'boolean',
  default: d,
  description,
  ...extra,
});

/** A list-of-strings field (comma-separated in the environment). */
export const strList = (d: readonly string[], description: string, extra: FieldOptions = {}): Field<readonly string[]> => ({
  type: 'string[]',
  default: d,
  description,
  ...extra,
});

/** A list-of-integers field (comma-separated in the environment). */
export const intList = (d: readonly number[], description: string, extra: FieldOptions = {}): Field<readonly number[]> => ({
  type: 'integer[]',
  default: d,
  description,
  ...extra,
});

/** Marks every field of a flat section reloadable, except those that say `reloadable: false`. */
export function reloadable<S extends { readonly [key: string]: Field }>(section: S): S {
  const out: Record<string, Field> = {};
  for (const [key, field] of Object.entries(section)) out[key] = { ...field, reloadable: field.reloadable ?? true };
  return out as S;
}

/** The schema's defaults, as values of its type. */
export function defaultsOf<S extends Section>(schema: S): Infer<S> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(schema)) out[key] = isField(node) ? node.default : defaultsOf(node);
  return out as Infer<S>;
}

export function isField(node: Field | Section): node is Field {
  return typeof (node as Field).type === 'string' && 'description' in node;
}

/**
 * The environment variables that override the key at `path` (dotted, e.g. `limits.max_filters`),
 * first one set wins: the field's own `env` names, then the derived `RELAY_<PATH>` name
 * (`RELAY_LIMITS_MAX_FILTERS`), so every key can be set on Cloud Run without a config file.
 */
export function envNamesFor(path: string, field: Field): string[] {
  const derived = `RELAY_${path.replace(/[.-]/g, '_').toUpperCase()}`;
  const own = ([] as string[]).concat(field.env ?? []);
  return own.includes(derived) ? own : [...own, derived];
}

/** Expected form of a field, used in error messages. */
export function describeField(field: Field): string {
  if (field.oneOf) return `one of ${field.oneOf.map((v) => JSON.stringify(v)).join(', ')}`;
  const range =
    field.min !== undefined || field.max !== undefined ? ` from ${field.min ?? '-∞'} to ${field.max ?? '∞'}` : '';
  switch (field.type) {
    case 'integer':
      return `an integer${range}`;
    case 'number':
      return `a number${range}`;
    case 'boolean':
      return 'true or false';
    case 'string[]':
      return 'an array of strings';
    case 'integer[]':
      return `an array of integers${range}`;
    default:
      return 'a string';
  }
}

/** Checks one value against its field; returns a problem text or undefined. */
export function checkField(path: string, field: Field, value: unknown): string | undefined {
  const bad = `${path} must be ${describeField(field)}`;
  switch (field.type) {
    case 'integer':
      if (!Number.isSafeInteger(value)) return `${bad} (got ${JSON.stringify(value)})`;
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${bad} (got ${JSON.stringify(value)})`;
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return `${bad} (got ${JSON.stringify(value)})`;
      break;
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return bad;
      break;
    case 'integer[]': {
      const outOfRange = (v: number) => (field.min !== undefined && v < field.min) || (field.max !== undefined && v > field.max);
      if (!Array.isArray(value) || value.some((v) => !Number.isSafeInteger(v) || outOfRange(v as number))) {
        return `${bad} (got ${JSON.stringify(value)})`;
      }
      break;
    }
    case 'string':
      if (typeof value !== 'string') return `${bad} (got ${JSON.stringify(value)})`;
      if (field.oneOf && !field.oneOf.includes(value)) return `${bad} (got ${JSON.stringify(value)})`;
      break;
  }
  if (typeof value === 'number') {
    if (field.min !== undefined && value < field.min) return `${bad} (got ${value})`;
    if (field.max !== undefined && value > field.max) return `${bad} (got ${value})`;
  }
  const extra = field.check?.(value);
  return extra ? `${path} must be ${extra} (got ${JSON.stringify(value)})` : undefined;
}

/** Parses an environment string into a field's type; returns undefined when it does not parse. */
export function parseEnvValue(field: Field, raw: string): unknown {
  switch (field.type) {
    case 'integer':
    case 'number':
      return raw.trim() === '' ? raw : Number(raw);
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'string[]':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    case 'integer[]':
      // A value that is not a number stays a string, so checkField reports it.
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map((s) => (/^-?\d+$/.test(s) ? Number(s) : s));
    default:
      return raw;
  }
}
