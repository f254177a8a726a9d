/** ONNX import and export: files ↔ the graph IR (reads opsets 6–21, writes 11–21). */
export { loadOnnx, MIN_OPSET, MAX_OPSET, type LoadOptions } from './import.js';
export { saveOnnx, toOnnxBytes, toModelProto, metadataProps, IR_VERSION, MIN_WRITE_OPSET, DEFAULT_OPSET, type SaveOptions } from './export.js';
export { OnnxError } from './errors.js';
export { decodeModel, encodeModel, num, DataType, type ModelProto } from './proto/index.js';
