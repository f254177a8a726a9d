// Issue 33's ops from other exporters (sequence models, transformers, 1-D/3-D nets): which node tests they add to
// the backend run, which of those are left out on purpose, and which older-opset tests read the same at opset 11.

/** Ops a node test may use besides ISSUE_OPS and EXTRA_OPS. */
export const WILD_OPS = new Set([
  'LpPool', 'GlobalLpPool', 'InstanceNormalization', 'GroupNormalization', 'GRU', 'LSTM', 'RNN',
  'Range', 'Mod', 'ScatterND', 'ScatterElements', 'Scatter', 'Not', 'And', 'Or', 'Xor', 'LessOrEqual', 'GreaterOrEqual',
  'GatherElements', 'GatherND', 'Tile', 'CumSum', 'Trilu', 'Einsum', 'Gelu', 'Softplus', 'Mish', 'Sign', 'ArgMax', 'ArgMin',
  'TopK', 'OneHot', 'NonZero', 'Size', 'CastLike',
  'Floor', 'Ceil', 'Round', 'Sin', 'Cos', 'IsNaN', 'IsInf', 'Softsign', 'Elu', 'Selu', 'Celu', 'ThresholdedRelu', 'PRelu', 'DepthToSpace', 'SpaceToDepth',
]);

/** Node tests of these ops left out, by reason (names are checked against the installed data like SKIPS). */
export const WILD_SKIPS: Record<string, readonly string[]> = {
  'CastLike/Mod on a dtype whittle does not hold (float16 graph inputs, bfloat16, string, uint16/32/64)': [
    'test_castlike_BFLOAT16_to_FLOAT', 'test_castlike_DOUBLE_to_FLOAT16', 'test_castlike_FLOAT16_to_DOUBLE', 'test_castlike_FLOAT16_to_FLOAT',
    'test_castlike_FLOAT_to_BFLOAT16', 'test_castlike_FLOAT_to_FLOAT16', 'test_castlike_FLOAT_to_STRING', 'test_castlike_STRING_to_FLOAT',
    'test_mod_mixed_sign_float16', 'test_mod_uint16', 'test_mod_uint32', 'test_mod_uint64',
  ],
};

/** Ops unchanged from the given opset to 11 (their older node tests are read as opset 11, like SAME_AT_11). */
export const WILD_SAME_AT_11: Record<string, number> = {
  And: 7, Or: 7, Xor: 7, Not: 1, Softplus: 1, InstanceNormalization: 6, Scatter: 9,
  Sin: 7, Cos: 7, Elu: 6, Selu: 6, Softsign: 1, ThresholdedRelu: 10, IsNaN: 9, IsInf: 10, PRelu: 9,
};
