import type { Tensor } from '../../tensor/index.js';

export type Cell = 'RNN' | 'GRU' | 'LSTM';

/** What one RNN/GRU/LSTM node asks for, read from its attributes and inputs. */
export interface RecurrentSpec {
  readonly cell: Cell;
  /** Number of directions (2 when bidirectional). */
  readonly dirs: number;
  readonly reverse: boolean;
  readonly hidden: number;
  /** ReLU instead of tanh (RNN only). */
  readonly relu: boolean;
  readonly linearBeforeReset: boolean;
  readonly clip: number | null;
  readonly inputForget: boolean;
}

/** Inputs in sequence-first form: x [T, B, I], w [D, G*H, I], r [D, G*H, H], b [D, 2*G*H], h0/c0 [D, B, H]. */
export interface RecurrentInputs {
  readonly x: Tensor;
  readonly w: Tensor;
  readonly r: Tensor;
  readonly b: Tensor | null;
  /** Valid steps per batch entry; null when every entry runs all T steps. */
  readonly lens: number[] | null;
  readonly h0: Tensor;
  readonly c0: Tensor | null;
  /** LSTM peepholes [D, 3H] (i, o, f). */
  readonly p: Tensor | null;
}

/** Y [T, D, B, H], Y_h [D, B, H] and, for LSTM, Y_c [D, B, H]. */
export type RecurrentOutputs = { y: Tensor; h: Tensor; c: Tensor | null };
