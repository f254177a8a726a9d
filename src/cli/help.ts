import { CommanderError, Help, Option, type Command } from 'commander';
import { GROUPS, GROUP_TITLES, type Group } from '../options/index.js';

// Help in two tiers for the commands with many options: `--help` lists the few a first run needs (the spec's tier
// 'basic') and one example; `--help-all` lists every option under its group, experimental ones marked with what they
// measured. Groups and tiers come from the option specs (addOptions places their flags); a command places its
// other flags (--json, the distributed ones) by name.

const BASIC = new WeakSet<Option>();
const GROUP_OF = new WeakMap<Option, Group>();
const heading = (g: Group): string => `${GROUP_TITLES[g]}:`;
const ORDER = [...GROUPS.map(heading), 'Help:'];

/** Files a flag under its group for `--help-all`, and shows it in `--help` too when `basic` (for twoTierHelp). */
export function place(option: Option, group: Group = 'other', basic = false): Option {
  GROUP_OF.set(option, group);
  if (basic) BASIC.add(option);
  return option;
}

export interface Tiers {
  /** One command line a first run can copy. */
  example: string;
  /** Groups of the flags the spec did not make, by attribute name (e.g. json: 'run'); the rest go under 'other'. */
  groups?: Readonly<Record<string, Group>>;
  /** Attribute names of those flags that `--help` shows too (e.g. a required -o). */
  basic?: readonly string[];
}

/** Gives `c` the two tiers of help: call it after every flag is added. */
export function twoTierHelp(c: Command, tiers: Tiers): Command {
  for (const o of c.options) {
    if (!GROUP_OF.has(o)) place(o, tiers.groups?.[o.attributeName()] ?? 'other', tiers.basic?.includes(o.attributeName()));
    o.helpGroup(heading(GROUP_OF.get(o)!));
  }
  c.addOption(place(new Option('--help-all', 'every option, grouped; experimental ones say what they measured'), 'other', true).helpGroup('Help:'));
  let all = false;
  c.on('option:help-all', () => {
    all = true;
    c.outputHelp();
    throw new CommanderError(0, 'whittle.helpAll', '(help-all)');
  });
  const base = new Help();
  c.configureHelp({
    visibleOptions: (cmd) => base.visibleOptions(cmd).filter((o) => all || BASIC.has(o) || o.long === '--help'),
    groupItems: <T extends Command | Option>(unsorted: T[], visible: T[], groupOf: (item: T) => string): Map<string, T[]> => {
      if (!visible.every((v) => v instanceof Option)) return base.groupItems(unsorted, visible, groupOf);
      if (!all) return new Map([['Options (every option: --help-all):', visible]]);
      const groups = base.groupItems(unsorted, visible, (o) => (o as Option).long === '--help' ? 'Help:' : groupOf(o));
      const rank = (h: string): number => (ORDER.includes(h) ? ORDER.indexOf(h) : ORDER.length);
      return new Map([...groups].filter(([, items]) => items.length > 0).sort(([a], [b]) => rank(a) - rank(b)));
    },
  });
  c.addHelpText('after', () => (all ? '' : `\nExample:\n  ${tiers.example}\n`));
  return c;
}
