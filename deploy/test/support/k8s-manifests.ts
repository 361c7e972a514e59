/**
 * Shared by the Kubernetes specs (deploy/k8s, deploy/k8s/postgres): loading a
 * directory's manifests, and validating them offline against the Kubernetes
 * JSON schema (kubernetes-models, Kubernetes 1.27 API) and against the API's
 * TypeScript types, whose excess-property check catches the misspelled or
 * misplaced fields a JSON schema without additionalProperties lets through.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './deploy-support';

export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Where kubernetes-models keeps each API group version. */
const MODEL_MODULES: Record<string, string> = { v1: 'kubernetes-models/v1', 'apps/v1': 'kubernetes-models/apps/v1', 'policy/v1': 'kubernetes-models/policy/v1' };

/** Every object of the directory's YAML files (not its subdirectories), the kustomization left out. */
export function loadManifests(dir: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const body = doc.toJS() as Omit<Manifest, 'file'> | null;
      if (body !== null) manifests.push({ ...body, file } as Manifest);
    }
  }
  return manifests;
}

/** The resources the directory's kustomization.yaml lists. */
export function kustomizationResources(dir: string): string[] {
  return (parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0].toJS() as { resources: string[] }).resources;
}

export function body(manifest: Manifest): Record<string, unknown> {
  const { file: _file, ...rest } = manifest;
  return rest;
}

/** What the Kubernetes JSON schema finds wrong with each manifest; empty when nothing. */
export function schemaFailures(manifests: Manifest[]): string[] {
  const failures: string[] = [];
  for (const manifest of manifests) {
    const module = MODEL_MODULES[manifest.apiVersion];
    if (!module) {
      failures.push(`${manifest.file}: no schema for ${manifest.apiVersion}`);
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Model = (require(`${module}/${manifest.kind}`) as Record<string, new (data: unknown) => { validate(): void }>)[manifest.kind];
    try {
      new Model(body(manifest)).validate();
    } catch (error) {
      failures.push(`${manifest.file} ${manifest.kind}/${manifest.metadata.name}: ${(error as Error).message}`);
    }
  }
  return failures;
}

/** Type-checks every manifest as an object literal of its kubernetes-models interface. */
export function typeErrors(manifests: Manifest[]): string[] {
  const fileName = join(REPO_ROOT, 'deploy', 'test', '__k8s_manifests__.ts');
  const lines = manifests.map((m, i) => {
    const module = MODEL_MODULES[m.apiVersion];
    if (!module) return `// ${m.file}: no model for ${m.apiVersion}`;
    return `import type { I${m.kind} as T${i} } from '${module}/${m.kind}'; export const doc${i}: T${i} = ${JSON.stringify(body(m))};`;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) =>
    name === fileName ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const m = manifests[line];
    return m ? `${m.file} ${m.kind}/${m.metadata?.name}: ${message}` : message;
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, checked field by field in each test
export function findManifest<T = Record<string, any>>(manifests: Manifest[], kind: string, name: string): T {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among the manifests`);
  return found as unknown as T;
}
