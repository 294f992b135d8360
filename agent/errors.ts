/**
 * Typed errors of the agent's own calls (control plane, node identity); the container
 * runtime's are beside its port (control/container-runtime-errors.ts).
 */

/** What a control-plane call was doing when it failed. */
export type ControlPlaneOperation = 'heartbeat';

/**
 * A call to the Stowage API failed. `retriable`: the API was unreachable, timed out, or
 * answered 429/5xx; otherwise (4xx, a response the agent cannot read) something must
 * change first: the agent's config, its credentials, or the API.
 */
export class ControlPlaneError extends Error {
  override readonly name: string = 'ControlPlaneError';
  readonly operation: ControlPlaneOperation;
  readonly status?: number;
  readonly retriable: boolean;
  constructor(message: string, details: { operation: ControlPlaneOperation; status?: number; retriable: boolean }, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = details.operation;
    if (details.status !== undefined) this.status = details.status;
    this.retriable = details.retriable;
  }
}

/** The node could not tell who it is (flags missing or invalid, IMDS unreachable, unknown instance type). */
export class NodeIdentityError extends Error {
  override readonly name: string = 'NodeIdentityError';
  readonly retriable: boolean;
  constructor(message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.retriable = retriable;
  }
}

/** Pull credentials for an image's registry could not be had (ECR refused the token, or answered without one). */
export class RegistryAuthError extends Error {
  override readonly name: string = 'RegistryAuthError';
  readonly image: string;
  constructor(image: string, message: string, options?: { cause?: unknown }) {
    super(`cannot authenticate the pull of ${image}: ${message}`, options);
    this.image = image;
  }
}
