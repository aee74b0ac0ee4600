// A hand-assembled WebAssembly SIMD kernel for the LSTM gate pre-activations (the forward's inner
// product, ~70 % of its time in plain TypeScript). Each f64x2 lane is one gate and adds bias, input
// terms and recurrent terms in index order, with separate multiply and add (wasm never fuses), so
// every gate is bit-identical to the scalar loop. Cell updates stay in JS: Math.tanh must be V8's.

const I32 = 0x7f;
const V128 = 0x7b;
const OP = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Const: 0x41,
  ltU: 0x49,
  add: 0x6a,
  shl: 0x74,
  promote: 0xbb,
} as const;
// SIMD opcodes follow the 0xfd prefix as unsigned LEB128.
const SIMD = {
  load: [0xfd, 0x00],
  store: [0xfd, 0x0b],
  splat: [0xfd, 0x14],
  add: [0xfd, 0xf0, 0x01],
  mul: [0xfd, 0xf2, 0x01],
} as const;

// Parameters: x (f32 input row), w (W^T [nIn][4H]), r (R^T [nH][4H]), bias, h, out, nIn, nH.
const [X, W, R, BIAS, H, OUT, N_IN, N_H] = [0, 1, 2, 3, 4, 5, 6, 7];
// Locals: gate index, term index, 4H, weight pointer, two accumulators (gates g..g+3), splatted term.
const [G, K, N_G, P, ACC0, ACC1, TERM] = [8, 9, 10, 11, 12, 13, 14];

const get = (i: number): number[] => [OP.get, i];
const set = (i: number): number[] => [OP.set, i];
const times8 = (i: number): number[] => [...get(i), OP.i32Const, 3, OP.shl];
const plus = (base: number, scaled: number[]): number[] => [
  ...get(base),
  ...scaled,
  OP.add,
];

/** acc0 += w[p] * term; acc1 += w[p + 16 bytes] * term; p += 4H doubles. */
const accumulate: number[] = [
  ...get(ACC0),
  ...get(P),
  ...SIMD.load,
  3,
  0,
  ...get(TERM),
  ...SIMD.mul,
  ...SIMD.add,
  ...set(ACC0),
  ...get(ACC1),
  ...get(P),
  ...SIMD.load,
  3,
  16,
  ...get(TERM),
  ...SIMD.mul,
  ...SIMD.add,
  ...set(ACC1),
  ...plus(P, times8(N_G)),
  ...set(P),
];

function termLoop(input: {
  weights: number;
  loadTerm: number[];
  count: number;
}): number[] {
  return [
    ...plus(input.weights, times8(G)),
    ...set(P),
    OP.i32Const,
    0,
    ...set(K),
    OP.loop,
    0x40,
    ...input.loadTerm,
    ...SIMD.splat,
    ...set(TERM),
    ...accumulate,
    ...get(K),
    OP.i32Const,
    1,
    OP.add,
    OP.tee,
    K,
    ...get(input.count),
    OP.ltU,
    OP.brIf,
    0,
    OP.end,
  ];
}

const body: number[] = [
  2, // local groups
  4,
  I32,
  3,
  V128,
  ...get(N_H),
  OP.i32Const,
  2,
  OP.shl,
  ...set(N_G),
  OP.loop,
  0x40,
  ...plus(BIAS, times8(G)),
  OP.tee,
  P,
  ...SIMD.load,
  3,
  0,
  ...set(ACC0),
  ...get(P),
  ...SIMD.load,
  3,
  16,
  ...set(ACC1),
  ...termLoop({
    weights: W,
    loadTerm: [
      ...plus(X, [...get(K), OP.i32Const, 2, OP.shl]),
      OP.f32Load,
      2,
      0,
      OP.promote,
    ],
    count: N_IN,
  }),
  ...termLoop({
    weights: R,
    loadTerm: [...plus(H, times8(K)), OP.f64Load, 3, 0],
    count: N_H,
  }),
  ...plus(OUT, times8(G)),
  ...get(ACC0),
  ...SIMD.store,
  3,
  0,
  ...plus(OUT, times8(G)),
  ...get(ACC1),
  ...SIMD.store,
  3,
  16,
  ...get(G),
  OP.i32Const,
  4,
  OP.add,
  OP.tee,
  G,
  ...get(N_G),
  OP.ltU,
  OP.brIf,
  0,
  OP.end,
  OP.end,
];

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

const name = (text: string): number[] => [
  text.length,
  ...Array.from(text, (c) => c.charCodeAt(0)),
];

function moduleBytes(): Uint8Array {
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 8, ...new Array<number>(8).fill(I32), 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name("gates"), 0x00, 0, ...name("mem"), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The part of the WebAssembly JS API used here (this package compiles without DOM typings). */
type WasmMemory = { buffer: ArrayBuffer; grow(pages: number): number };
type WasmApi = {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

function wasmApi(): WasmApi | undefined {
  // Node and browsers define the global; the cast only names its type (typeof-checked before use).
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return typeof api === "object" ? api : undefined;
}

function isMemory(value: unknown): value is WasmMemory {
  return (
    typeof value === "object" &&
    value !== null &&
    "buffer" in value &&
    value.buffer instanceof ArrayBuffer &&
    "grow" in value &&
    typeof value.grow === "function"
  );
}

export type GateKernel = {
  memory: WasmMemory;
  /** Byte offsets into `memory`; sizes in units. Writes 4H float64 gate pre-activations at `out`. */
  gates(
    x: number,
    w: number,
    r: number,
    bias: number,
    h: number,
    out: number,
    nIn: number,
    nH: number,
  ): void;
};

let kernel: GateKernel | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (the caller falls back to JS). */
export function loadGateKernel(): GateKernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  const api = wasmApi();
  const bytes = moduleBytes();
  if (!api?.validate(bytes)) return kernel;
  const { gates, mem } = new api.Instance(new api.Module(bytes)).exports;
  // The export's signature is the module's own type section above: 8 x i32 -> nothing.
  if (typeof gates === "function" && isMemory(mem))
    kernel = { memory: mem, gates: gates as GateKernel["gates"] };
  return kernel;
}
