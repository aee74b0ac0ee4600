// One line per query module; other packages' owners add their modules here.
export * from "./clusters";
export * from "./ingest";
export * from "./ingest-rollups";
