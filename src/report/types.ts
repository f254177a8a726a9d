/** A model as deployed: its ONNX file's size and its median batch-1 latency in onnxruntime-node (null: it did not run there). */
export type Footprint = { bytes: number; latencyMs: number | null };

/** The teacher's and the final student's footprints, timed alternately in one process on the same input. */
export type Footprints = {
  /** How the latencies were taken: onnxruntime-node's version, its intra-op threads, the batch and the timed runs of each model. */
  runtime: string; threads: number; batch: number; runs: number;
  teacher: Footprint; student: Footprint;
  /** The int8 student's (student.int8.onnx), timed with the others; absent without --quantize int8. */
  int8?: Footprint;
};

/**
 * The int8 student of a run with --quantize int8 (student.int8.onnx, QDQ): its size, its accuracy as trained
 * (fake-quantized, on whittle's engine) and in onnxruntime-node next to the float student's there, the nodes quantized
 * and the int8 kernels onnxruntime fused, and the quantization-aware epochs.
 */
export type Int8Summary = {
  bytes: number;
  valAccuracy: number;
  /** Top-1 on the test split in onnxruntime-node: the int8 file, and the float student.onnx beside it (for a run
   * that is not one labelled classifier, the run's score there: task metric where labelled, else fidelity to the teacher). */
  testAccuracy: number;
  floatTestAccuracy: number;
  /** For a run that is not one labelled classifier, the int8 file's fidelity to the teacher per output in
   * onnxruntime-node, and its task metrics where the labels score an output. */
  fidelity?: Record<string, Record<string, number>>;
  metrics?: Record<string, Record<string, number>>;
  quantized: number;
  fused: number;
  /** Conv, Gemm and MatMul kernels onnxruntime still runs in float (0: every layer fused). */
  floatLayers: number;
  activations: 'uint8' | 'int8';
  epochs: { epoch: number; trainLoss: number; valAccuracy: number }[];
};

/** The settings a report's table compares against: the config a run of the same teacher, data and target gets with every other option at its default. */
export type SettingsDefaults = Readonly<Record<string, unknown>>;
