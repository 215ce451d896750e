/**
 * Config of map tile downloads (geodata/). Sources are listed here so the
 * phone can start a job by source name; their API keys stay in this file.
 */
import { z } from 'zod';
import { sourceSchema } from '../../geodata/job-spec.js';

export const downloadsSchema = z.strictObject({
  /** How many jobs download at the same time (each in its own worker thread). */
  parallelJobs: z.number().int().min(1).max(8).default(1),
  /** Jobs with more tiles than this need `confirm: true`. */
  tileCap: z.number().int().min(1).default(100_000),
  /** Downloads pause (state diskLow) when the data partition has less free space than this. */
  diskFloorBytes: z.number().int().min(0).default(512 * 1_048_576),
  /** How often free space is checked while downloading. */
  diskCheckMs: z.number().int().min(100).max(60_000).default(1000),
  /** Contact (e-mail or URL) sent in the User-Agent so tile providers can reach you. */
  contact: z.string().max(200).default(''),
  /** Average tile size used by estimates. */
  avgTileBytes: z.number().int().min(100).max(1_048_576).default(20_000),
  /**
   * Tile sources jobs may name. Only sources whose terms allow offline/bulk use:
   * your own tile server, or a provider with an API key that permits it.
   * tile.openstreetmap.org is refused.
   */
  sources: z.array(sourceSchema).default([]),
});

export type DownloadsConfig = z.output<typeof downloadsSchema>;

/** `dashcamd/<version> (+contact)`: the identifying User-Agent tile providers ask for. */
export function downloadUserAgent(version: string, contact: string): string {
  return contact ? `dashcamd/${version} (+${contact})` : `dashcamd/${version}`;
}
