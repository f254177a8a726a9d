/** A model as deployed: its ONNX file's size and its median batch-1 latency in onnxruntime-node (null: it did not run there). */
export type Footprint = { bytes: number; latencyMs: number | null };

/** The teacher's and the final student's footprints, timed alternately in one process on the same input. */
export type Footprints = {
  /** How the latencies were taken: onnxruntime-node's version, its intra-op threads, the batch and the timed runs of each model. */
  runtime: string; threads: number; batch: number; runs: number;
  teacher: Footprint; student: Footprint;
};

/** The settings a report's table compares against: the config a run of the same teacher, data and target gets with every other option at its default. */
export type SettingsDefaults = Readonly<Record<string, unknown>>;
