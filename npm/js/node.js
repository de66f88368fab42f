// Node: instantiate the wasm that ships next to this file, synchronously, at import time.
import { readFileSync } from "node:fs";
import { initSync } from "./muster.js";

initSync({ module: readFileSync(new URL("./muster_bg.wasm", import.meta.url)) });

export * from "./muster.js";
