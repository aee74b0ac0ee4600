export * from "./cost";
export * from "./errors";
export * from "./format";
export * from "./lifecycle";
export * from "./patch";
export * from "./pricing";
export * from "./safety";
export * from "./units";
