import { z } from 'zod';

/** NUL cannot travel in an argv or environment entry: refuse it rather than let Docker truncate. */
const noNul = (s: string) => !s.includes('\0');

/**
 * A lone UTF-16 surrogate has no UTF-8 form: DynamoDB, the agent's JSON and Docker would
 * each turn it into U+FFFD, so the container would get a different string than the one
 * accepted. Refused rather than silently changed.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Argv entries and env values: any text but NUL, in well-formed Unicode. */
export const argText = z
  .string()
  .max(4096)
  .refine(noNul, 'must not contain NUL characters')
  .refine(wellFormed, 'must be well-formed Unicode (a lone surrogate such as \\ud800 has no UTF-8 form)');
