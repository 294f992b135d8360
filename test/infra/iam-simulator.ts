/**
 * An offline IAM evaluation of a synthesised template's Allow statements, enough to ask
 * "would this EC2 RunInstances request be authorised?": every resource the request
 * touches must be allowed by some statement whose action, resource pattern and
 * conditions all match (RunInstances is authorised per resource). CloudFormation
 * intrinsics are resolved to stable stand-ins: pseudo parameters to fixed values, a Ref
 * of a resource to `ref:<logicalId>`, a GetAtt to `getatt:<logicalId>.<attribute>`.
 * Operators: StringEquals, ArnLike, Bool — the ones the stack uses; any other fails the
 * statement closed, so a new operator cannot pass a test by being ignored.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const PSEUDO: Readonly<Record<string, string>> = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '111122223333', 'AWS::URLSuffix': 'amazonaws.com' };

export function resolve(x: unknown): string {
  if (typeof x === 'string') return x;
  const o = x as Json;
  if (o && typeof o === 'object') {
    if (typeof o.Ref === 'string') return PSEUDO[o.Ref] ?? `ref:${o.Ref}`;
    if (Array.isArray(o['Fn::GetAtt'])) return `getatt:${o['Fn::GetAtt'].join('.')}`;
    if (Array.isArray(o['Fn::Join'])) return (o['Fn::Join'][1] as unknown[]).map(resolve).join(o['Fn::Join'][0]);
  }
  throw new Error(`cannot resolve ${JSON.stringify(x)}`);
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

export interface RequestedResource {
  readonly arn: string;
  /** Condition keys as EC2 sets them for this resource of the request. */
  readonly context: Readonly<Record<string, string>>;
}

function conditionsHold(condition: Json | undefined, context: Readonly<Record<string, string>>): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, wanted] of Object.entries(entries as Json)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const values = asArray(wanted).map(resolve);
      if (operator === 'StringEquals' || operator === 'Bool') {
        if (!values.includes(actual)) return false;
      } else if (operator === 'ArnLike') {
        if (!values.some((v) => glob(v).test(actual))) return false;
      } else {
        return false;
      }
    }
  }
  return true;
}

/** The statements that allow `action` on this resource, given its context. */
export function allowingStatements(statements: readonly Json[], action: string, resource: RequestedResource): Json[] {
  return statements.filter(
    (s) =>
      s.Effect === 'Allow' &&
      asArray<string>(s.Action).some((a) => glob(a).test(action)) &&
      asArray(s.Resource).some((r) => glob(resolve(r)).test(resource.arn)) &&
      conditionsHold(s.Condition, resource.context),
  );
}

/** The resources of the request no statement allows; empty when the request is authorised. */
export function deniedResources(statements: readonly Json[], action: string, request: readonly RequestedResource[]): string[] {
  return request.filter((r) => allowingStatements(statements, action, r).length === 0).map((r) => r.arn);
}
