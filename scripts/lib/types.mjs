// The TypeScript types supabase-js uses, generated from the live schema by the real Supabase CLI.
import { supabase } from './database.mjs';

export async function generateTypes(url) {
  const { stdout } = await supabase(['gen', 'types', `--remote=${url}`, '--lang', 'typescript', '--schema', 'public']);
  return stdout;
}
