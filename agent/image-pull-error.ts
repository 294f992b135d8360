import { RuntimeError } from '../control/container-runtime-errors';

/** How long a reason the heartbeat carries may be (contract/heartbeat.ts). */
export const MAX_FAILURE_REASON = 1024;

/** Registry answers that the same pull will keep getting: no such image or tag, no access. */
const PERMANENT = /manifest unknown|not found|does not exist|denied|unauthorized|forbidden|no basic auth credentials|cannot authenticate/i;

/**
 * An image could not be pulled. `reason` is what the task's record shows: the registry's
 * or the engine's own words, e.g. Docker's "no matching manifest for linux/arm64/v8 in
 * the manifest list entries" when the image has no variant for this node's platform,
 * "pull access denied" or "manifest unknown" from a registry. Whatever the cause, the
 * agent reports it as the task's failure and the restart policy decides whether, when
 * and where the copy is tried again; `retriable` only says whether the same pull could
 * succeed unchanged (a registry out of reach: yes; no such image or no access: no).
 */
export class ImagePullError extends RuntimeError {
  override readonly name: string = 'ImagePullError';
  readonly image: string;
  readonly reason: string;
  /** The image exists but not for this node's OS/architecture: another node may run it. */
  readonly noPlatformVariant: boolean;
  constructor(image: string, detail: string, options?: { cause?: unknown }) {
    const noPlatformVariant = /no matching manifest for/i.test(detail);
    const reason = (noPlatformVariant ? `image ${image} has no variant for this node's platform: ${detail}` : `pulling image ${image} failed: ${detail}`).slice(0, MAX_FAILURE_REASON);
    super(`${reason}; reported as the task's failure, so its restart policy decides what follows`, { operation: 'pull', retriable: !noPlatformVariant && !PERMANENT.test(detail) }, options);
    this.image = image;
    this.reason = reason;
    this.noPlatformVariant = noPlatformVariant;
  }
}
