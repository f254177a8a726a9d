import { Option, type Command } from 'commander';
import { ConfigError } from '../errors.js';
import { checkOptions, helpLine, readConfig, type CheckedOf, type ConfigValues, type OptionsOf, type Spec } from '../options/index.js';
import { place } from './help.js';

// The bridge from an option spec to commander: flags are made from the spec, and the flags given (over a --config
// file, over the defaults) are checked by the same schema as an API call. Errors name an option the way it was set.

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flags of option `key`, e.g. '--train-subset <n>'. */
function flagsOf(key: string, o: Spec[string]): string {
  return o.flags ?? `--${kebab(key)}${o.arg ? ` ${o.arg}` : ''}`;
}

/** The long flag alone, e.g. '--output'. */
function longFlag(key: string, o: Spec[string]): string {
  return new Option(flagsOf(key, o)).long ?? `--${kebab(key)}`;
}

/** Adds one flag per CLI option of the spec (except `omit`), in its help group, plus --config when `config` is set. */
export function addOptions(c: Command, spec: Spec, o: { omit?: readonly string[]; config?: boolean } = {}): Command {
  for (const [key, opt] of Object.entries(spec)) {
    if (opt.cli === false || o.omit?.includes(key)) continue;
    const option = new Option(flagsOf(key, opt), helpLine(opt));
    if (opt.repeatable) option.argParser((v: string, previous: unknown) => (typeof previous === 'string' ? `${previous},${v}` : v));
    c.addOption(place(option, opt.group, opt.tier === 'basic'));
  }
  if (o.config) c.addOption(place(new Option('--config <file>', 'a YAML file of options (camelCase option names or flag names); flags override it'), 'run'));
  return c;
}

/** Names an option in errors: its flag, or the config file and key when it came from there. */
function namer(spec: Spec, config: ConfigValues | undefined, fromCli: Set<string>): (key: string) => string {
  return (key) => {
    const opt = spec[key];
    if (!opt) return key;
    if (!fromCli.has(key) && config?.written.has(key)) return `${config.path}: ${config.written.get(key)}`;
    return longFlag(key, opt);
  };
}

/**
 * The options from the flags given over the --config file, plus `extra` (positional arguments): checked, with
 * defaults (`options`), and as given (`given`, for functions that treat an option left out differently).
 */
export function readOptions<D extends Spec>(c: Command, spec: D, extra: Record<string, unknown> = {}): { options: CheckedOf<D>; given: OptionsOf<D>; name: (key: string) => string } {
  const flags = c.opts<Record<string, unknown>>();
  const config = typeof flags['config'] === 'string' ? readConfig(flags['config'], spec) : undefined;
  const values: Record<string, unknown> = { ...config?.values };
  const written: Record<string, string> = {};
  const fromCli = new Set<string>();
  for (const [key, opt] of Object.entries(spec)) {
    if (opt.cli === false) continue;
    const attr = new Option(flagsOf(key, opt)).attributeName();
    if (c.getOptionValueSource(attr) !== 'cli') continue;
    const v = flags[attr];
    if (typeof v === 'string') {
      written[key] = v;
      values[key] = opt.fromString ? opt.fromString(v) : v;
    } else values[key] = v;
    fromCli.add(key);
  }
  Object.assign(values, extra);
  const name = namer(spec, config, fromCli);
  const options = checkOptions(spec, values, { name, written: (key) => written[key] });
  return { options, given: values as OptionsOf<D>, name };
}

/** Runs `fn`; a ConfigError about an option of the spec is re-raised naming the option as the user set it. */
export async function namingErrors<T>(spec: Spec, name: (key: string) => string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConfigError && spec[e.path] && name(e.path) !== e.path) throw new ConfigError(name(e.path), e.reason, e.hint);
    throw e;
  }
}
