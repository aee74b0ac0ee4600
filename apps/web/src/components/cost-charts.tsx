"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { formatMicroUsd } from "@kubewise/core";

export type CostBar = {
  tsMs: number;
  cpu: number;
  memory: number;
  idle: number;
};

function formatDay(tsMs: number, hourly: boolean): string {
  const iso = new Date(tsMs).toISOString();
  return hourly ? iso.slice(11, 16) : iso.slice(5, 10);
}

/** Cost per bucket, CPU vs memory vs idle, stacked. */
export function CostOverTimeChart({
  data,
  hourly,
  showIdle,
  testId,
}: {
  data: CostBar[];
  hourly: boolean;
  showIdle: boolean;
  testId: string;
}) {
  const money = (v: number) => formatMicroUsd(v, { fractionDigits: 2 });
  return (
    <div data-testid={testId} style={{ width: "100%", height: 260 }}>
      <ResponsiveContainer>
        <BarChart
          data={data}
          margin={{ top: 8, right: 16, bottom: 8, left: 16 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="tsMs"
            tickFormatter={(v) => formatDay(Number(v), hourly)}
            minTickGap={24}
          />
          <YAxis tickFormatter={money} width={80} />
          <Tooltip
            labelFormatter={(v) =>
              new Date(Number(v)).toISOString().slice(0, 16).replace("T", " ")
            }
            formatter={(v) => money(Number(v))}
          />
          <Legend />
          <Bar
            dataKey="cpu"
            name="CPU"
            stackId="cost"
            fill="#2f6fec"
            isAnimationActive={false}
          />
          <Bar
            dataKey="memory"
            name="memory"
            stackId="cost"
            fill="#7c3aed"
            isAnimationActive={false}
          />
          {showIdle ? (
            <Bar
              dataKey="idle"
              name="idle"
              stackId="cost"
              fill="#cbd5e1"
              isAnimationActive={false}
            />
          ) : null}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export type UsageRequestPoint = {
  tsMs: number;
  usage: number;
  request: number;
};

/** Average usage against the average request per bucket. */
export function UsageVsRequestChart({
  data,
  hourly,
  format,
  testId,
}: {
  data: UsageRequestPoint[];
  hourly: boolean;
  format: (value: number) => string;
  testId: string;
}) {
  return (
    <div data-testid={testId} style={{ width: "100%", height: 240 }}>
      <ResponsiveContainer>
        <LineChart
          data={data}
          margin={{ top: 8, right: 16, bottom: 8, left: 16 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="tsMs"
            tickFormatter={(v) => formatDay(Number(v), hourly)}
            minTickGap={24}
          />
          <YAxis tickFormatter={format} width={80} />
          <Tooltip formatter={(v) => format(Number(v))} />
          <Legend />
          <Line
            dataKey="request"
            name="request"
            stroke="#b7791f"
            strokeDasharray="6 3"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="usage"
            name="usage (avg)"
            stroke="#2f6fec"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
