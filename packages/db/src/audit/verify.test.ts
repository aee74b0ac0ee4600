import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  AUDIT_GENESIS_HASH,
  computeAuditHash,
  toCanonicalJson,
  type ChainedAuditRecord,
} from "./canonical";
import { verifyAuditChain } from "./verify";

type Entry = Omit<ChainedAuditRecord, "id" | "prevHash" | "hash">;

function buildChain(entries: Entry[]): ChainedAuditRecord[] {
  const rows: ChainedAuditRecord[] = [];
  let prevHash = AUDIT_GENESIS_HASH;
  for (const [index, entry] of entries.entries()) {
    const record = { ...entry, id: index + 1, prevHash };
    const hash = computeAuditHash(record);
    rows.push({ ...record, hash });
    prevHash = hash;
  }
  return rows;
}

const entryArb: fc.Arbitrary<Entry> = fc.record({
  ts: fc.date({
    min: new Date("2020-01-01T00:00:00Z"),
    max: new Date("2030-01-01T00:00:00Z"),
    noInvalidDate: true,
  }),
  clusterId: fc.option(fc.uuid(), { nil: null }),
  actor: fc.string({ minLength: 1 }),
  action: fc.constantFrom(
    "recommendation.approve",
    "recommendation.reject",
    "safety.update",
  ),
  subject: fc.string(),
  payload: fc.jsonValue(),
});

const chainArb = fc.array(entryArb, { minLength: 1, maxLength: 12 });
const verifyAnchored = (
  rows: ChainedAuditRecord[],
  original: ChainedAuditRecord[],
) => verifyAuditChain(rows, { expectedLastHash: original.at(-1)?.hash });

type Field =
  | "ts"
  | "clusterId"
  | "actor"
  | "action"
  | "subject"
  | "payload"
  | "id"
  | "prevHash"
  | "hash";
const FIELDS: Field[] = [
  "ts",
  "clusterId",
  "actor",
  "action",
  "subject",
  "payload",
  "id",
  "prevHash",
  "hash",
];

function edit(row: ChainedAuditRecord, field: Field): ChainedAuditRecord {
  switch (field) {
    case "ts":
      return { ...row, ts: new Date(row.ts.getTime() + 1) };
    case "clusterId":
      return {
        ...row,
        clusterId:
          row.clusterId === null
            ? "00000000-0000-4000-8000-000000000000"
            : null,
      };
    case "id":
      return { ...row, id: row.id + 1000 };
    case "payload":
      return { ...row, payload: { tampered: row.payload } };
    case "actor":
    case "action":
    case "subject":
    case "prevHash":
    case "hash":
      return { ...row, [field]: `${row[field]}x` };
  }
}

describe("verifyAuditChain", () => {
  it("accepts an untouched chain, including the empty chain at genesis", () => {
    fc.assert(
      fc.property(chainArb, (entries) => {
        const rows = buildChain(entries);
        expect(verifyAnchored(rows, rows)).toEqual({ ok: true });
      }),
    );
    expect(
      verifyAuditChain([], { expectedLastHash: AUDIT_GENESIS_HASH }),
    ).toEqual({ ok: true });
  });

  it("detects any edit of any field of any row, at that row", () => {
    fc.assert(
      fc.property(
        chainArb,
        fc.nat(),
        fc.constantFrom(...FIELDS),
        (entries, at, field) => {
          const rows = buildChain(entries);
          const index = at % rows.length;
          const tampered = rows.map((row, i) =>
            i === index ? edit(row, field) : row,
          );
          const result = verifyAnchored(tampered, rows);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.index).toBeLessThanOrEqual(index + 1);
        },
      ),
    );
  });

  it("detects the deletion of any row, including the first and the last", () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), (entries, at) => {
        const rows = buildChain(entries);
        const index = at % rows.length;
        const remaining = rows.filter((_, i) => i !== index);
        expect(verifyAnchored(remaining, rows).ok).toBe(false);
      }),
    );
  });

  it("detects any reordering of rows", () => {
    fc.assert(
      fc.property(
        chainArb.filter((entries) => entries.length >= 2),
        fc.nat(),
        fc.nat(),
        (entries, a, b) => {
          const rows = buildChain(entries);
          const i = a % rows.length;
          const j = b % rows.length;
          fc.pre(i !== j);
          const swapped = [...rows];
          [swapped[i], swapped[j]] = [rows[j]!, rows[i]!];
          expect(verifyAnchored(swapped, rows).ok).toBe(false);
        },
      ),
    );
  });

  it.each([
    {
      name: "first row not linked to genesis",
      rows: (r: ChainedAuditRecord[]) => r.slice(1),
      index: 0,
    },
    {
      name: "last row removed",
      rows: (r: ChainedAuditRecord[]) => r.slice(0, -1),
      index: 2,
    },
  ])("reports the index of the break: $name", ({ rows, index }) => {
    const chain = buildChain([
      {
        ts: new Date(0),
        clusterId: null,
        actor: "a",
        action: "x",
        subject: "s",
        payload: {},
      },
      {
        ts: new Date(1),
        clusterId: null,
        actor: "b",
        action: "x",
        subject: "s",
        payload: {},
      },
      {
        ts: new Date(2),
        clusterId: null,
        actor: "c",
        action: "x",
        subject: "s",
        payload: {},
      },
    ]);
    const result = verifyAnchored(rows(chain), chain);
    expect(result).toMatchObject({ ok: false, index });
  });
});

describe("toCanonicalJson", () => {
  it.each([
    {
      value: { b: 1, a: [2, { d: 3, c: 4 }] },
      json: '{"a":[2,{"c":4,"d":3}],"b":1}',
    },
    { value: { a: undefined, b: null }, json: '{"b":null}' },
    {
      value: new Date("2026-01-02T03:04:05.678Z"),
      json: '"2026-01-02T03:04:05.678Z"',
    },
    { value: "é\n", json: '"é\\n"' },
  ])("serializes $json with sorted keys", ({ value, json }) => {
    expect(toCanonicalJson(value)).toBe(json);
  });

  it("is independent of key insertion order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(toCanonicalJson(reversed)).toBe(toCanonicalJson(object));
      }),
    );
  });
});
