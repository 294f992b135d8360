import type { VersionTemplate } from '../../core/deployment';

/**
 * One version of a job as the store keeps it: what its copies run (the template), who
 * made it and when, and what changed from the version it replaced. A job's versions are
 * numbered from 1 and never reused (a rollback targets an old number, it makes none).
 */
export interface JobVersion {
  readonly jobId: string;
  readonly version: number;
  readonly changedAt: number;
  /** The caller's identity (an IAM ARN in AWS). */
  readonly changedBy: string;
  /** One line per changed field, e.g. `image: web:1 → web:2`; empty for a job's first version. */
  readonly changes: readonly string[];
  readonly template: VersionTemplate;
}

/**
 * Versions kept per job: the newest this many by number. Older ones are deleted when a
 * new one is written; a rollback can reach only what is kept.
 */
export const KEPT_VERSIONS = 20;

/** Version numbers a store deletes once `newest` is written (every number at or below this). */
export function oldestDropped(newest: number): number {
  return newest - KEPT_VERSIONS;
}
