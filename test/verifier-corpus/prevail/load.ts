// Loads PREVAIL's YAML test data (${TSBPF_CORPUS_DIR:-.corpus}/prevail/test-data/*.yaml, fetched
// by scripts/corpus/prevail.sh, not committed) into PrevailTest records.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type PrevailTest, prevailTestFromYaml } from '../../../src/verifier/corpus/prevail.js';

export function prevailDir(): string {
  return join(resolve(process.env.TSBPF_CORPUS_DIR ?? '.corpus'), 'prevail', 'test-data');
}

export function corpusPresent(dir = prevailDir()): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.yaml'));
}

export function loadPrevailTests(dir = prevailDir()): PrevailTest[] {
  const out: PrevailTest[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')).sort()) {
    const seen = new Map<string, number>();
    for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const t = prevailTestFromYaml(d.toJS() as Record<string, unknown>, f);
      if (!t) continue;
      // a few names repeat within a file: the second is `name #2`
      const n = (seen.get(t.name) ?? 0) + 1;
      seen.set(t.name, n);
      if (n > 1) t.name = `${t.name} #${n}`;
      out.push(t);
    }
  }
  return out;
}
