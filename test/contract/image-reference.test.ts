import { validateImageReference } from '../../agent/docker-runtime';
import { IMAGE_REFERENCE_MAX_LENGTH, imageReferenceProblem, imageReferenceSchema } from '../../contract/image-reference';
import { InvalidImageReferenceError } from '../../control/container-runtime-errors';

const HEX64 = '0123456789abcdef'.repeat(4);

const ACCEPTED = [
  'busybox',
  'stowage/busybox:local',
  'nginx:1.27',
  'library/nginx:1.27-alpine',
  'registry.example.com/team/app:1.2',
  'registry.example.com:5000/team/app',
  'localhost:5000/app:v1',
  '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest',
  'ghcr.io/org/some_app__x/sub-part.name:Tag_1.2-rc',
  `app@sha256:${HEX64}`,
  `registry.example.com/team/app:1.2@sha256:${HEX64}`,
];

const REFUSED: Array<[string, string]> = [
  ['', 'empty'],
  ['Busybox', 'uppercase path'],
  ['app:', 'empty tag'],
  ['app:-x', 'tag starting with -'],
  ['app:has space', 'whitespace'],
  ['app;rm -rf /', 'shell characters'],
  ['--privileged', 'an option'],
  ['/app', 'leading slash'],
  ['team//app', 'empty path component'],
  ['app_', 'trailing separator'],
  ['registry.example.com:123456/app', 'a six-digit port'],
  ['[::1]:5000/app', 'a bracketed IPv6 registry'],
  [`app@sha256:${HEX64.slice(1)}`, 'a digest of 63 hex digits'],
  [`app@sha256:${HEX64}0`, 'a digest of 65 hex digits'],
  [`app@sha256:${HEX64.toUpperCase()}`, 'an uppercase digest'],
  [`app@sha512:${HEX64}${HEX64}`, 'a sha512 digest'],
  [`app@md5:${HEX64.slice(0, 32)}`, 'another algorithm'],
  ['app@sha256:', 'an empty digest'],
  [`app:${'t'.repeat(129)}`, 'a tag of 129 characters'],
  [`${'a'.repeat(IMAGE_REFERENCE_MAX_LENGTH - 4)}:tag1`, 'a reference one over the limit'],
];

describe('the image-reference grammar', () => {
  it.each(ACCEPTED)('accepts %s', (ref) => {
    expect(imageReferenceProblem(ref)).toBeUndefined();
    expect(imageReferenceSchema.safeParse(ref).success).toBe(true);
  });

  it.each(REFUSED)('refuses %j (%s)', (ref) => {
    expect(imageReferenceProblem(ref)).toEqual(expect.any(String));
    expect(imageReferenceSchema.safeParse(ref).success).toBe(false);
  });

  it('accepts a reference of exactly the maximum length', () => {
    const ref = `${'a'.repeat(IMAGE_REFERENCE_MAX_LENGTH - 5)}:tag1`;
    expect(ref).toHaveLength(IMAGE_REFERENCE_MAX_LENGTH);
    expect(imageReferenceProblem(ref)).toBeUndefined();
  });

  it('says why in words a message can carry', () => {
    expect(imageReferenceProblem('')).toBe('it is empty');
    expect(imageReferenceProblem('a'.repeat(300))).toBe(`it is longer than ${IMAGE_REFERENCE_MAX_LENGTH} characters`);
    expect(imageReferenceProblem('Bad Image')).toMatch(/^it does not match \[registry\[:port\]\/\]name\[:tag\]\[@sha256:<64 lowercase hex>\]/);
  });

  it('is the rule the agent applies before Docker sees a reference', () => {
    for (const ref of ACCEPTED) expect(() => validateImageReference(ref)).not.toThrow();
    for (const [ref] of REFUSED) expect(() => validateImageReference(ref)).toThrow(InvalidImageReferenceError);
  });
});
