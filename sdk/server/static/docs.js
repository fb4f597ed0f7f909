// A plain rendering of /openapi.json: every route with its summary, parameters and body fields.
"use strict";

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function schemaOf(doc, ref) {
  return ref && ref.$ref ? doc.components.schemas[ref.$ref.split("/").pop()] : ref;
}

function fields(doc, schema) {
  schema = schemaOf(doc, schema);
  if (!schema || !schema.properties) return [];
  const required = new Set(schema.required || []);
  return Object.entries(schema.properties).map(([name, p]) =>
    name + (required.has(name) ? " (required)" : "") + (p.description ? ": " + p.description : ""));
}

async function main() {
  const doc = await (await fetch("/openapi.json")).json();
  const root = document.getElementById("api");
  root.replaceChildren(el("p", doc.info.description || "", "muted"));
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const section = el("section");
      section.append(el("h2", method.toUpperCase() + " " + path));
      section.append(el("p", op.summary || ""));
      const list = el("ul");
      for (const p of op.parameters || []) list.append(el("li", p.in + " " + p.name + (p.description ? ": " + p.description : "")));
      const body = op.requestBody && op.requestBody.content["application/json"];
      for (const f of body ? fields(doc, body.schema) : []) list.append(el("li", "body " + f));
      if (list.children.length) section.append(list);
      root.append(section);
    }
  }
}

main();
