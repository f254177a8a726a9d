import { SingleBar } from 'cli-progress';
import type { CompressEvent, PassName } from '../pipeline/compress.js';

/** Bars with an ETA on a terminal, one plain line per epoch otherwise, or JSON events (one per line) for machines. */
export type ProgressMode = 'bars' | 'lines' | 'json';

export function progressMode(json: boolean | undefined): ProgressMode {
  return json ? 'json' : process.stderr.isTTY ? 'bars' : 'lines';
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

const PASS_LABELS: Record<PassName, string> = {
  'teacher-val': 'teacher, val split', 'teacher-test': 'teacher, test split', 'teacher-cache': 'teacher outputs (cache)',
};

/** The line an event prints in 'lines' and 'bars' mode (batch events print none). */
export function describe(e: CompressEvent): string | null {
  switch (e.type) {
    case 'precision': return `precision: ${e.precision} (${e.reason})`;
    case 'tasks': return `${e.labels ? `labels: ${e.labels}\n` : ''}${e.heads.map((h) => `task: ${h}`).join('\n')}\nbest epoch by: ${e.score}${e.score === 'accuracy' ? '' : ' (the val and test figures below)'}`;
    case 'teacher': return `teacher: ${e.params} params, ${e.macs} MACs, val ${pct(e.valAccuracy)}, test ${pct(e.testAccuracy)}`;
    case 'untied': return `student: ${e.names.length} initializer${e.names.length > 1 ? 's' : ''} shared by layers cut differently, or read as BatchNorm running statistics too (the exporter stored equal tensors once), copied per layer: ${e.params} params`;
    case 'warning': return `warning: ${e.message}`;
    case 'resumed': return `  resumed step ${e.step} after epoch ${e.epoch} of ${e.of}`;
    case 'step-start': return `step ${e.step}/${e.of}: prune to ${e.targetRatio.toFixed(4)}, then ${e.epochs} epoch(s)`;
    case 'pruned': return `  pruned: ratio ${e.achievedRatio.toFixed(4)}, ${e.params} params, ${e.macs} MACs${e.latency ? `, ${e.latency.measuredMs.toFixed(3)} ms (asked ${e.latency.requestedMs.toFixed(3)})` : ''}`;
    case 'batch': return null;
    case 'pass': return null;
    case 'epoch-end': return `  epoch ${e.epoch}/${e.epochs}: train loss ${e.trainLoss.toFixed(4)}, val ${pct(e.valAccuracy)}, ${e.imagesPerSec.toFixed(0)} images/s`;
    case 'qat-start': return `int8: the last step's final ${e.epochs} epoch(s) are quantization-aware distillation, ${e.layers} layers and ${e.activations} activations fake-quantized`;
    case 'qat-end': return `  int8: val ${pct(e.int8.valAccuracy)} fake-quantized; test ${pct(e.int8.testAccuracy)} in onnxruntime-node (float ${pct(e.int8.floatTestAccuracy)}), ${e.int8.bytes} bytes, ${e.int8.fused} int8 kernels`;
    case 'step-end': return `  step ${e.step}: val ${pct(e.report.valAccuracy)}, test ${pct(e.report.testAccuracy)}, ${e.report.seconds.toFixed(1)} s${e.report.stopped ? ` (${e.report.stopped})` : ''}`;
  }
}

/** An onEvent for compress that shows progress in the given mode; call stop() when the run ends or fails. */
export function compressProgress(mode: ProgressMode): { onEvent: (e: CompressEvent) => void; stop: () => void } {
  if (mode === 'json') {
    let lastBatch = 0;
    return {
      onEvent: (e) => {
        // batch and pass events at most once a second: enough for a progress display, not a flood
        if (e.type === 'batch' || e.type === 'pass') {
          const now = Date.now();
          if (now - lastBatch < 1000 && e.index + 1 < e.of) return;
          lastBatch = now;
        }
        console.log(JSON.stringify({ event: e.type, ...e }));
      },
      stop: () => undefined,
    };
  }
  const bar = batchBar(mode === 'bars');
  let pass: { name: PassName; bar: ReturnType<typeof passBar> } | null = null;
  const stopPass = (): void => {
    pass?.bar.stop();
    pass = null;
  };
  return {
    onEvent: (e) => {
      if (e.type === 'batch') return bar.update(e);
      if (e.type === 'pass') {
        if (pass?.name !== e.pass) {
          stopPass();
          pass = { name: e.pass, bar: passBar(mode === 'bars', PASS_LABELS[e.pass]) };
        }
        return pass.bar.update({ batch: e.index + 1, of: e.of });
      }
      bar.stop();
      stopPass();
      const line = describe(e);
      if (line !== null) console.log(line);
    },
    stop: () => {
      bar.stop();
      stopPass();
    },
  };
}

/** A bar on stderr (when `on`), made at its first update with the format given then; stop() clears it. */
function lazyBar(on: boolean, etaBuffer: number): { update: (format: () => string, value: number, total: number, payload?: Record<string, string>) => void; stop: () => void } {
  let bar: SingleBar | null = null;
  return {
    update: (format, value, total, payload = {}) => {
      if (!on) return;
      if (!bar) {
        bar = new SingleBar({ format: format(), hideCursor: true, clearOnComplete: true, stream: process.stderr, etaBuffer });
        bar.start(total, 0, payload);
      }
      bar.update(value, payload);
    },
    stop: () => {
      bar?.stop();
      bar = null;
    },
  };
}

/** A bar over an epoch's batches with loss and ETA on stderr (when `on`); stop() clears it before a line is printed. */
export function batchBar(on: boolean): { update: (b: { epoch: number; index: number; of: number; loss: number }) => void; stop: () => void } {
  const bar = lazyBar(on, 50);
  return {
    update: (b) => bar.update(() => `  epoch ${b.epoch} [{bar}] {value}/{total} batches | loss {loss} | ETA {eta_formatted}`, b.index + 1, b.of, { loss: b.loss.toFixed(4) }),
    stop: bar.stop,
  };
}

/** A bar over one pass's batches with an ETA on stderr (when `on`), such as an evaluation; stop() clears it. */
export function passBar(on: boolean, label: string): { update: (p: { batch: number; of: number }) => void; stop: () => void } {
  const bar = lazyBar(on, 20);
  return {
    update: (p) => bar.update(() => `  ${label} [{bar}] {value}/{total} batches | ETA {eta_formatted}`, p.batch, p.of),
    stop: bar.stop,
  };
}
