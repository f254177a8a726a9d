// Writes a small synthetic image-folder dataset: DIR/{train,test}/{horizontal,vertical,diagonal}/NNN.png, 32x32 RGB
// stripes with random colours, period, phase and noise. Deterministic (seeded), so export_teacher.py and the
// example see the same images.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export const CLASSES = ['horizontal', 'vertical', 'diagonal'] as const;
const SIDE = 32;

/** A seeded generator of floats in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stripes(kind: (typeof CLASSES)[number], rnd: () => number): Buffer {
  const px = Buffer.alloc(SIDE * SIDE * 3);
  const period = 4 + Math.floor(rnd() * 5);
  const phase = Math.floor(rnd() * period);
  const a = [0, 1, 2].map(() => Math.floor(rnd() * 256));
  const b = [0, 1, 2].map(() => Math.floor(rnd() * 256));
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const t = kind === 'horizontal' ? y : kind === 'vertical' ? x : x + y;
      const c = ((t + phase) % period) < period / 2 ? a : b;
      for (let k = 0; k < 3; k++) px[(y * SIDE + x) * 3 + k] = Math.max(0, Math.min(255, c[k]! + Math.round((rnd() - 0.5) * 40)));
    }
  }
  return px;
}

/** Writes `perClass` training and `perClass / 3` test images per class under `dir`; resolves to `dir`. */
export async function makeImages(dir: string, perClass = 60, seed = 1): Promise<string> {
  const rnd = random(seed);
  for (const [split, n] of [['train', perClass], ['test', Math.ceil(perClass / 3)]] as const) {
    for (const kind of CLASSES) {
      const folder = join(dir, split, kind);
      mkdirSync(folder, { recursive: true });
      for (let i = 0; i < n; i++) {
        await sharp(stripes(kind, rnd), { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toFile(join(folder, `${String(i).padStart(3, '0')}.png`));
      }
    }
  }
  return dir;
}

// As a script: node dist/examples/image-folder/make-images.js DIR
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && process.argv[2]) {
  console.log(`wrote ${await makeImages(process.argv[2])}`);
}
