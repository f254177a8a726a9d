/** ONNX import and export: files ↔ the graph IR (opsets 11–18). */
export { loadOnnx, MIN_OPSET, MAX_OPSET, type LoadOptions } from './import.js';
export { saveOnnx, toOnnxBytes, toModelProto, metadataProps, IR_VERSION, type SaveOptions } from './export.js';
export { OnnxError } from './errors.js';
export { decodeModel, encodeModel, num, DataType, type ModelProto } from './proto/index.js';
