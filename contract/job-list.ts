import { z } from 'zod';
import { JOB_ID } from './ids';
import { JOB_KINDS } from './job-spec';
import { taskStatusSchema } from './task-view';

/** One entry of GET /jobs: the job with counts of its tasks per status, every generation included. */
export const jobSummarySchema = z.object({
  id: z.string().regex(JOB_ID),
  name: z.string().min(1),
  kind: z.enum(JOB_KINDS),
  count: z.number().int().min(0),
  createdAt: z.number(),
  stopRequestedAt: z.number().optional(),
  /** Only statuses some task has appear. */
  tasks: z.partialRecord(taskStatusSchema, z.number().int().min(1)),
});
export type JobSummaryView = z.infer<typeof jobSummarySchema>;

/** GET /jobs: newest first. */
export const jobListResponseSchema = z.object({
  jobs: z.array(jobSummarySchema).readonly(),
});
export type JobListResponse = z.infer<typeof jobListResponseSchema>;
