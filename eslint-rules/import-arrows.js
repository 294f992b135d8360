// Who may import whom: the one table the layering rule (./layering.js) checks every
// relative import against. Arrows point at what is used; a folder may always import itself.
//
// Why they point this way: the code that decides (core/) sits at the bottom and uses
// nothing, so it runs the same in Lambda, the simulator and tests. The pass around it
// (control/) uses only core/ and declares the ports that the adapters plug into, so the
// simulator and production share one runPass. The wire shapes (contract/) use nothing of
// ours, so both ends of every call can take them without pulling in the other end. The
// entry points sit on top: lambdas/ and agent/ meet only through the API and the tables;
// local/ wires those same deployed pieces on one machine; cli/ is the front door. infra/
// deploys code it never loads: it reads contract/'s route table and names handler files
// by path.
//
// `packages` narrows what a folder may take from node_modules where that is part of its
// place in the layering: `not` lists forbidden packages, `only` the allowed ones (anything
// else is reported). Patterns: an exact package name, `@scope/*`, or `node:*` for Node's
// built-in modules with or without the `node:` prefix. core/'s purity (no I/O, clock,
// randomness or environment) is a rule set of its own in eslint.config.js.

const LAYERS = {
  core: {
    may: [],
    role: 'core is the pure domain every other folder builds on, so it uses none of them',
  },
  contract: {
    may: [],
    role: 'contract is the wire shapes alone, taken by both ends of every call without pulling in either end',
    packages: {
      only: ['zod', 'node:*', '@smithy/*', '@aws-sdk/credential-provider-node'],
      why: "contract holds zod schemas and the request signer, so it takes only zod, Node's built-ins and the signing libraries (@smithy/*, @aws-sdk/credential-provider-node): no SDK client, Docker or CDK reaches every caller of the API",
    },
  },
  control: {
    may: ['core'],
    role: 'control is the pass around the core and the ports adapters plug into; it runs unchanged in Lambda, the simulator and tests',
    packages: {
      not: ['@aws-sdk/*', '@smithy/*', 'dockerode', 'aws-cdk-lib', 'constructs'],
      why: 'control holds no AWS SDK, no Docker and no CDK, so the simulator and tests run the same pass as Lambda; the adapters in lambdas/, agent/ and local/ bring those in behind its ports',
    },
  },
  report: {
    may: ['core'],
    role: "report is figures and renderings over core's model, the same for the CLI, the simulator and the report route",
  },
  sim: {
    may: ['control', 'core', 'report'],
    role: "the simulator replays traces through control's runPass over the in-memory fakes, with only time simulated",
  },
  lambdas: {
    may: ['control', 'core', 'contract', 'report'],
    role: "lambdas is the deployed control plane: handlers over control's pass and ports, parsing and answering with contract",
  },
  agent: {
    may: ['control', 'core', 'contract'],
    role: "agent runs on the node: its runtime fills control's port, core's reconcile table decides, contract's API carries the heartbeat",
  },
  local: {
    may: ['lambdas', 'agent', 'control', 'core', 'contract'],
    role: "local runs the deployed pieces (handlers, agent) on one machine; it reads infra's synthesised template, never infra's code",
  },
  cli: {
    may: ['contract', 'sim', 'local', 'report', 'core'],
    role: 'cli is the front door: it calls the API through contract and runs the simulator, the local cloud and the report in process',
  },
  infra: {
    may: ['contract'],
    role: "infra deploys code it never loads: it reads contract's route table and names handler files by path",
  },
};

// Reasons more telling than the importing folder's role.
const PAIRS = {
  'lambdas->agent': 'lambdas and agent meet only through the API and the tables',
  'agent->lambdas': 'lambdas and agent meet only through the API and the tables',
};

// Folders outside the layering: they may import anything, and no layer may import them.
const FREE = {
  test: 'tests may import anything, and nothing shipped depends on a test or its helpers',
  scripts: 'scripts are tools run by hand or by npm, not code to build on',
  bin: 'bin/ holds the executables; nothing imports an entry point',
  'eslint-rules': 'eslint-rules/ holds the lint rules, not code to build on',
};

module.exports = { LAYERS, PAIRS, FREE };
