import { z } from 'zod';
import { argText } from './argv-text';

/**
 * The parts of a job that make it a reachable service: its ports, the load-balancer rule
 * exposing one of them, its health check, how it is stopped, its CPU cap and the Linux
 * capabilities it keeps. Each schema checks its own field; the rules that tie fields
 * together (a port name must be one of `ports`, a cap at least the request) are checked
 * on the whole job in job-spec.ts.
 */

export const MAX_PORTS = 8;

/** A port's name: [a-z][a-z0-9-]{0,14}, the shape of a Kubernetes/IANA service name. */
export const PORT_NAME = /^[a-z][a-z0-9-]{0,14}$/;
const portName = z.string().regex(PORT_NAME, 'port names are 1..15 characters of [a-z0-9-], starting with a letter');

export const portSpecSchema = z.strictObject({
  name: portName,
  containerPort: z.number().int().min(1).max(65535),
  protocol: z.literal('tcp'),
});

export const portsSchema = z
  .array(portSpecSchema)
  .max(MAX_PORTS)
  .superRefine((ports, ctx) => {
    const names = new Set<string>();
    const numbers = new Set<number>();
    ports.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `port name "${p.name}" is used twice; names must be unique` });
      if (numbers.has(p.containerPort)) ctx.addIssue({ code: 'custom', path: [i, 'containerPort'], message: `containerPort ${p.containerPort} is listed twice; each port once` });
      names.add(p.name);
      numbers.add(p.containerPort);
    });
  });

/**
 * A path pattern as the ALB's path condition takes it (up to 128 characters, `*` and `?`
 * as wildcards: "Listener rules for your Application Load Balancer", Elastic Load
 * Balancing docs), narrowed to characters that need no quoting in an haproxy ACL either:
 * letters, digits and `/ . _ ~ - * ?`.
 */
export const EXPOSE_PATH = /^\/[A-Za-z0-9/._~*?-]{0,127}$/;

/**
 * A DNS host name (labels of [a-z0-9-], not starting or ending with `-`, 253 characters at
 * most), or `*.` followed by one: a wildcard for every subdomain. Compared in lower case.
 */
export const EXPOSE_HOST = /^(?:\*\.)?(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const exposeSchema = z
  .strictObject({
    port: portName,
    path: z.string().max(128).regex(EXPOSE_PATH, 'must start with "/" and hold only letters, digits and / . _ ~ - * ? (such as /web/*)').optional(),
    host: z
      .string()
      .max(255)
      .toLowerCase()
      .regex(EXPOSE_HOST, 'must be a DNS name such as web.example.com, optionally starting with "*." for every subdomain')
      .optional(),
  })
  .refine((e) => e.path !== undefined || e.host !== undefined, { message: 'give a path, a host, or both: a rule that matches everything would take every request', path: ['path'] });

export const HEALTH_PATH = /^\/[A-Za-z0-9/._~%?&=+-]{0,1023}$/;

export const HEALTH_PROBES = ['http', 'tcp', 'command'] as const;

/**
 * One probe kind and the timing they share. The probe keys are one object with each
 * optional, rather than a union, so a wrong key is named as such and "exactly one" is one
 * rule with one message. A command is an argv run inside the container by the engine
 * (Docker's CMD form of a health check), never a shell string on the host.
 */
export const healthCheckSchema = z
  .strictObject({
    // A probe path reaches an haproxy `http-check` line locally: no space, quote or `#` to break out of it.
    http: z.strictObject({ port: portName, path: z.string().max(1024).regex(HEALTH_PATH, 'must start with "/" and hold only letters, digits and / . _ ~ % ? & = + -') }).optional(),
    tcp: z.strictObject({ port: portName }).optional(),
    command: z.array(argText).min(1).max(64).optional(),
    intervalSeconds: z.number().int().min(1).max(300).default(10),
    timeoutSeconds: z.number().int().min(1).max(60).default(5),
    retries: z.number().int().min(1).max(10).default(3),
    startPeriodSeconds: z.number().int().min(0).max(3600).default(0),
  })
  .superRefine((h, ctx) => {
    const given = HEALTH_PROBES.filter((k) => h[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: given.length === 0 ? [] : [given[1]],
        message: given.length === 0 ? 'give exactly one probe: http, tcp or command' : `give exactly one probe, not ${given.join(' and ')}`,
      });
    }
    // Only against a valid interval: an out-of-range one is already refused by name.
    if (h.intervalSeconds >= 1 && h.intervalSeconds <= 300 && h.timeoutSeconds > h.intervalSeconds) {
      ctx.addIssue({ code: 'custom', path: ['timeoutSeconds'], message: `must not exceed intervalSeconds (${h.intervalSeconds}): a probe must end before the next starts` });
    }
  });

export const SPREADS = ['node', 'zone', 'none'] as const;

export const MAX_STOP_GRACE_SECONDS = 3600;
export const DEFAULT_STOP_GRACE_SECONDS = 30;

/**
 * The Linux capabilities a job may keep beyond NET_BIND_SERVICE (which every container
 * keeps). Only capabilities Docker already grants by default are offered — a job can
 * never hold more than a stock `docker run` would — and of those, not the ones whose
 * reach goes past the container's own files and processes: NET_RAW (forged packets and
 * ARP spoofing towards neighbours on the bridge), MKNOD (device nodes), SETPCAP and
 * SETFCAP (handing capabilities on). Outside Docker's defaults, SYS_ADMIN, NET_ADMIN,
 * SYS_PTRACE, SYS_MODULE and ALL are never offered: each breaks the isolation a shared
 * node relies on. See docs/security.md.
 */
export const ALLOWED_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETUID', 'SYS_CHROOT'] as const;

export const capabilitiesSchema = z
  .array(
    z.enum(ALLOWED_CAPABILITIES),
  )
  .max(ALLOWED_CAPABILITIES.length)
  .superRefine((caps, ctx) => {
    caps.forEach((c, i) => {
      if (caps.indexOf(c) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${c} is listed twice` });
    });
  });
