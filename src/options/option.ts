import { z } from 'zod';

/**
 * One option of an API function, and the CLI flag and config key that set it: the only place an option is declared.
 * `schema` checks a typed value (from an API call or a YAML config); `fromString` turns a flag's text into one.
 */
export interface Opt<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** One line for `--help` and the reference. */
  readonly help: string;
  /** The flag's argument in `--help`, e.g. '<n>'; absent for a switch (a boolean flag). */
  readonly arg?: string;
  /** Text of a flag (or a string in a config) to a value for `schema`; absent: the text itself. */
  readonly fromString?: (s: string) => unknown;
  /** Commander flags when they differ from `--kebab-name <arg>`, e.g. '-o, --output <dir>' or '--no-distill'. */
  readonly flags?: string;
  /** `--help`'s line when the flag reads otherwise than the option, e.g. for a `--no-` switch. */
  readonly flagHelp?: string;
  /** Other names a config file may use for it (e.g. 'output' for 'out'). */
  readonly aliases?: readonly string[];
  /** The flag may be given several times, its texts joined by commas (for a list option, e.g. `--loss a=kl --loss b=mse`). */
  readonly repeatable?: boolean;
  /** false: only the API takes it (callbacks, models, signals). */
  readonly cli?: boolean;
  /** The default as `--help` shows it. */
  readonly defaultText?: string;
  /** Where `--help-all` and docs/options.md list it; absent: 'other'. */
  readonly group?: Group;
  /** 'basic': one of the few options a first run needs, which `--help` shows; absent: `--help-all` only. */
  readonly tier?: 'basic';
  /** Marks it experimental, saying what it measured (BENCHMARKS.md), e.g. '+0.07 ± 0.22 points on resnet-small, inside the seed spread'. */
  readonly experimental?: string;
}

/** The groups of `--help-all` and docs/options.md, in their order. */
export const GROUPS = ['model', 'data', 'pruning', 'distillation', 'quantization', 'training', 'run', 'distributed', 'other'] as const;
export type Group = (typeof GROUPS)[number];
/** Each group's heading. */
export const GROUP_TITLES: Readonly<Record<Group, string>> = {
  model: 'Models', data: 'Data', pruning: 'Pruning', distillation: 'Distillation', quantization: 'Quantization', training: 'Training', run: 'Run control', distributed: 'Distributed', other: 'Other',
};

/** The option placed in a help group, and in `--help` too with tier 'basic' (see Opt). */
export function placed<O extends Opt>(group: Group, o: O, more: Pick<Opt, 'tier' | 'experimental'> = {}): O {
  return { ...o, group, ...more };
}

/** `--help`'s text of an option: its line, the default, and what an experimental one measured. */
export function helpLine(o: Opt): string {
  const line = o.flagHelp ?? o.help;
  const withDefault = o.defaultText === undefined || o.flags?.startsWith('--no-') ? line : `${line} (default ${o.defaultText})`;
  return o.experimental === undefined ? withDefault : `${withDefault} [experimental; measured ${o.experimental}]`;
}

/** A command's options: name (camelCase, as in the API) to declaration. */
export type Spec = Readonly<Record<string, Opt>>;

/** The zod shape of a spec. */
export type Shape<D extends Spec> = { -readonly [K in keyof D]: D[K]['schema'] };
/** Optional keys stay optional, without `| undefined` (so that the types fit exactOptionalPropertyTypes callees). */
export type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };
/** The options object an API function takes. */
export type OptionsOf<D extends Spec> = Defined<z.input<z.ZodObject<Shape<D>, z.core.$strict>>>;
/** The options after checking: defaults filled. */
export type CheckedOf<D extends Spec> = Defined<z.output<z.ZodObject<Shape<D>, z.core.$strict>>>;

/** The zod object that checks a whole options object (unknown keys rejected). */
export function objectOf<D extends Spec>(spec: D): z.ZodObject<Shape<D>, z.core.$strict> {
  const shape = Object.fromEntries(Object.entries(spec).map(([k, o]) => [k, o.schema])) as Shape<D>;
  return z.strictObject(shape);
}

