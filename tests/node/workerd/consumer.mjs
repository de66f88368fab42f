// A tiny Worker that uses the package as a Workers project would: bundled (esbuild, the bundler
// wrangler uses) with the "workerd" export condition, its .wasm imported as a compiled module.
import { SheetValidator, validate, version } from "muster";
import * as validator from "muster/validate";

export default {
  async fetch(request) {
    const body = new Uint8Array(await request.arrayBuffer());
    const report = validate(body, { format: "jumpcloud-create" });
    const stream = new SheetValidator({ read: { filename: "users.csv" }, target: "jumpcloud-create" }, undefined);
    stream.push(body);
    const streamed = stream.finish();
    // The validator entry, its own .wasm imported as a module too.
    const lean = validator.validate(body, { format: "jumpcloud-create" });
    return Response.json({ version: version(), report, lean, streamedErrors: streamed.progress.errors });
  },
};
