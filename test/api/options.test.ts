import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions, apiNaming, compressSpec, pruneSpec, readConfig } from '../../src/options/index.js';
import { ConfigError, WhittleError } from '../../src/errors.js';
import { program } from '../../src/cli/main.js';
import { DISTRIBUTED_FLAGS } from '../../src/cli/distributed-options.js';

const err = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError && e instanceof WhittleError, String(e));
    assert.equal(e.code, 'E_CONFIG');
    return e;
  }
  assert.fail('expected a ConfigError');
};

test('checkOptions fills defaults, and rejects unknown keys and bad values naming the option', () => {
  assert.deepEqual(checkOptions(pruneSpec, { ratio: 0.5 }, apiNaming), {
    ratio: 0.5, metric: 'params', runtime: 'onnxruntime-node', latencyBatch: 1, latencyThreads: 1, criterion: 'l1', minChannels: 1, pruneEmbedding: 'on', reduction: 'sum', batches: 8, calibrationBatches: 8, batchSize: 64, seed: 0,
  });
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ ratio: 0.5, ratoi: 1 }, 'ratoi', /unknown option/],
    [{ ratio: 1.5 }, 'ratio', /must be in \(0, 1\], got 1\.5/],
    [{ ratio: '0.5' }, 'ratio', /must be in \(0, 1\], got '0\.5'/],
    [{ widthsOf: 3 }, 'widthsOf', /expected an ONNX file path or a model/],
    [{ ratio: 0.5, metric: 'flops' }, 'metric', /expected one of params, macs, latency, got 'flops'/],
    [{ ratio: 0.5, roundTo: 2.5 }, 'roundTo', /expected an integer >= 1, got 2\.5/],
    [{ ratio: 0.5, ignore: 'conv1' }, 'ignore', /expected a list of names, got 'conv1'/],
    [{ ratio: 0.5, attention: 'head' }, 'attention', /expected one of heads, dims, got 'head'/],
    [{ ratio: 0.5, pruneEmbedding: true }, 'pruneEmbedding', /expected one of on, off/],
  ];
  for (const [values, path, msg] of cases) {
    const e = err(() => checkOptions(pruneSpec, values, apiNaming));
    assert.equal(e.path, path);
    assert.match(e.message, msg);
  }
  assert.equal(err(() => checkOptions(pruneSpec, { ratio: 0.5, ratoi: 1 }, apiNaming)).message, 'ratoi: unknown option (did you mean ratio?)');
  const list = err(() => checkOptions(compressSpec, { teacher: 't.onnx', data: 'mnist', out: 'o', ratios: [0.5, 2] }, apiNaming));
  assert.equal(list.message, 'ratios: each ratio must be in (0, 1], got 2');
  const epochs = err(() => checkOptions(compressSpec, { teacher: 't.onnx', data: 'mnist', out: 'o', epochsPerStep: [1, -1] }, apiNaming));
  assert.match(epochs.message, /^epochsPerStep: expected a whole number >= 0, or a list with one per step/);
});

test('readConfig takes camelCase and kebab-case keys and aliases, converts flag text, and names an unknown key and the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-config-'));
  const path = join(dir, 'whittle.yaml');
  writeFileSync(path, 'teacher: t.onnx\nepochs-per-step: [1, 2]\nratios: 0.5,0.5\noutput: runs/a\ndistill: false\n');
  const c = readConfig(path, compressSpec);
  assert.deepEqual(c.values, { teacher: 't.onnx', epochsPerStep: [1, 2], ratios: [0.5, 0.5], out: 'runs/a', distill: false });
  assert.equal(c.written.get('epochsPerStep'), 'epochs-per-step');
  writeFileSync(path, 'teacher: t.onnx\nflavour: 3\nratio: 0.5\n');
  assert.equal(err(() => readConfig(path, compressSpec)).message, `${path}: flavour: unknown option`);
  writeFileSync(path, 'ratio: 0.5\n');
  assert.equal(err(() => readConfig(path, compressSpec)).message, `${path}: ratio: unknown option (did you mean ratios?)`);
  writeFileSync(path, 'onEvent: x\n');
  assert.match(err(() => readConfig(path, compressSpec)).message, /onEvent: unknown option/);
  writeFileSync(path, '- 0.5\n- 0.5\n');
  assert.match(err(() => readConfig(path, compressSpec)).message, /expected a mapping of option names/);
  writeFileSync(path, 'ratios: [0.5\n');
  assert.match(err(() => readConfig(path, compressSpec)).message, /not valid YAML/);
});

test('every flag of the commands built from a spec is an option of that spec (no flag the API lacks)', () => {
  const p = program();
  const specs = { compress: compressSpec, prune: pruneSpec };
  for (const [name, spec] of Object.entries(specs)) {
    const cmd = p.commands.find((c) => c.name() === name)!;
    // the distributed flags say how the run is spread over processes; the API takes that as compress()'s second argument
    const flags = cmd.options.map((o) => o.attributeName()).filter((a) => !['json', 'config', 'output', 'helpAll', ...DISTRIBUTED_FLAGS].includes(a));
    for (const f of flags) assert.ok(f in spec, `${name} --${f} has no option in its spec`);
    const cli = Object.entries(spec).filter(([, o]) => o.cli !== false).map(([k]) => k).filter((k) => k !== 'out');
    for (const k of cli) assert.ok(flags.includes(k), `${name}: option ${k} has no flag`);
  }
});
