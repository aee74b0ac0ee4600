// One line per query module; other packages' owners add their modules here.
export * from "./clusters";
