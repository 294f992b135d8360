import type { z } from 'zod';
import { putJobResponseSchema, rollbackBodySchema, rollbackResponseSchema, scaleBodySchema, scaleResponseSchema, versionListResponseSchema } from './deployment-spec';
import { heartbeatAnswerSchema, heartbeatBodySchema } from './heartbeat';
import { jobListResponseSchema } from './job-list';
import { jobLogsQuerySchema, jobLogsResponseSchema } from './job-logs';
import { jobSpecSchema, submitResponseSchema } from './job-spec';
import { jobResponseSchema, stopResponseSchema } from './job-view';
import { nodeListResponseSchema } from './node-view';
import { reportQuerySchema, reportResponseSchema } from './report';
import type { RouteKey } from './routes';

/**
 * What each route of routes.ts takes and answers: the body or query it parses, and the
 * status and body of its success. Every other answer is an error body (error-body.ts).
 * Keyed by route key and checked to cover every route, so a route cannot be added
 * without its shapes.
 */
export interface RouteShape {
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly status: 200 | 202;
  readonly response: z.ZodType;
}

export const ROUTE_SHAPES = {
  'POST /jobs': { body: jobSpecSchema, status: 202, response: submitResponseSchema },
  // 202: the scheduler rolls the change out; GET /jobs/{id} shows the deployment.
  'PUT /jobs/{id}': { body: jobSpecSchema, status: 202, response: putJobResponseSchema },
  'GET /jobs': { status: 200, response: jobListResponseSchema },
  'GET /jobs/{id}': { status: 200, response: jobResponseSchema },
  // 202: the next scheduling pass stops the copies; GET /jobs/{id} shows them go.
  'DELETE /jobs/{id}': { status: 202, response: stopResponseSchema },
  'GET /jobs/{id}/versions': { status: 200, response: versionListResponseSchema },
  'POST /jobs/{id}/scale': { body: scaleBodySchema, status: 202, response: scaleResponseSchema },
  'POST /jobs/{id}/rollback': { body: rollbackBodySchema, status: 202, response: rollbackResponseSchema },
  'GET /nodes': { status: 200, response: nodeListResponseSchema },
  'GET /report': { query: reportQuerySchema, status: 200, response: reportResponseSchema },
  'PUT /nodes/{id}/heartbeat': { body: heartbeatBodySchema, status: 200, response: heartbeatAnswerSchema },
  'GET /jobs/{id}/logs': { query: jobLogsQuerySchema, status: 200, response: jobLogsResponseSchema },
} as const satisfies Record<RouteKey, RouteShape>;

/** The success body of a route, as its handler builds it and its clients read it. */
export type ResponseOf<K extends RouteKey> = z.infer<(typeof ROUTE_SHAPES)[K]['response']>;
