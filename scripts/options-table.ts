/**
 * Prints the options of `AICacheConfigSchema` (which includes every generic cache option) as a
 * markdown table, from the zod schema itself: the schema is the single source of truth for
 * options, defaults and descriptions, and README's table is generated from it.
 *
 *   npx tsx scripts/options-table.ts
 */
import { z } from 'zod';
import { AICacheConfigSchema } from '../src/config/public.js';

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  default?: unknown;
  description?: string;
}

function objectOf(node: JsonSchemaNode): JsonSchemaNode | undefined {
  return node.properties ? node : node.anyOf?.find((n) => n.properties);
}

/** Markdown rows `| option | default | description |` for every option, nested ones dotted. */
export function optionRows(): string[] {
  const schema = z.toJSONSchema(AICacheConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchemaNode;
  const rows: string[] = [];
  const walk = (node: JsonSchemaNode, path: string) => {
    for (const [name, child] of Object.entries(objectOf(node)?.properties ?? {})) {
      const option = path ? `${path}.${name}` : name;
      const def = child.default === undefined ? '—' : `\`${JSON.stringify(child.default)}\``;
      rows.push(`| \`${option}\` | ${def} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
      if (name !== 'operationTtls' && objectOf(child)) walk(child, option);
    }
  };
  walk(schema, '');
  return ['| option | default | description |', '|---|---|---|', ...rows];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(optionRows().join('\n'));
