// Help in two tiers: `--help` shows the options a first run needs and one example in at most 40 lines; `--help-all`
// shows every option of the spec (and the command's other flags) under its group, experimental ones marked with what
// they measured. An option declared without a group or tier (one another branch adds) lands under 'Other' in
// --help-all only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommanderError } from 'commander';
import { compressSpec, evaluateSpec, pruneSpec, trainTeacherSpec, type Spec } from '../../src/options/index.js';
import { optional, text } from '../../src/options/option.js';
import { addOptions } from '../../src/cli/options.js';
import { twoTierHelp } from '../../src/cli/help.js';
import { program } from '../../src/cli/main.js';
import { runCli } from './run-cli.js';

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const longFlag = (key: string, opt: Spec[string]): string => opt.flags?.match(/--[a-z-]+/)?.[0] ?? `--${kebab(key)}`;
const listed = (out: string, flag: string): boolean => new RegExp(`^\\s+(-\\w, )?${flag}\\b`, 'm').test(out);

/** Each flag's entry in a help text (its line and the lines it wraps onto), by long flag, whitespace collapsed. */
function entries(out: string): Map<string, string> {
  const m = new Map<string, string>();
  let flag: string | undefined;
  for (const line of out.split('\n')) {
    const start = /^ {2}(?:-\w, )?(--[a-z-]+)/.exec(line);
    if (start) m.set((flag = start[1]!), line.trim());
    else if (flag && /^ {6,}\S/.test(line)) m.set(flag, `${m.get(flag)!} ${line.trim()}`);
    else flag = undefined;
  }
  return m;
}

/** The lines of one group of --help-all, from its heading to the blank line after it. */
function group(out: string, title: string): string {
  const at = out.indexOf(`\n${title}:\n`);
  assert.ok(at >= 0, `no group ${title}`);
  return out.slice(at + 1).split('\n\n')[0]!;
}

const COMMANDS: [string, Spec][] = [['compress', compressSpec], ['train-teacher', trainTeacherSpec], ['prune', pruneSpec], ['eval', evaluateSpec]];

test('--help shows the first-run options and an example in at most 40 lines, --help-all every option', () => {
  for (const [name, spec] of COMMANDS) {
    const basic = runCli([name, '--help']);
    const all = runCli([name, '--help-all']);
    assert.equal(basic.status, 0, basic.stderr);
    assert.equal(all.status, 0, all.stderr);
    const lines = basic.stdout.trimEnd().split('\n').length;
    assert.ok(lines <= 40, `${name} --help: ${lines} lines`);
    assert.match(basic.stdout, new RegExp(`Example:\\n  whittle ${name} `));
    assert.match(basic.stdout, /--help-all/);
    for (const [key, opt] of Object.entries(spec)) {
      if (opt.cli === false) continue;
      const flag = longFlag(key, opt);
      assert.ok(listed(all.stdout, flag), `${name}: ${flag} missing from --help-all`);
      assert.equal(listed(basic.stdout, flag), opt.tier === 'basic', `${name}: ${flag} ${opt.tier === 'basic' ? 'missing from' : 'should not be in'} --help`);
    }
    // the command's flags that no spec makes (--json, --config, the distributed ones) are in --help-all too
    const cmd = program().commands.find((c) => c.name() === name)!;
    for (const o of cmd.options) assert.ok(listed(all.stdout, o.long!), `${name}: ${o.long} missing from --help-all`);
  }
});

test('compress --help names what a first run needs and no experimental option', () => {
  const out = runCli(['compress', '--help']).stdout;
  for (const flag of ['--teacher', '--data', '--output', '--ratios', '--target', '--steps', '--epochs', '--resume']) assert.ok(listed(out, flag), flag);
  for (const flag of ['--temperature', '--teacher-views', '--schedule', '--nproc', '--epochs-per-step']) assert.ok(!listed(out, flag), flag);
});

test('compress --help-all groups its options, in order, and marks the experimental ones with what they measured', () => {
  const out = runCli(['compress', '--help-all']).stdout;
  const titles = ['Models', 'Data', 'Pruning', 'Distillation', 'Training', 'Run control', 'Distributed'];
  const at = titles.map((t) => out.indexOf(`\n${t}:\n`));
  assert.deepEqual([...at].sort((a, b) => a - b), at, `groups out of order: ${at.join(', ')}`);
  assert.ok(at.every((i) => i >= 0));
  const where: [string, string][] = [
    ['--ratios', 'Pruning'], ['--fade-epochs', 'Pruning'], ['--temperature', 'Distillation'], ['--teacher-views', 'Distillation'],
    ['--epochs', 'Training'], ['--ema', 'Training'], ['--train-subset', 'Data'], ['--seed', 'Run control'], ['--json', 'Run control'], ['--nproc', 'Distributed'],
  ];
  for (const [flag, title] of where) assert.ok(listed(group(out, title), flag), `${flag} not under ${title}`);
  const all = entries(out);
  assert.match(all.get('--teacher-views')!, /\[experimental; measured flip: \+0\.07 ± 0\.22 points on resnet-small .*inside the seed spread\]$/);
  assert.match(all.get('--schedule')!, /\[experimental; measured onecycle: \+0\.13 and −0\.01 points .*no gain over cosine\]$/);
  for (const [key, opt] of Object.entries(compressSpec as Spec)) {
    if (opt.cli === false) continue;
    assert.equal(/\[experimental; measured /.test(all.get(longFlag(key, opt))!), opt.experimental !== undefined, `${key}: experimental mark`);
  }
});

test('an option declared without a group or tier is listed under Other by --help-all only', () => {
  let written = '';
  const c = new Command('tool').exitOverride().configureOutput({ writeOut: (t) => { written += t; } });
  const spec = { known: { ...optional(text('a known one')), group: 'data', tier: 'basic' }, added: optional(text('one added later')) } as const satisfies Spec;
  twoTierHelp(addOptions(c, spec), { example: 'whittle tool --known x' });
  const basic = c.helpInformation();
  assert.ok(listed(basic, '--known') && !listed(basic, '--added'), basic);
  assert.throws(() => c.parse(['--help-all'], { from: 'user' }), (e: unknown) => e instanceof CommanderError && e.exitCode === 0);
  assert.ok(listed(group(written, 'Data'), '--known'), written);
  assert.ok(listed(group(written, 'Other'), '--added'), written);
});
