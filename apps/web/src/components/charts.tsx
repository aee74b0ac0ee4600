"use client";

import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

export type BarDatum = { label: string; value: number };

export function SimpleBarChart({
  data,
  formatValue,
  color = "#2f6fec",
  testId,
}: {
  data: BarDatum[];
  formatValue: (value: number) => string;
  color?: string;
  testId: string;
}) {
  return (
    <div data-testid={testId} style={{ width: "100%", height: 240 }}>
      <ResponsiveContainer>
        <BarChart
          data={data}
          margin={{ top: 8, right: 16, bottom: 8, left: 16 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="label"
            interval={0}
            angle={-20}
            textAnchor="end"
            height={56}
            tick={{ fontSize: 12 }}
          />
          <YAxis tickFormatter={formatValue} width={90} />
          <Tooltip formatter={(value) => formatValue(Number(value))} />
          <Bar dataKey="value" fill={color} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export type GroupedDatum = { label: string; first: number; second: number };

export function GroupedBarChart({
  data,
  names,
  formatValue,
  testId,
}: {
  data: GroupedDatum[];
  names: [string, string];
  formatValue: (value: number) => string;
  testId: string;
}) {
  return (
    <div data-testid={testId} style={{ width: "100%", height: 260 }}>
      <ResponsiveContainer>
        <BarChart
          data={data}
          margin={{ top: 8, right: 16, bottom: 8, left: 16 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="label"
            interval={0}
            angle={-20}
            textAnchor="end"
            height={56}
            tick={{ fontSize: 12 }}
          />
          <YAxis tickFormatter={formatValue} width={90} />
          <Tooltip formatter={(value) => formatValue(Number(value))} />
          <Legend />
          <Bar
            dataKey="first"
            name={names[0]}
            fill="#94a3b8"
            isAnimationActive={false}
          />
          <Bar
            dataKey="second"
            name={names[1]}
            fill="#2f6fec"
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export type UsagePoint = {
  /** Epoch milliseconds. */
  tsMs: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
  forecastBand?: [number, number] | null;
};

export function UsageChart({
  points,
  current,
  recommended,
  nowMs = null,
  formatValue,
  testId,
  labels = { current: "current request", recommended: "recommended" },
}: {
  points: UsagePoint[];
  current: number | null;
  recommended: number | null;
  /** Names of the two reference lines. */
  labels?: { current: string; recommended: string };
  /** Where the forecast starts (drawn as a vertical "now" line). */
  nowMs?: number | null;
  formatValue: (value: number) => string;
  testId: string;
}) {
  const formatTime = (tsMs: number) =>
    new Date(tsMs).toISOString().slice(5, 16).replace("T", " ");
  return (
    <div data-testid={testId} style={{ width: "100%", height: 300 }}>
      <ResponsiveContainer>
        <ComposedChart
          data={points}
          margin={{ top: 8, right: 24, bottom: 8, left: 16 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="tsMs"
            type="number"
            domain={["dataMin", "dataMax"]}
            tickFormatter={formatTime}
            scale="time"
          />
          <YAxis tickFormatter={formatValue} width={90} />
          <Tooltip
            labelFormatter={(tsMs) => formatTime(Number(tsMs))}
            formatter={(value) =>
              Array.isArray(value)
                ? value.map((v) => formatValue(Number(v))).join(" – ")
                : formatValue(Number(value))
            }
          />
          <Legend />
          <Area
            dataKey="forecastBand"
            name="forecast p50–p90 (next 24 h)"
            stroke="none"
            fill="#c7d7fb"
            isAnimationActive={false}
          />
          <Line
            dataKey="p50"
            name="p50"
            stroke="#64748b"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="p95"
            name="p95"
            stroke="#2f6fec"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="max"
            name="max"
            stroke="#c23b3b"
            dot={false}
            isAnimationActive={false}
          />
          {nowMs !== null ? (
            <ReferenceLine
              x={nowMs}
              className="forecast-now"
              stroke="#334155"
              label="now"
            />
          ) : null}
          {current !== null ? (
            <ReferenceLine
              y={current}
              stroke="#b7791f"
              strokeDasharray="6 3"
              label={{ value: labels.current, position: "insideTopLeft" }}
            />
          ) : null}
          {recommended !== null ? (
            <ReferenceLine
              y={recommended}
              stroke="#1f8a4c"
              strokeDasharray="6 3"
              label={{
                value: labels.recommended,
                position: "insideBottomRight",
              }}
            />
          ) : null}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
