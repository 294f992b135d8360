import { z } from 'zod';

/** One refused input: the field (dotted path, `command[2]`, `env.FOO`, `path.id`, `query.from`) and the rule it broke. */
export const fieldIssueSchema = z.object({
  field: z.string(),
  rule: z.string(),
});
export type FieldIssue = z.infer<typeof fieldIssueSchema>;

/**
 * The body of every non-2xx answer: a stable machine-readable `code`, a message for
 * people saying what was refused and how to fix it, and for a 400 every field at fault,
 * so a caller can fix them all at once.
 */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().min(1),
    message: z.string(),
    fields: z.array(fieldIssueSchema).readonly().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
