/**
 * The README's TypeScript examples compile against the library as it is: docs that drift from
 * the code fail here.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');

function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts(?: [^\n]*)?\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe('README', () => {
  test('holds at least one TypeScript example', () => {
    expect(typescriptBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(0);
  });

  test.each(typescriptBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map((code, index) => [index + 1, code]))(
    'example %i compiles against src/',
    (_index, code) => {
      // GIVEN the example, importing the library from the source tree instead of the package
      // (inside the project, so that aws-cdk-lib resolves from its node_modules)
      const dir = fs.mkdtempSync(path.join(ROOT, 'test', '.readme-example-'));
      const file = path.join(dir, 'example.ts');
      fs.writeFileSync(file, String(code).replace(/from 'cdk-secure-config'/g, `from ${JSON.stringify(path.join(ROOT, 'src'))}`));

      // WHEN
      const program = ts.createProgram([file], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      });
      const problems = ts.getPreEmitDiagnostics(program)
        .filter((d) => d.file?.fileName === file)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      fs.rmSync(dir, { recursive: true, force: true });

      // THEN
      expect(problems).toEqual([]);
    },
  );
});
