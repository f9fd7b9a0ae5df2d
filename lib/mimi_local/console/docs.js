// The API reference (/docs): renders /openapi.json as plain HTML. No CDN, no framework; text only via textContent.
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
};

// Inline `code` spans of a description, as text nodes and <code> elements.
const prose = (text) => (text || "").split(/`([^`]*)`/).map((part, i) => (i % 2 ? el("code", {}, part) : part));

function resolve(doc, schema) {
  const ref = schema && schema.$ref;
  return ref ? [ref.split("/").pop(), doc.components.schemas[ref.split("/").pop()]] : [null, schema];
}

// A schema as indented text: `name: type  // description`, refs expanded once per branch.
function typeText(doc, schema, indent = "", seen = new Set()) {
  const [name, s] = resolve(doc, schema);
  if (!s) return "any";
  if (name && seen.has(name)) return name;
  const next = name ? new Set([...seen, name]) : seen;
  if (s.allOf) return s.allOf.map((part) => typeText(doc, part, indent, next)).join(" & ");
  if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map((part) => typeText(doc, part, indent, next)).join(" | ");
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === "array") return `${typeText(doc, s.items || {}, indent, next)}[]`;
  if (s.type === "object" || s.properties) {
    const props = Object.entries(s.properties || {});
    if (!props.length) return s.additionalProperties ? `{ [key]: ${typeText(doc, s.additionalProperties, indent, next)} }` : "object";
    const required = new Set(s.required || []);
    const lines = props.map(([key, prop]) => {
      const [, p] = resolve(doc, prop);
      const note = [limits(p), (prop.description || (p && p.description) || "")].filter(Boolean).join("; ");
      return `${indent}  ${key}${required.has(key) ? "" : "?"}: ${typeText(doc, prop, indent + "  ", next)}` +
        (note ? `  // ${note.replace(/\s+/g, " ")}` : "");
    });
    return `${name ? name + " " : ""}{\n${lines.join("\n")}\n${indent}}`;
  }
  const type = Array.isArray(s.type) ? s.type.join(" | ") : (s.type || "any");
  return s.format ? `${type} (${s.format})` : type;
}

function limits(s) {
  if (!s) return "";
  const out = [];
  if (s.minLength !== undefined || s.maxLength !== undefined) out.push(`length ${s.minLength ?? 0}..${s.maxLength ?? "∞"}`);
  if (s.minimum !== undefined || s.maximum !== undefined) out.push(`${s.minimum ?? "-∞"}..${s.maximum ?? "∞"}`);
  if (s.pattern) out.push(`pattern ${s.pattern}`);
  return out.join(", ");
}

function parameters(op) {
  if (!op.parameters || !op.parameters.length) return null;
  return el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "schema"),
    el("th", {}, "about")),
    op.parameters.map((p) => el("tr", {}, el("td", {}, el("code", {}, p.name), p.required ? " *" : ""),
      el("td", {}, p.in), el("td", {}, el("code", {}, [p.schema.type || "", limits(p.schema)].filter(Boolean).join(" "))),
      el("td", {}, prose(p.description)))));
}

function responses(doc, op) {
  return Object.entries(op.responses).map(([status, r]) => {
    const [type, media] = Object.entries(r.content || {})[0] || [];
    return el("div", {},
      el("p", {}, el("span", { class: `status ${status < 400 ? "ok" : "err"}` }, status), " ", prose(r.description),
        type ? el("span", { class: "muted" }, ` (${type})`) : null),
      media && status < 400 ? el("pre", { class: "schema" }, typeText(doc, media.schema)) : null);
  });
}

function operation(doc, path, method, op) {
  const body = op.requestBody && op.requestBody.content["application/json"];
  const auth = op.security && op.security.length ? "bearer" : "no token";
  return el("details", { class: "op", id: op.operationId, "data-testid": "operation" },
    el("summary", {}, el("span", { class: `method ${method}` }, method.toUpperCase()), el("span", { class: "path" }, path),
      el("span", {}, op.summary), el("span", { class: "auth" }, auth)),
    el("div", { class: "body" }, el("p", {}, prose(op.description)), parameters(op),
      body ? [el("h3", {}, "Request body (application/json)"), el("pre", { class: "schema" }, typeText(doc, body.schema))] : null,
      el("h3", {}, "Responses"), responses(doc, op)));
}

async function main() {
  const root = document.getElementById("docs");
  const doc = await (await fetch("/openapi.json")).json();
  document.getElementById("loading").remove();
  root.append(el("section", { class: "panel" }, el("h2", {}, `${doc.info.title} ${doc.info.version}`),
    el("p", { class: "intro" }, prose(doc.info.description))));
  for (const tag of doc.tags) {
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).filter(([, op]) => op.tags.includes(tag.name)).map(([method, op]) => operation(doc, path, method, op)));
    root.append(el("section", { class: "panel", id: tag.name }, el("h2", {}, tag.name),
      el("p", { class: "muted" }, tag.description), ops));
  }
}

main().catch((err) => { document.getElementById("loading").textContent = `Could not load /openapi.json: ${err}`; });
