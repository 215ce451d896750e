/**
 * Checks JSON from the daemon before a screen touches it. A few combinators
 * instead of zod keep the bundle small; errors name the path like the
 * daemon's own (`trips.0.id: expected number`).
 */
export type Check<T> = (v: unknown, path: string) => T;

export class ResponseError extends Error {
  override name = 'ResponseError';
}

const fail = (path: string, what: string, v: unknown): never => {
  const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  throw new ResponseError(`${path || '(root)'}: expected ${what}, got ${got}`);
};

export const num: Check<number> = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'number', v));
export const str: Check<string> = (v, p) => (typeof v === 'string' ? v : fail(p, 'string', v));
export const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'boolean', v));
export const unknownValue: Check<unknown> = (v) => v;

export function nullable<T>(c: Check<T>): Check<T | null> {
  return (v, p) => (v === null || v === undefined ? null : c(v, p));
}

export function optional<T>(c: Check<T>): Check<T | undefined> {
  return (v, p) => (v === undefined ? undefined : c(v, p));
}

export function oneOf<const T extends readonly string[]>(values: T): Check<T[number]> {
  return (v, p) => (typeof v === 'string' && values.includes(v) ? (v as T[number]) : fail(p, values.join('|'), v));
}

export function arr<T>(c: Check<T>): Check<T[]> {
  return (v, p) => (Array.isArray(v) ? v.map((x, i) => c(x, `${p ? `${p}.` : ''}${i}`)) : fail(p, 'array', v));
}

export function record<T>(c: Check<T>): Check<Record<string, T>> {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'object', v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, c(x, `${p ? `${p}.` : ''}${k}`)]));
  };
}

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with at least these fields; unknown extra fields are dropped (additive protocol). */
export function obj<S extends Shape>(shape: S): Check<Out<S>> {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'object', v);
    const src = v as Record<string, unknown>;
    const res: Record<string, unknown> = {};
    for (const [k, c] of Object.entries(shape)) res[k] = c(src[k], `${p ? `${p}.` : ''}${k}`);
    return res as Out<S>;
  };
}
