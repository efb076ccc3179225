/**
 * The compliance tier: cfn-lint and the five cdk-nag packs on synthesized templates, the
 * acknowledgements an app records, and the leak-canary scan of a cloud assembly.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** The five packs TESTING.md names. */
export function nagPacks(): NagPack[] {
  return [
    new AwsSolutionsChecks(),
    new HIPAASecurityChecks(),
    new NIST80053R5Checks(),
    new PCIDSS321Checks(),
    new ServerlessChecks(),
  ];
}

export interface NagFinding {
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

/**
 * Runs every pack over the app's construct tree. aws-cdk-lib 2.257 does not hand the construct
 * tree to validation plugins, so the packs are invoked directly (cdk-nag's `validateScope`),
 * which honours `Validations.of(...).acknowledge(...)` the same way.
 */
export function nagFindings(app: App): NagFinding[] {
  const findings: NagFinding[] = [];
  for (const pack of nagPacks()) {
    const report = pack.validateScope(app);
    for (const violation of report.violations) {
      for (const resource of violation.violatingResources) {
        findings.push({
          rule: violation.ruleName,
          severity: (violation as { severity?: string }).severity ?? 'error',
          path: (resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId ?? 'unknown',
          description: violation.description,
        });
      }
    }
  }
  return findings;
}

/** Unacknowledged findings of severity error, as readable lines (empty when clean). */
export function nagErrors(app: App): string[] {
  return nagFindings(app)
    .filter((finding) => finding.severity === 'error')
    .map((finding) => `${finding.rule} at ${finding.path}: ${finding.description}`);
}

export interface Acknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/** Every acknowledgement recorded anywhere in the app, sorted by path then rule. */
export function acknowledgements(scope: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const node of scope.node.findAll()) {
    // aws-cdk-lib 2.257 rewrites one growing entry; newer releases add one entry per call and
    // read them all. The union of every entry is right for both.
    const entries = node.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    const merged: Record<string, string> = Object.assign({}, ...entries.map((entry) => entry.data ?? {}));
    for (const [qualifiedId, reason] of Object.entries(merged)) {
      found.push({ path: node.node.path, rule: qualifiedId.replace(/^annotation::/i, ''), reason });
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path) || a.rule.localeCompare(b.rule));
}

/** Template files of a cloud assembly (nested assemblies included). */
export function templatesIn(outdir: string): string[] {
  const result: string[] = [];
  for (const entry of fs.readdirSync(outdir, { withFileTypes: true })) {
    const full = path.join(outdir, entry.name);
    if (entry.isDirectory() && entry.name.startsWith('assembly-')) result.push(...templatesIn(full));
    else if (entry.isFile() && entry.name.endsWith('.template.json')) result.push(full);
  }
  return result.sort();
}

export interface LintResult {
  readonly exitCode: number;
  readonly output: string;
}

/** Runs cfn-lint on the given templates; exit code 0 means clean. */
export function cfnLint(templates: string[]): LintResult {
  if (templates.length === 0) throw new Error('cfnLint: no templates given');
  const run = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...templates], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  return { exitCode: run.status ?? -1, output: `${run.stdout}${run.stderr}`.trim() };
}

/** Files under `dir` (recursively) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && fs.readFileSync(full).includes(bytes)) hits.push(full);
    }
  };
  walk(dir);
  return hits;
}
