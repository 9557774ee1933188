/**
 * Synthesizes the LeadPilot app the way `cdk synth` does (context from cdk.json plus overrides, cdk-nag
 * AwsSolutions checks on) into a temporary folder, and returns the template and the unacknowledged findings.
 * Bundling runs esbuild for each function, so each test file synthesizes once per stage, in `beforeAll`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import * as z from 'zod';
import { createLeadPilotApp, type LeadPilotStack } from '#infra/stack';

/**
 * Timeout of a hook or test that synthesizes the app: bundling five functions takes seconds on an idle machine
 * but minutes on a loaded one.
 */
export const SYNTH_TIMEOUT_MS = 300_000;

const cdkJsonSchema = z.object({ app: z.string(), context: z.record(z.string(), z.unknown()) });

/** The `context` of the repository's cdk.json. */
export function cdkJsonContext(): Record<string, unknown> {
  return cdkJsonSchema.parse(JSON.parse(readFileSync(join(process.cwd(), 'cdk.json'), 'utf8'))).context;
}

const reportSchema = z.object({
  pluginReports: z.array(
    z.object({
      pluginName: z.string(),
      violations: z.array(
        z.object({
          ruleName: z.string(),
          severity: z.string(),
          violatingConstructs: z.array(z.object({ constructPath: z.string() })),
        }),
      ),
    }),
  ),
});

/** One unacknowledged finding of a validation plugin. */
export interface Finding {
  rule: string;
  severity: string;
  path: string;
}

/**
 * Synthesizes an app and returns the findings of its validation plugins. An error finding makes synthesis
 * throw; the report is written before that, so it is read in both cases.
 */
export function synthesizeWithFindings(app: App): Finding[] {
  const reportFile = join(app.outdir, 'validation-report.json');
  try {
    app.synth();
  } catch (error) {
    if (!existsSync(reportFile)) {
      throw error;
    }
  }
  const report = reportSchema.parse(JSON.parse(readFileSync(reportFile, 'utf8')));
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        rule: violation.ruleName,
        severity: violation.severity,
        path: construct.constructPath,
      })),
    ),
  );
}

export interface SynthesizedStack {
  app: App;
  stack: LeadPilotStack;
  template: Template;
  findings: Finding[];
}

/** Cloud assembly folders of this test file; tests read them after synthesis, so they go when the file ends. */
const outdirs: string[] = [];
afterAll(() => {
  for (const outdir of outdirs.splice(0)) {
    rmSync(outdir, { recursive: true, force: true });
  }
});

/** Synthesizes the LeadPilot app with cdk.json's context and the given overrides. */
export function synthesizeLeadPilot(overrides: Record<string, unknown> = {}): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'leadpilot-cdk-'));
  outdirs.push(outdir);
  const { app, stack } = createLeadPilotApp({ context: { ...cdkJsonContext(), ...overrides }, outdir });
  const findings = synthesizeWithFindings(app);
  return { app, stack, template: templateOf(app, stack), findings };
}

function templateOf(app: App, stack: Stack): Template {
  return Template.fromJSON(JSON.parse(readFileSync(join(app.outdir, stack.templateFile), 'utf8')));
}

/** Returns every resource of a type as `[logicalId, resource]` pairs. */
export function resourcesOfType(
  template: Template,
  type: string,
): [string, { Properties?: Record<string, unknown> } & Record<string, unknown>][] {
  return Object.entries(template.findResources(type));
}

/** Returns the properties of the one resource of a type that matches the predicate; throws when there is none. */
export function propertiesOf(
  template: Template,
  type: string,
  predicate: (logicalId: string, properties: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> {
  const match = resourcesOfType(template, type).find(([logicalId, resource]) =>
    predicate(logicalId, resource.Properties ?? {}),
  );
  if (match === undefined) {
    throw new Error(`No ${type} resource matches`);
  }
  return match[1].Properties ?? {};
}
