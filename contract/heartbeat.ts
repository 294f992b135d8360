import { z } from 'zod';
import { NODE_ID } from './ids';
import { labelsSchema } from './node-labels';
import { resourcesSchema } from './resources';
import { healthCheckViewSchema, portViewSchema } from './job-view';
import { MAX_PORTS, PORT_NAME } from './service-spec';
import { containerHealthSchema, taskStatusSchema } from './task-view';

const DNS_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * PUT /nodes/{id}/heartbeat: what an agent reports (the body) and what it is told to run
 * (the answer). The node id is in the path, not the body: the route checks it against
 * the caller's identity before reading anything else.
 */

const int = (max: number) => z.number().int().min(0).max(max);
const capacity = z.strictObject({ cpu: int(10_000_000), memoryMiB: int(100_000_000) });
/** Usage is measured, so fractions are fine; the store keeps integers like every other Resources. */
const usage = z.strictObject({ cpu: z.number().min(0).max(10_000_000), memoryMiB: z.number().min(0).max(100_000_000) });

/** What an agent reports about one container of a task it runs. */
export const containerReportSchema = z.strictObject({
  taskId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/, 'task ids are [A-Za-z0-9._-]'),
  generation: int(1_000_000_000),
  state: z.enum(['starting', 'running', 'exited']),
  exitCode: z.number().int().min(-2_147_483_648).max(2_147_483_647).optional(),
  oomKilled: z.boolean().optional(),
  startedAt: int(Number.MAX_SAFE_INTEGER).optional(),
  finishedAt: int(Number.MAX_SAFE_INTEGER).optional(),
  /** Host ports the engine bound for a running container's published ports. */
  endpoints: z
    .array(
      z.strictObject({
        port: z.string().regex(PORT_NAME, 'port names are 1..15 characters of [a-z0-9-], starting with a letter'),
        containerPort: z.number().int().min(1).max(65535),
        hostPort: z.number().int().min(1).max(65535),
      }),
    )
    .max(MAX_PORTS)
    .readonly()
    .optional(),
  /** A running container's health; `none` when nothing checks it. */
  health: containerHealthSchema.optional(),
  /**
   * With `exited` and no container behind it: why the copy could not start (its image
   * could not be pulled, e.g. no variant for the node's platform), in the registry's words.
   */
  failure: z.string().min(1).max(1024).optional(),
});
export type ContainerReportBody = z.output<typeof containerReportSchema>;

export const heartbeatBodySchema = z.strictObject({
  instanceType: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'instance types look like m5.large'),
  zone: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'zones look like us-east-1a'),
  labels: labelsSchema.default({}),
  capacity,
  usage,
  pricePerHour: z.number().min(0).max(1000),
  /** Where a load balancer reaches the node's host ports: its private IP on EC2, 127.0.0.1 locally. */
  address: z
    .string()
    .max(253)
    .refine((a) => z.ipv4().safeParse(a).success || z.ipv6().safeParse(a).success || DNS_NAME.test(a), 'must be an IPv4 or IPv6 address or a DNS name')
    .optional(),
  containers: z.array(containerReportSchema).max(1000).default([]),
  /**
   * How the instance was bought, as the machine itself says (IMDS instance-life-cycle on
   * EC2); absent from agents that predate Spot, and then the stored value stands.
   */
  capacityType: z.enum(['on-demand', 'spot'], { error: 'capacityType must be "on-demand" or "spot"' }).optional(),
});
/**
 * The body in full, as the agent sends it and the API reads it once parsed; a sender
 * may leave out labels and containers, which then default to none.
 */
export type HeartbeatBody = z.output<typeof heartbeatBodySchema>;

/** One copy the node should run, with what Docker needs to run it. */
export const desiredTaskSchema = z.object({
  id: z.string().min(1),
  jobId: z.string().min(1),
  slot: z.number().int().min(0),
  generation: z.number().int().min(0),
  status: taskStatusSchema,
  resources: resourcesSchema,
  image: z.string().min(1),
  command: z.array(z.string()).readonly(),
  env: z.record(z.string(), z.string()),
  /** Present (true) once a user stopped the job: the copy is on its way out. */
  stopRequested: z.boolean().optional(),
  /** Published on host ports the engine picks (hostPort 0). */
  ports: z.array(portViewSchema).readonly().optional(),
  /** Absent: only the image's own HEALTHCHECK, if any. A command runs inside the container as an argv. */
  healthCheck: healthCheckViewSchema.optional(),
  /** SIGTERM, then SIGKILL after this many seconds; absent: the default (30). */
  stopGraceSeconds: z.number().int().min(0).optional(),
  /** A hard CPU cap in millicores; absent: CPU shares in proportion to the request, no cap. */
  cpuLimit: z.number().int().min(1).optional(),
  /** Capabilities kept beyond NET_BIND_SERVICE. */
  capabilities: z.array(z.string()).readonly().optional(),
  /** Env names → ARNs: the agent reads the values itself, so none crosses the API. */
  secrets: z.record(z.string(), z.string()).optional(),
});
export type DesiredTaskView = z.infer<typeof desiredTaskSchema>;

/**
 * The answer: every copy assigned to the node at its current generation. A container
 * the node holds that is not listed here is no longer its to run.
 */
export const heartbeatAnswerSchema = z.object({
  nodeId: z.string().regex(NODE_ID),
  tasks: z.array(desiredTaskSchema).readonly(),
});
export type HeartbeatAnswer = z.infer<typeof heartbeatAnswerSchema>;
