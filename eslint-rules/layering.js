// The layering rule: every module a file loads is resolved to the top-level folder it
// lands in (or the package it names) and checked against one arrow table
// (./import-arrows.js, passed in as the rule's options by eslint.config.js).
//
// One rule with one table rather than a no-restricted-imports block per folder: flat
// config replaces a rule's options when two blocks match a file instead of merging
// them, so per-folder blocks would silently drop each other's restrictions, and a
// folder nobody listed would be allowed everything. Here a folder with no row is
// reported. Only relative specifiers can reach our folders (tsconfig has no path
// aliases); bare ones are packages.
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const BUILTINS = new Set(builtinModules);
const DESIGN = 'DESIGN.md, "Who may import whom"';

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`, `node:fs/promises` → `node:fs`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBuiltin(name) {
  return name.startsWith('node:') || BUILTINS.has(name);
}

function matches(pattern, name) {
  if (pattern === 'node:*') return isBuiltin(name);
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

function isRelative(specifier) {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

/**
 * The top-level folder `file` lies in under `root`; '' for a file at the root, null
 * outside the repository. A bare folder (`'../../report'`, which loads its index) is that
 * folder; a single segment with an extension (`'../package.json'`) is a root file.
 */
function topFolder(root, file) {
  const rel = path.relative(root, file);
  if (rel === '') return '';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  if (parts.length > 1) return parts[0];
  return path.extname(rel) === '' || isDirectory(file) ? rel : '';
}

function isDirectory(file) {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function list(folders) {
  return folders.length === 0 ? 'none of ours' : folders.map((f) => `${f}/`).join(', ');
}

/** The string a module-loading node names, or null when it is computed at run time. */
function literal(node) {
  if (!node) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return null;
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce which top-level folders (and packages) each folder may import' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layers: { type: 'object' },
          pairs: { type: 'object' },
          free: { type: 'object' },
        },
        required: ['root', 'layers', 'free'],
        additionalProperties: false,
      },
    ],
  },

  create(context) {
    const { root, layers, pairs = {}, free } = context.options[0];
    const from = topFolder(root, context.filename);
    // Files at the root (config), outside the repository, or in a free folder load anything.
    if (from === null || from === '' || from in free) return {};
    const layer = layers[from];
    if (!layer) {
      return {
        Program(node) {
          context.report({
            node,
            loc: { line: 1, column: 0 },
            message: `${from}/ has no row in the import arrows (eslint-rules/import-arrows.js): add one naming the folders it may import and why.`,
          });
        },
      };
    }
    const allowed = `${from}/ may import ${list(layer.may)}`;

    function checkFolder(node, specifier) {
      const target = path.resolve(path.dirname(context.filename), specifier);
      const to = topFolder(root, target);
      if (to === from) return;
      if (to === null) {
        context.report({ node, message: `'${specifier}' leaves the repository: ${from}/ may import only folders of this repository (${DESIGN}).` });
      } else if (to === '') {
        context.report({ node, message: `${from}/ may not import '${specifier}' at the repository root: the root holds build configuration, not code (${DESIGN}; ${allowed}).` });
      } else if (to in free) {
        context.report({ node, message: `${from}/ may not import ${to}/: ${free[to]} (${DESIGN}; ${allowed}).` });
      } else if (!(to in layers)) {
        context.report({ node, message: `${from}/ imports ${to}/, a folder with no row in the import arrows (eslint-rules/import-arrows.js): add one naming the folders it may import and why.` });
      } else if (!layer.may.includes(to)) {
        const why = pairs[`${from}->${to}`] ?? layer.role;
        context.report({ node, message: `${from}/ may not import ${to}/: ${why} (${DESIGN}; ${allowed}).` });
      }
    }

    function checkPackage(node, specifier) {
      const rules = layer.packages;
      if (!rules) return;
      const name = packageOf(specifier);
      const denied = rules.only ? !rules.only.some((p) => matches(p, name)) : (rules.not ?? []).some((p) => matches(p, name));
      if (denied) context.report({ node, message: `${from}/ may not import the package '${name}': ${rules.why} (${DESIGN}).` });
    }

    function check(node, source) {
      const specifier = literal(source);
      if (specifier === null) return;
      if (isRelative(specifier)) checkFolder(node, specifier);
      else checkPackage(node, specifier);
    }

    return {
      // `import type` and `export type … from` count: a type import is still a dependency
      // between folders, and the arrows are about what a folder knows, not what it runs.
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportEqualsDeclaration: (node) => {
        if (node.moduleReference.type === 'TSExternalModuleReference') check(node, node.moduleReference.expression);
      },
      // `typeof import('../x')` and `import('../x').T` in type positions.
      TSImportType: (node) => check(node, node.source ?? node.argument?.literal),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length >= 1) check(node, node.arguments[0]);
      },
    };
  },
};
