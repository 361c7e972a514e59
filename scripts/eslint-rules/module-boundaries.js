/**
 * The module boundaries of td-sync (docs/architecture.md), as an ESLint rule:
 *
 * - a lib is used through its index: `@td-sync/storage`, never
 *   `@td-sync/storage/sqlite/...` (its internals may move at any time);
 * - a relative import never leaves its package (`libs/<name>/` or
 *   `apps/<name>/`): another package is reached through `@td-sync/<name>`;
 * - nothing in libs/ imports from apps/ (the app depends on the libs, never
 *   the other way round), nor its own lib through the alias.
 *
 * Every kind of import counts, type-only ones included: a type reaching into
 * apps/ is what once kept libs/ from type-checking alone.
 */
const path = require('node:path');

const ALIAS = /^@td-sync\/([^/]+)(?:\/(.+))?$/;

/** `{ kind: 'libs' | 'apps', name }` of the package a repository-relative path lies in, or undefined. */
function packageOf(relativePath) {
  const [top, name] = relativePath.split(/[\\/]/);
  return (top === 'libs' || top === 'apps') && name ? { kind: top, name } : undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep imports within the module boundaries of td-sync: lib indexes only, no libs → apps' },
    schema: [],
    messages: {
      deepImport: "'{{source}}' reaches past the index of @td-sync/{{name}}: import what it exports from '@td-sync/{{name}}'",
      ownAlias: "'{{source}}' is this lib's own alias: import the lib's own files by relative path",
      crossPackage: "'{{source}}' reaches into {{target}}: import it through '@td-sync/{{name}}'",
      leavesPackage: "'{{source}}' leaves {{own}}: a lib imports only its own files and other libs' indexes",
      libToApp: "'{{source}}' imports from apps/: libs must not depend on the app; move what is shared into a lib",
    },
  },

  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename);
    const own = packageOf(file);
    if (!own || file.startsWith('..')) return {};
    const ownDir = `${own.kind}/${own.name}`;

    function check(node, source) {
      if (typeof source !== 'string') return;
      const alias = ALIAS.exec(source);
      if (alias) {
        const [, name, rest] = alias;
        if (own.kind === 'libs' && name === own.name) context.report({ node, messageId: 'ownAlias', data: { source } });
        else if (rest !== undefined) context.report({ node, messageId: 'deepImport', data: { source, name } });
        return;
      }
      let target;
      if (source.startsWith('.')) target = path.relative(root, path.resolve(path.dirname(context.filename), source));
      else if (/^(libs|apps)\//.test(source)) target = source; // resolvable through tsconfig's baseUrl
      else return; // a package from node_modules
      const into = packageOf(target);
      if (into && into.kind === own.kind && into.name === own.name) return;
      if (own.kind === 'libs' && (into?.kind === 'apps' || target.split(/[\\/]/)[0] === 'apps')) {
        context.report({ node, messageId: 'libToApp', data: { source } });
      } else if (into?.kind === 'libs') {
        context.report({ node, messageId: 'crossPackage', data: { source, target: `libs/${into.name}`, name: into.name } });
      } else if (own.kind === 'libs' || into) {
        context.report({ node, messageId: 'leavesPackage', data: { source, own: ownDir } });
      }
    }

    const sourceOf = (node) => node.source && node.source.value;
    return {
      ImportDeclaration: (node) => check(node, sourceOf(node)),
      ExportNamedDeclaration: (node) => check(node, sourceOf(node)),
      ExportAllDeclaration: (node) => check(node, sourceOf(node)),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
      TSImportType: (node) => {
        const argument = node.argument && node.argument.type === 'TSLiteralType' ? node.argument.literal : node.argument;
        check(node, argument && argument.value);
      },
      TSExternalModuleReference: (node) => check(node, node.expression && node.expression.value),
      CallExpression: (node) => {
        const [first] = node.arguments;
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && first && first.type === 'Literal') check(node, first.value);
      },
    };
  },
};
