// Every entry (node, browser, workerd) is ready to use on import: no init call needed.
export * from "./muster.js";
