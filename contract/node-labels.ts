import { z } from 'zod';

const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,62})$/;
const LABEL_VALUE = /^[A-Za-z0-9._-]{0,63}$/;

/** A record with at most `max` entries: every map a request carries is bounded. */
export const limitedRecord = <V extends z.ZodType>(key: z.ZodString, value: V, max: number) =>
  z.record(key, value).refine((r) => Object.keys(r).length <= max, { message: `must have at most ${max} entries` });

/** Node labels, as a job's constraints name them and heartbeats report them. */
export const labelsSchema = limitedRecord(
  z.string().regex(LABEL_KEY, 'label keys are 1..63 characters of [A-Za-z0-9._/-], starting alphanumeric'),
  z.string().regex(LABEL_VALUE, 'label values are 0..63 characters of [A-Za-z0-9._-]'),
  32,
);
