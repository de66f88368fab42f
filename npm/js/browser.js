// Browsers and bundlers: fetch the wasm next to this file (bundlers rewrite the URL).
import init from "./muster.js";

await init({ module_or_path: new URL("./muster_bg.wasm", import.meta.url) });

export * from "./muster.js";
