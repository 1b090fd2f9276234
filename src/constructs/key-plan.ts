import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Construct, type IConstruct } from 'constructs';
import { brand, CUSTOM_SYNTHESIS, hasBrand, KEY_PLAN_BRAND, nearest, TERRAFORM_APP_BRAND, TERRAFORM_STACK_BRAND } from './brand.js';
import { recordDeclaration } from './declared-at.js';
import { KeyPlanConstructError, KeyPlanSynthError } from './errors.js';
import { POLICY_FIELDS } from './fields.js';
import { renderKeyPlan, type Rendered } from './render.js';
import { propsProblems, schemaProblems } from './shape.js';
import type { KeyPlanProps, PolicyProps } from './types.js';
import { policyToYaml } from './yaml-fields.js';

const KEY_PLAN_PROPS = { ownership: 'ownership', policy: 'policy', outdir: 'outdir', projectDir: 'projectDir' } as const;

/** What cdktf (and cdktn) hand a construct's custom synthesis hook; only these fields are read. */
interface SynthesisSession {
  readonly outdir: string;
  readonly manifest?: { forStack(stack: IConstruct): { workingDirectory: string } };
}

/**
 * The root of a key plan: policy and the Providers, Teams and ApiKeys inside it. `synth()` writes keys.yaml.
 * Inside a cdktf or cdktn TerraformStack it also writes keys.yaml beside the stack's cdk.tf.json when the app
 * synthesizes.
 */
export class KeyPlan extends Construct {
  /** True for a KeyPlan from any copy of keyplan. */
  static isKeyPlan(value: unknown): value is KeyPlan {
    return hasBrand(value, KEY_PLAN_BRAND);
  }

  readonly policy: PolicyProps;
  /** keys.yaml `ownership:`; undefined: the default. */
  readonly ownership: string | undefined;
  /** Relative provider and deliver paths are relative to this directory. */
  readonly projectDir: string;
  readonly #outdir: string | undefined;

  /** @param scope undefined for a standalone plan (the root of its tree), or a cdktf/cdktn TerraformStack. */
  constructor(scope: Construct | undefined, id: string, props: KeyPlanProps = {}) {
    super(scope as Construct, id);
    brand(this, KEY_PLAN_BRAND);
    recordDeclaration(this, new.target);
    this.policy = { ...props.policy };
    this.ownership = props.ownership;
    this.projectDir = resolve(props.projectDir ?? process.cwd());
    this.#outdir = props.outdir;
    const problems = [...propsProblems(props, KEY_PLAN_PROPS), ...propsProblems(this.policy, POLICY_FIELDS).map((p) => `policy.${p}`)];
    if (problems.length === 0) problems.push(...schemaProblems({ ...(this.ownership !== undefined ? { ownership: this.ownership } : {}), policy: policyToYaml(this.policy) }, []));
    const stack = nearest(scope, TERRAFORM_STACK_BRAND);
    if (!stack && nearest(scope, TERRAFORM_APP_BRAND)) {
      problems.push('a KeyPlan directly under a cdktf/cdktn App is never synthesized; put it in a TerraformStack: new KeyPlan(stack, …)');
    }
    if (problems.length > 0) throw new KeyPlanConstructError(`KeyPlan ${this.node.path}: ${problems.join('; ')}`, new.target);
    if (stack) this.#synthesizeWithStack(stack);
    this.node.addValidation({ validate: () => this.#render(this.outdir).problems });
  }

  /** Where synth() writes: the `outdir` prop, else $KEYPLAN_OUTDIR, else keyplan.out (relative to the project directory). */
  get outdir(): string {
    return resolve(this.projectDir, this.#outdir ?? process.env.KEYPLAN_OUTDIR ?? 'keyplan.out');
  }

  /** The keys.yaml text synth() would write to `outdir`; throws KeyPlanSynthError listing every problem. */
  toYaml(outdir: string = this.outdir): string {
    return this.#checked(resolve(this.projectDir, outdir)).text;
  }

  /** Validates the whole tree, then writes keys.yaml to `outdir`; returns the file's path. */
  synth(): string {
    return this.#write(this.outdir);
  }

  #write(outDir: string): string {
    const { text, file } = this.#checked(outDir);
    mkdirSync(outDir, { recursive: true });
    const temporary = join(outDir, `.keys.yaml.${process.pid}.tmp`);
    writeFileSync(temporary, text);
    renameSync(temporary, file);
    return file;
  }

  /** Every construct's validations (keyplan's and any the program added), reported together. */
  #checked(outDir: string): Rendered {
    const rendered = this.#render(outDir);
    const others = this.node
      .findAll()
      .filter((construct) => construct !== this)
      .flatMap((construct) => construct.node.validate().map((message) => `${construct.node.path}: ${message}`));
    const problems = [...others, ...rendered.problems];
    if (problems.length > 0) throw new KeyPlanSynthError(problems);
    return rendered;
  }

  #render(outDir: string): Rendered {
    return renderKeyPlan({ plan: this, ownership: this.ownership, policy: this.policy, paths: { projectDir: this.projectDir, outDir }, now: Date.now() });
  }

  /** cdktf/cdktn call this hook on every construct of a stack when the app synthesizes (no import of either needed). */
  #synthesizeWithStack(stack: IConstruct): void {
    const hook = {
      onSynthesize: (session: SynthesisSession) => {
        const dir = session.manifest?.forStack(stack).workingDirectory ?? join('stacks', stack.node.id);
        this.#write(resolve(session.outdir, dir));
      },
    };
    Object.defineProperty(this, CUSTOM_SYNTHESIS, { value: hook, enumerable: false });
  }
}
