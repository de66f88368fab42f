// The page's entry: load the validator (the npm package's wasm), check what the user pastes.
// Cell and payload text is only ever set as textContent, never as HTML.
import { validate, version, type Report } from "muster";

const core = document.getElementById("core") as HTMLElement;
const form = document.getElementById("check-form") as HTMLFormElement;
const payload = document.getElementById("payload") as HTMLTextAreaElement;
const summary = document.getElementById("summary") as HTMLElement;
const list = document.getElementById("diagnostics") as HTMLUListElement;

core.textContent = `Validator ready: muster core ${version()} (WebAssembly)`;
(form.querySelector("button") as HTMLButtonElement).disabled = false;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const report: Report = validate(payload.value, { format: "scim" });
  const { rows, errors, warnings } = report.summary;
  summary.textContent = report.valid
    ? `Valid: ${rows} operation(s), ${warnings} warning(s).`
    : `${errors} error(s), ${warnings} warning(s) in ${rows} operation(s).`;
  list.replaceChildren(
    ...report.diagnostics.map((d) => {
      const item = document.createElement("li");
      item.className = d.severity;
      const code = document.createElement("code");
      code.textContent = d.code;
      item.append(code, ` ${d.message}`, d.pointer ? ` (at ${d.pointer || "/"})` : "");
      return item;
    }),
  );
});
