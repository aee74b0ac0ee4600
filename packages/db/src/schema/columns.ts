import { timestamp } from "drizzle-orm/pg-core";

export const timestamptz = { withTimezone: true, mode: "date" } as const;

export const defaultNow = () => timestamp(timestamptz).notNull().defaultNow();
