// workerd (Cloudflare Workers) forbids compiling wasm from bytes at run time; the bundler hands us
// the module already compiled when it is imported.
import module from "./muster_bg.wasm";
import { initSync } from "./muster.js";

initSync({ module });

export * from "./muster.js";
