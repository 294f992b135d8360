import { InvalidArgumentError } from 'commander';

/** Commander parser for a positive integer flag; digits only, since "1e5" or "9.5" are more likely typos than intent. */
export function positiveInteger(unit: string): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`Expected a positive integer number of ${unit}.`);
    return n;
  };
}

/** Commander parser for a whole number from 0 to `max` (digits only, as positiveInteger), naming the option. */
export function wholeNumber(option: string, max = 1_000_000): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n > max) throw new InvalidArgumentError(`${option} must be a whole number from 0 to ${max}`);
    return n;
  };
}

export function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