type Extra = Omit<Opt, 'schema' | 'help'>;
const toNumber = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s));
const toList = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

function make<S extends z.ZodType>(schema: S, help: string, extra: Extra): Opt<S> {
  return { schema, help, ...extra };
}

/** A whole number >= min (and <= max). */
export function int(help: string, min: number, extra: Extra & { max?: number } = {}) {
  const { max, ...rest } = extra;
  const msg = max === undefined ? `expected an integer >= ${min}` : `expected an integer in [${min}, ${max}]`;
  const s = z.int({ error: msg }).min(min, { error: msg });
  return make(max === undefined ? s : s.max(max, { error: msg }), help, { arg: '<n>', fromString: toNumber, ...rest });
}

/** A finite number that `ok` accepts; `msg` says which (e.g. 'must be in (0, 1]'). */
export function num(help: string, ok: (x: number) => boolean, msg: string, extra: Extra = {}) {
  return make(z.number({ error: msg }).refine(ok, { error: msg }), help, { arg: '<x>', fromString: toNumber, ...extra });
}

/** A list of numbers that `ok` accepts one by one; `msg` names what each must be. Flags take them comma-separated. */
export function numList(help: string, ok: (x: number) => boolean, msg: string, extra: Extra = {}) {
  const item = z.number({ error: msg }).refine(ok, { error: msg });
  return make(z.array(item, { error: 'expected a list of numbers' }).min(1, { error: 'needs at least one value' }).readonly(), help, {
    arg: '<list>', fromString: (s: string) => toList(s).map(toNumber), ...extra,
  });
}

/** One of a fixed set of words. */
export function choice<const T extends readonly [string, ...string[]]>(help: string, values: T, extra: Extra = {}) {
  const listed = values.every((v) => help.includes(v)) ? help : `${help}: ${values.join(', ')}`;
  return make(z.enum(values, { error: `expected one of ${values.join(', ')}` }), listed, { arg: '<name>', ...extra });
}

/** Free text (a path, a dataset spec). */
export function text(help: string, extra: Extra = {}) {
  return make(z.string({ error: 'expected text' }).min(1, { error: 'must not be empty' }), help, { arg: '<text>', ...extra });
}

/** A list of words; flags take them comma-separated. */
export function textList(help: string, extra: Extra = {}) {
  return make(z.array(z.string({ error: 'expected text' }), { error: 'expected a list of names' }).readonly(), help, { arg: '<list>', fromString: toList, ...extra });
}

/** A switch. */
export function flag(help: string, extra: Extra = {}) {
  return make(z.boolean({ error: 'expected true or false' }), help, {
    fromString: (s: string) => (s === 'true' ? true : s === 'false' ? false : s), ...extra,
  });
}

/** A value only the API takes (a callback, a model, a signal), checked by `is`. */
export function apiOnly<T>(help: string, is: (v: unknown) => boolean, what: string) {
  return make(z.custom<T>(is, { error: `expected ${what}` }), help, { cli: false });
}

/** The option may be left out. */
export function optional<S extends z.ZodType>(o: Opt<S>): Opt<z.ZodOptional<S>> {
  return { ...o, schema: o.schema.optional() };
}

/** The option may be left out, and then is `value`. */
export function withDefault<S extends z.ZodType>(o: Opt<S>, value: z.util.NoUndefined<z.output<S>>): Opt<z.ZodDefault<S>> {
  return { defaultText: Array.isArray(value) ? value.join(',') : String(value), ...o, schema: o.schema.default(value) };
}

/** Text matching `re`; `msg` says what is expected. */
export function pattern(help: string, re: RegExp, msg: string, extra: Extra = {}) {
  return make(z.string({ error: msg }).regex(re, { error: msg }), help, { arg: '<text>', ...extra });
}
