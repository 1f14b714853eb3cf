/**
 * Small value checks shared by the validators of the layers' options and the experiment config:
 * each returns null when the value is fine, else what was expected (for one clear error message).
 *
 * @module
 */

/** A check: null when `v` is acceptable, else a phrase saying what was expected. */
export type Check = (v: unknown) => string | null;

/** One of `values` (strings). */
export function oneOf(values: readonly string[]): Check {
  return (v) =>
    (typeof v === "string" && values.includes(v))
      ? null
      : `one of ${values.map((s) => JSON.stringify(s)).join(", ")}`;
}

/** A finite number in [min, max] (or (min, max] with `exclusiveMin`), optionally an integer. */
export function num(
  min: number,
  max: number,
  opts: { int?: boolean; exclusiveMin?: boolean } = {},
): Check {
  return (v) => {
    const what = `${opts.int ? "an integer" : "a number"} ${opts.exclusiveMin ? ">" : "≥"} ${min}` +
      (max < Infinity ? ` and ≤ ${max}` : "");
    if (typeof v !== "number" || !Number.isFinite(v)) return what;
    if (opts.int && !Number.isInteger(v)) return what;
    if (opts.exclusiveMin ? v <= min : v < min) return what;
    return v > max ? what : null;
  };
}

/** null or what `c` accepts. */
export function nullable(c: Check): Check {
  return (v) => (v === null ? null : (c(v) === null ? null : `null or ${c(v)}`));
}

/** true or false. */
export const bool: Check = (v) => (typeof v === "boolean" ? null : "true or false");
