// A compress run that SIGKILLs itself at a given point, for the resume tests (the kill lands exactly there, which
// a parent reading throttled --json progress cannot do). argv: options as JSON, the point as JSON or null: a batch
// boundary {step, epoch, index} (after that batch's update), or {step, epoch, checkpointMs}: that many ms after the
// epoch's end, inside the writing of its checkpoint.
import { compress, type CompressEvent } from '../../src/api/compress.js';
import type { CompressOptions } from '../../src/options/index.js';

type Point = { step: number; epoch: number; index?: number; checkpointMs?: number };
async function runAndDie(optionsJson: string, pointJson: string | undefined): Promise<void> {
  const options = JSON.parse(optionsJson) as CompressOptions;
  const at = JSON.parse(pointJson ?? 'null') as Point | null;
  const die = (): void => void process.kill(process.pid, 'SIGKILL');
  const onEvent = (e: CompressEvent): void => {
    if (!at || !('step' in e) || e.step !== at.step || !('epoch' in e) || e.epoch !== at.epoch) return;
    if (e.type === 'batch' && e.index === at.index) die();
    if (e.type === 'epoch-end' && at.checkpointMs !== undefined) setTimeout(die, at.checkpointMs);
  };
  await compress({ ...options, onEvent });
}

// `node --test dist/test/` runs every file under test/ too: without arguments this one does nothing.
if (process.argv[2] !== undefined) await runAndDie(process.argv[2], process.argv[3]);
