import onnxProto from "onnx-proto";

// onnx-proto is CommonJS (`module.exports = $root`), so the namespace comes through the default import.
export const onnx = onnxProto.onnx;
