import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/**
 * Must equal SYNC_COMMAND in lambdas/adapters/ssm-node-commander.ts (infra imports no
 * runtime code; test/infra/stack.test.ts compares them). A constant: the document has
 * no parameters, so no caller of SendCommand can add a word to what runs.
 */
export const SYNC_DOCUMENT_COMMAND = 'stowage-agent sync';

/**
 * The exec document's parameter rules. Must equal EXEC_CONTAINER_PATTERN and
 * EXEC_ARGV_PATTERN in cli/commands/exec-request.ts (the test compares them).
 *
 * The container name is what the agent names a copy's container:
 * `stowage-<job id>.<slot>-g<generation>`.
 *
 * The argv is one or more words separated by single spaces, each made only of
 * characters no POSIX shell gives a meaning to (letters, digits, `_ . / : = , @ % + -`):
 * no quote, `$`, backquote, `;`, `&`, `|`, `<`, `>`, parentheses, braces, brackets,
 * `*`, `?`, `~`, `!`, `#`, backslash, tab or newline. Session Manager substitutes the
 * parameter into the fixed command line the document holds, so the shell that runs it
 * splits these words and does nothing else with them: the argv arrives as typed, and
 * no value SSM accepts can add a command, a redirection or an expansion. An argument
 * outside this alphabet (a space inside one argument, a quote) cannot be sent in AWS;
 * the CLI refuses it before the call, naming the argument.
 */
export const EXEC_CONTAINER_PATTERN = '^stowage-job-[0-9a-f]{20}\\.[0-9]{1,6}(\\.g[0-9]{1,9})?-g[0-9]{1,9}$';
export const EXEC_ARGV_PATTERN = '^[A-Za-z0-9_./:=,@%+-]+( [A-Za-z0-9_./:=,@%+-]+){0,63}$';

/**
 * The two SSM documents the stack owns, so that neither the scheduler nor a user runs
 * an AWS-owned document that takes any shell command:
 *
 * - `sync` (Command): the one fixed `stowage-agent sync`, no parameters; the scheduler
 *   role may send only this document (infra/scheduler.ts).
 * - `exec` (Session, InteractiveCommands): `docker exec -i -t <container> <argv>` with both
 *   parameters bound by allowedPattern (above); what `stowage exec` starts in AWS. The
 *   stack grants no one ssm:StartSession: operators grant it to the principals they
 *   allow, on this document and on instances with the stack tag (docs/security.md).
 *   Sessions are recorded by CloudTrail (StartSession names the document, the instance
 *   and the parameters).
 */
export class NodeDocuments extends Construct {
  readonly sync: ssm.CfnDocument;
  readonly exec: ssm.CfnDocument;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.sync = new ssm.CfnDocument(this, 'Sync', {
      documentType: 'Command',
      // CloudFormation names it (<stack>-<id>-<suffix>): a fixed name would collide between
      // two stacks in one account and region, and replacing it would need a new name anyway.
      updateMethod: 'Replace',
      content: {
        schemaVersion: '2.2',
        description: 'Stowage: ask the node agent to converge now (stowage-agent sync). Takes no parameters.',
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'sync',
            precondition: { StringEquals: ['platformType', 'Linux'] },
            inputs: { runCommand: [SYNC_DOCUMENT_COMMAND], timeoutSeconds: '60' },
          },
        ],
      },
    });
    this.exec = new ssm.CfnDocument(this, 'Exec', {
      documentType: 'Session',
      updateMethod: 'Replace',
      content: {
        schemaVersion: '1.0',
        description: 'Stowage: run a command in one copy\'s container (stowage exec). The container and the argv are bound by allowedPattern: words of shell-inert characters only.',
        sessionType: 'InteractiveCommands',
        parameters: {
          container: {
            type: 'String',
            description: 'The copy\'s container: stowage-<job id>.<slot>-g<generation>',
            allowedPattern: EXEC_CONTAINER_PATTERN,
          },
          argv: {
            type: 'String',
            description: 'The command and its arguments, separated by single spaces; letters, digits and _ . / : = , @ % + - only',
            allowedPattern: EXEC_ARGV_PATTERN,
          },
        },
        properties: {
          linux: {
            commands: 'docker exec -i -t {{ container }} {{ argv }}',
            runAsElevated: true,
          },
        },
      },
    });
  }

  /** `arn:aws:ssm:<region>:<account>:document/<name>` of a document of this stack. */
  static arnOf(scope: Construct, document: ssm.CfnDocument): string {
    return Stack.of(scope).formatArn({ service: 'ssm', resource: 'document', resourceName: document.ref });
  }
}
