import { z } from 'zod';

/**
 * The one image-reference grammar: the API checks a job's image with it when the job is
 * submitted, and the agent checks again with it before handing the reference to Docker,
 * so whatever the API accepts the agent runs, and nothing else reaches the engine.
 *
 * It is the distribution spec's grammar, narrowed where a wider rule would let one
 * string mean two things or name something no registry serves:
 * [registry[:port]/]path[/path...][:tag][@sha256:<64 lowercase hex>], lowercase paths.
 * Digests are sha256 in 64 lowercase hex digits, the form registries print; a pin in any
 * other form is refused here, at submit, rather than by a registry at pull time on some
 * node. No bracketed IPv6 registry: it would put `[`, `]` and `:` where the tag
 * separator is looked for.
 */

const HOST_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY = `${HOST_PART}(?:\\.${HOST_PART})*(?::[0-9]{1,5})?`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';

export const IMAGE_REFERENCE = new RegExp(`^(?:${REGISTRY}/)?${PATH_PART}(?:/${PATH_PART})*(?::${TAG})?(?:@${DIGEST})?$`);

/** Docker's limit is on the name alone; the whole reference is held to it, digest and tag included. */
export const IMAGE_REFERENCE_MAX_LENGTH = 255;

export const imageReferenceSchema = z
  .string()
  .min(1)
  .max(IMAGE_REFERENCE_MAX_LENGTH)
  .regex(IMAGE_REFERENCE, 'must be an image reference like registry.example.com/team/app:1.2@sha256:<64 hex>, without whitespace or shell characters');

/** Why `image` is not a reference of this grammar, as a clause for a message; undefined when it is one. */
export function imageReferenceProblem(image: string): string | undefined {
  if (image.length === 0) return 'it is empty';
  if (image.length > IMAGE_REFERENCE_MAX_LENGTH) return `it is longer than ${IMAGE_REFERENCE_MAX_LENGTH} characters`;
  if (!IMAGE_REFERENCE.test(image)) return 'it does not match [registry[:port]/]name[:tag][@sha256:<64 lowercase hex>] with a lowercase name';
  return undefined;
}
