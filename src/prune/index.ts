/**
 * Dependency-aware channel pruning: the graph (what is coupled: DependencyGraph, Group), layer pruning functions
 * (how one layer is cut), importance (how channels are scored), the allocation policy (how many channels each group
 * keeps to hit a ratio), and surgery (the dense smaller graph).
 */
export { prune, predictLatency, analyzeGroups, channelWidths, checkIgnored, checkWidths, resolveOptions, type PruneOptions, type PruneTarget, type PruneResult, type GroupReport } from './pruner.js';
export { DependencyGraph, type Untouched, type CutRule, type Rewrite, type Source } from './dependency-graph.js';
export { buildDependencyGraph, type AnalyzeOptions } from './build-dependency-graph.js';
export { groupWidth, groupWidths, formatWidth, type Group, type GroupKind } from './group.js';
export type { AttentionMode } from './attention.js';
export { PRUNERS, type LayerPruner, type Cut, type Role } from './layer-pruners.js';
export { IMPORTANCE, CRITERIA, normalizePerGroup, type Criterion, type Importance, type ImportanceOptions, type GroupReduction, type Batch } from './importance.js';
export { CostModel, type Metric } from './cost-model.js';
export { LatencyCost, type LatencyTable, type Cost } from './latency-model.js';
export { allocate, allocateWidths, type AllocateOptions, type Allocation } from './allocate.js';
export { applyPlan, type PruningPlan } from './surgery.js';
export { padGroups, paddableMaps, type Padding } from './pad.js';
export { zeroRemovedChannels, removedSlices, keptChannels, type RemovedSlice } from './mask.js';
export { cuttable, sharedInitializers, sharedStatistics, untie, type CuttableGraph } from './untie.js';
