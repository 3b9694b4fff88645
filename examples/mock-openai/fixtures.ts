/**
 * Answers the mock server gives verbatim, as JSON and as the API streams them, selected by a
 * `[[fixture:NAME]]` marker in the last user message (chat) or input (responses). They cover
 * what the stream-fidelity matrix compares: parallel tool-call deltas, `n: 2`, logprobs,
 * refusals, audio, url citations, reasoning summaries.
 *
 * @module
 */
import { CHAT_FIXTURES, type ChatFixture } from './fixtures-chat.js';
import { RESPONSES_FIXTURES, type ResponsesFixture } from './fixtures-responses.js';

export { CHAT_FIXTURES, type ChatFixture, type ChatFixtureName, chatFixtureChunks } from './fixtures-chat.js';
export {
  RESPONSES_FIXTURES,
  type ResponsesFixture,
  type ResponsesFixtureName,
} from './fixtures-responses.js';

/** The marker that makes the mock answer with the fixture `name`. */
export const fixtureMarker = (name: string): string => `[[fixture:${name}]]`;

const MARKER = /\[\[fixture:([a-z0-9-]+)\]\]/;

/** The fixture named by a marker in `prompt`: `undefined` without a marker, `null` for an unknown name. */
export function fixtureIn<T extends 'chat' | 'responses'>(
  kind: T,
  prompt: string,
): (T extends 'chat' ? ChatFixture : ResponsesFixture) | null | undefined {
  const name = MARKER.exec(prompt)?.[1];
  if (name === undefined) return undefined;
  const table: Record<string, ChatFixture | ResponsesFixture> =
    kind === 'chat' ? CHAT_FIXTURES : RESPONSES_FIXTURES;
  return (Object.hasOwn(table, name) ? table[name] : null) as never;
}
