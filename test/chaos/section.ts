/**
 * One section of the chaos report (`npm run chaos`): what a family of checks tried and
 * what it found. Every section has the same shape so the report can sum them: counts
 * by kind, the invariant violations (must be empty), the unexpected exceptions
 * (crashes, must be 0), and human lines to print.
 */
export interface ChaosSection {
  readonly name: string;
  readonly counts: Record<string, number>;
  readonly violations: string[];
  readonly crashes: number;
  readonly lines: string[];
}
