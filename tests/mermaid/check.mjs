// CI: cada bloco ```mermaid dos READMEs precisa ser um diagrama válido
// (o GitHub mostra uma caixa de erro no lugar de um diagrama quebrado).
// Uso: node tests/mermaid/check.mjs ARQUIVO.md...
import fs from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
const { default: mermaid } = await import("mermaid");

async function valid(text) {
  try {
    await mermaid.parse(text);
    return null;
  } catch (e) {
    return String(e.message || e).split("\n").slice(0, 4).join(" | ");
  }
}

// controle: um diagrama quebrado tem de ser recusado, senão a verificação não vale nada
if ((await valid("flowchart LR\n  a -- b --> ")) === null) {
  console.log("mermaid: o verificador aceitou um diagrama quebrado");
  process.exit(1);
}

const files = process.argv.slice(2);
if (files.length === 0) files.push("README.md");
const blocks = [];
for (const file of files) {
  const md = fs.readFileSync(file, "utf8");
  for (const m of md.matchAll(/```mermaid\n([\s\S]*?)```/g)) blocks.push([file, m[1]]);
}
if (blocks.length === 0) {
  console.log("mermaid: nenhum diagrama encontrado");
  process.exit(1);
}
let bad = 0;
for (const [i, [file, block]] of blocks.entries()) {
  const erro = await valid(block);
  if (erro) bad++;
  console.log(`diagrama ${i + 1} (${file}): ${erro ? "ERRO " + erro : "ok"}`);
}
process.exit(bad ? 1 : 0);
