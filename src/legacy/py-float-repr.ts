/**
 * Python's `repr(float)` (CPython `float_repr` with `float_repr_style == 'short'`,
 * Python/pystrtod.c `format_float_short`, mode 'r').
 *
 * The digits are the shortest string that round-trips, which is also what ECMAScript's
 * Number::toString produces (both pick the closest candidate when several are shortest).
 * Only the layout differs: Python uses scientific notation when the decimal point position
 * `decpt` (value = 0.d1d2... × 10^decpt) satisfies `decpt <= -4 || decpt > 16`, writes the
 * exponent with a sign and at least two digits (`1e+16`, `1e-05`), and always shows a
 * fractional part in fixed notation (`5.0`). JS writes `1e16` as `10000000000000000` and
 * `1e-7` as `1e-7`.
 *
 * Non-finite values are rendered as `json.dumps` does (`NaN`, `Infinity`, `-Infinity`),
 * because that is the only place v0 uses this.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const { digits, decpt } = shortestDigits(Math.abs(x));
  if (decpt <= -4 || decpt > 16) {
    const e = decpt - 1;
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Shortest round-trip digits (no leading/trailing zeros) and decimal point position. */
function shortestDigits(ax: number): { digits: string; decpt: number } {
  const s = String(ax);
  const ePos = s.indexOf('e');
  const mant = ePos < 0 ? s : s.slice(0, ePos);
  const exp = ePos < 0 ? 0 : Number(s.slice(ePos + 1));
  const dot = mant.indexOf('.');
  const intPart = dot < 0 ? mant : mant.slice(0, dot);
  const fracPart = dot < 0 ? '' : mant.slice(dot + 1);
  let all = intPart + fracPart;
  let decpt = intPart.length + exp;
  let lead = 0;
  while (lead < all.length && all[lead] === '0') lead++;
  all = all.slice(lead);
  decpt -= lead;
  all = all.replace(/0+$/, '');
  if (all === '') return { digits: '0', decpt: 1 };
  return { digits: all, decpt };
}
