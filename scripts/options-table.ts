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

/** One option of a configuration schema, as users write it. */
export interface SchemaOption {
  /** Dotted path (`l1.maxEntries`). */
  path: string;
  /** The schema's default (JSON), `undefined` when it has none. */
  default: unknown;
  /** The schema's description. */
  description: string;
}

function objectOf(node: JsonSchemaNode): JsonSchemaNode | undefined {
  return node.properties ? node : node.anyOf?.find((n) => n.properties);
}

/** Every option of `schema` (input side), nested ones dotted, in schema order (`operationTtls` is one option). */
export function schemaOptions(schema: z.ZodType = AICacheConfigSchema): SchemaOption[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const options: SchemaOption[] = [];
  const walk = (node: JsonSchemaNode, path: string) => {
    for (const [name, child] of Object.entries(objectOf(node)?.properties ?? {})) {
      const option = path ? `${path}.${name}` : name;
      options.push({ path: option, default: child.default, description: child.description ?? '' });
      if (name !== 'operationTtls' && objectOf(child)) walk(child, option);
    }
  };
  walk(root, '');
  return options;
}

/** Markdown rows `| option | default | description |` for every option, nested ones dotted. */
export function optionRows(): string[] {
  const rows = schemaOptions().map((option) => {
    const def = option.default === undefined ? '—' : `\`${JSON.stringify(option.default)}\``;
    return `| \`${option.path}\` | ${def} | ${option.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| option | default | description |', '|---|---|---|', ...rows];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(optionRows().join('\n'));
