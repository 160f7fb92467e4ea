/**
 * Fails when line coverage of src/ in an lcov file is below a threshold.
 * Usage: deno run --allow-read scripts/coverage-gate.ts coverage/lcov.info 90
 *
 * @module
 */
const [file = "coverage/lcov.info", min = "90"] = Deno.args;
const text = await Deno.readTextFile(file);
let found = 0;
let hit = 0;
const perFile: { name: string; pct: number; found: number }[] = [];
let name = "";
let fFound = 0;
let fHit = 0;
for (const line of text.split("\n")) {
  if (line.startsWith("SF:")) {
    name = line.slice(3);
    fFound = 0;
    fHit = 0;
  } else if (line.startsWith("LF:")) fFound = Number(line.slice(3));
  else if (line.startsWith("LH:")) fHit = Number(line.slice(3));
  else if (line === "end_of_record" && name.includes("/src/")) {
    found += fFound;
    hit += fHit;
    perFile.push({
      name: name.replace(/^.*\/src\//, "src/"),
      pct: fFound ? (100 * fHit) / fFound : 100,
      found: fFound,
    });
  }
}
const pct = found ? (100 * hit) / found : 0;
for (const f of perFile.sort((a, b) => a.pct - b.pct).slice(0, 8)) {
  console.log(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.name} (${f.found} lines)`);
}
console.log(`line coverage of src/: ${pct.toFixed(2)}% (${hit}/${found}), required ${min}%`);
if (pct < Number(min)) {
  console.error(`coverage ${pct.toFixed(2)}% is below ${min}%`);
  Deno.exit(1);
}
