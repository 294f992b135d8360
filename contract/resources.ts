import { z } from 'zod';

/** CPU in millicores and memory in MiB, as every view shows a request, a capacity or a usage. */
export const resourcesSchema = z.object({
  cpu: z.number().min(0),
  memoryMiB: z.number().min(0),
});
export type ResourcesView = z.infer<typeof resourcesSchema>;
