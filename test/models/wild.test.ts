// Issue 33 on every export of scripts/gen-wild-models.py (swin_t and shufflenet_v2_x0_5 included, too large to
// commit): the checks of test/helpers/wild.ts on each folder under WHITTLE_WILD_DIR. Runs only when that variable
// names the folder (bash scripts/check-wild-models.sh does both), so npm test skips it at once.
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkWildVariant, wildVariants } from '../helpers/wild.js';

const dir = process.env['WHITTLE_WILD_DIR'];
const GENERATE = '/usr/bin/python3 scripts/gen-wild-models.py';

if (!dir || !existsSync(dir)) {
  test('wild models', { skip: dir ? `WHITTLE_WILD_DIR=${dir} does not exist; generate it with: ${GENERATE} ${dir}` : `set WHITTLE_WILD_DIR to a folder written by ${GENERATE} (bash scripts/check-wild-models.sh does both); skipped in npm test` }, () => {});
} else {
  for (const v of wildVariants(dir)) {
    test(`${v}: infer at batch 1 and 3, onnxruntime after convert, gradients, all equal to PyTorch`, async (t) => {
      await checkWildVariant(t, join(dir, v));
    });
  }
}
