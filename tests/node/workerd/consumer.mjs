// A tiny Worker that uses the package as a Workers project would: bundled (esbuild, the bundler
// wrangler uses) with the "workerd" export condition, its .wasm imported as a compiled module.
import { SheetValidator, validate, version } from "muster";

export default {
  async fetch(request) {
    const body = new Uint8Array(await request.arrayBuffer());
    const report = validate(body, { format: "jumpcloud-create" });
    const stream = new SheetValidator({ read: { filename: "users.csv" }, target: "jumpcloud-create" }, undefined);
    stream.push(body);
    const streamed = stream.finish();
    return Response.json({ version: version(), report, streamedErrors: streamed.progress.errors });
  },
};
