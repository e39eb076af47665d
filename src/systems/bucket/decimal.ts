/**
 * Exact decimal numbers for the statistics line: an integer count of units (`bigint`) and how many
 * decimal places they stand for, so `7.25` is 725 units at scale 2. Sums and products never round;
 * only printing does, once, at the end.
 *
 * Doubles are not enough: with whole minutes of 100 000 000 the sum of squares Σx² passes 2^53 and
 * Σx² − 2·x·Σx + n·x² comes out 32 instead of 30, and `0.1 + 0.2` is not `0.3`.
 */

export class Decimal {
  static readonly ZERO = new Decimal(0n, 0);

  private constructor(
    /** The value times 10^scale. */
    readonly units: bigint,
    /** Decimal places; never negative. */
    readonly scale: number,
  ) {}

  /**
   * A decimal written as digits with an optional fraction and exponent (`12`, `7.5`, `1e-7`,
   * `1.5e+21`, the forms `String(number)` produces); `undefined` for anything else.
   */
  static parse(text: string): Decimal | undefined {
    const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text.trim());
    if (match === null) return undefined;
    const [, sign, whole, fraction = '', exponentText = '0'] = match as unknown as [string, string, string, string | undefined, string | undefined];
    const exponent = Number(exponentText);
    // A 400-digit exponent would make a 10^400-digit integer: no finite double needs more than ±400.
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return undefined;
    let units = BigInt(`${sign}${whole}${fraction}`);
    let scale = fraction.length - exponent;
    if (scale < 0) {
      units *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new Decimal(units, scale);
  }

  /**
   * The decimal a finite double stands for in its shortest form (`String(x)`): exactly the number a
   * user typed, as long as it had at most 15 significant digits, which every double keeps.
   */
  static of(value: number | bigint): Decimal {
    if (typeof value === 'bigint') return new Decimal(value, 0);
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return Decimal.parse(String(value)) as Decimal;
  }

  plus(other: Decimal): Decimal {
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.at(scale) + other.at(scale), scale);
  }

  minus(other: Decimal): Decimal {
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.at(scale) - other.at(scale), scale);
  }

  times(other: Decimal | bigint): Decimal {
    if (typeof other === 'bigint') return new Decimal(this.units * other, this.scale);
    return new Decimal(this.units * other.units, this.scale + other.scale);
  }

  compare(other: Decimal): number {
    const scale = Math.max(this.scale, other.scale);
    const difference = this.at(scale) - other.at(scale);
    return difference === 0n ? 0 : difference < 0n ? -1 : 1;
  }

  /** The nearest double (exact for integers below 2^53 and short fractions). */
  toNumber(): number {
    return Number(this.toExactString());
  }

  /** Every digit, no exponent: `100000000`, `7.25`. */
  toExactString(): string {
    return this.render(this.units, this.scale);
  }

  /**
   * At most `places` decimals, rounded half away from zero, trailing zeros dropped: `12.5`,
   * `0.333`, `3` (for 2.9996). Integers print whole, however large.
   */
  toRounded(places: number): string {
    if (this.scale <= places) return this.toExactString();
    const divisor = 10n ** BigInt(this.scale - places);
    const magnitude = this.units < 0n ? -this.units : this.units;
    let rounded = magnitude / divisor;
    if ((magnitude % divisor) * 2n >= divisor) rounded += 1n;
    return this.render(this.units < 0n ? -rounded : rounded, places);
  }

  /** The units at a scale at least this one's. */
  private at(scale: number): bigint {
    return this.units * 10n ** BigInt(scale - this.scale);
  }

  private render(units: bigint, scale: number): string {
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
    const whole = digits.slice(0, digits.length - scale);
    const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
    const sign = negative && (whole !== '0' || fraction !== '') ? '-' : '';
    return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
  }
}
