/**
 * Typed errors of the container-runtime port (adapter: agent/docker-runtime.ts). Each sets `name`, carries the ids
 * involved and whether the same call may succeed later unchanged (`retriable`), and says
 * what failed and how to fix it. The dockerode error that caused it rides along as `cause`.
 */

/** What a `DockerRuntime` call was doing when it failed. */
export type RuntimeOperation = 'list' | 'inspect' | 'create' | 'start' | 'stop' | 'remove' | 'stats' | 'image' | 'pull';

/**
 * A container engine call failed. `retriable`: the engine was unreachable, timed out or
 * answered 5xx; otherwise something must change first (the request, the image, a conflict).
 */
export class RuntimeError extends Error {
  override readonly name: string = 'RuntimeError';
  readonly operation: RuntimeOperation;
  readonly containerId?: string;
  readonly retriable: boolean;
  constructor(
    message: string,
    details: { operation: RuntimeOperation; containerId?: string; retriable: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.operation = details.operation;
    if (details.containerId !== undefined) this.containerId = details.containerId;
    this.retriable = details.retriable;
  }
}

/** A Docker call did not answer within its timeout. Retriable: the engine may be busy. */
export class RuntimeTimeoutError extends RuntimeError {
  override readonly name: string = 'RuntimeTimeoutError';
  readonly timeoutMs: number;
  constructor(operation: RuntimeOperation, timeoutMs: number, containerId?: string) {
    super(
      `Docker ${operation}${containerId ? ` of container ${containerId}` : ''} did not answer within ${timeoutMs} ms; check that dockerd is healthy (docker info)`,
      { operation, retriable: true, ...(containerId !== undefined ? { containerId } : {}) },
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The image reference is not one Docker accepts, or carries something a job may not ask for. Never retriable. */
export class InvalidImageReferenceError extends RuntimeError {
  override readonly name: string = 'InvalidImageReferenceError';
  readonly image: string;
  constructor(image: string, why: string) {
    super(`image reference ${JSON.stringify(image)} is not valid: ${why}; use a reference such as registry.example.com/team/app:1.2`, {
      operation: 'image',
      retriable: false,
    });
    this.image = image;
  }
}

/** The image is not on this node and the agent does not pull. Not retriable until someone loads it. */
export class ImageNotFoundError extends RuntimeError {
  override readonly name: string = 'ImageNotFoundError';
  readonly image: string;
  constructor(image: string, options?: { cause?: unknown }) {
    super(
      `image ${image} is not present on this node and pulling is off; load it first (docker load / docker import, or scripts/make-local-image.sh for stowage/busybox:local), or run the agent with pulling on`,
      { operation: 'image', retriable: false },
      options,
    );
    this.image = image;
  }
}

/** The container does not exist (removed from outside, or never made). */
export class ContainerNotFoundError extends RuntimeError {
  override readonly name: string = 'ContainerNotFoundError';
  constructor(operation: RuntimeOperation, containerId: string, options?: { cause?: unknown }) {
    super(`container ${containerId} does not exist (${operation}); list the node's containers again`, { operation, containerId, retriable: false }, options);
  }
}
