/**
 * The ids that travel in paths and bodies. Each comes with the phrase an error uses to
 * say what was expected, so every route that takes one refuses a bad one alike.
 */

/** Ids the submit route makes: `job-` and 20 lowercase hex characters. */
export const JOB_ID = /^job-[0-9a-f]{20}$/;
export const JOB_ID_EXPECTED = 'a job id: "job-" and 20 lowercase hex characters';

/**
 * Node ids: EC2 instance ids (`i-` + hex) in AWS; the local fleet names its own. Kept to
 * characters that are safe in a path, a DynamoDB key and an STS session name.
 */
export const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const NODE_ID_EXPECTED = 'a node id (an EC2 instance id such as i-0123456789abcdef0)';
